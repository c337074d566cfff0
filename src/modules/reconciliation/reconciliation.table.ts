import { sql } from 'drizzle-orm';
import {
  bigint,
  customType,
  foreignKey,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { accounts } from '../accounts/accounts.table';

/** Byte-order text, so that the owner-name sort is the same on PGlite and PostgreSQL whatever their locale. */
const textC = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' });

/**
 * One row per account: what RA1–RA3 count, with RA2's coverage already applied. Recomputed for the
 * account inside every transaction that moves a document, an allocation or a scheduled payment,
 * so that the reconcilable list is an index scan on RA4's keys instead of an aggregation.
 */
export const accountReconciliation = pgTable(
  'account_reconciliation',
  {
    organizationId: text('organization_id').notNull(),
    accountId: text('account_id').notNull(),
    ownerName: text('owner_name').notNull(),
    /** lower-case, accents removed: the RA4 name key */
    ownerSort: textC('owner_sort').notNull(),
    debitCount: integer('debit_count').notNull().default(0),
    debitMinor: bigint('debit_minor', { mode: 'bigint' }).notNull().default(sql`0`),
    creditCount: integer('credit_count').notNull().default(0),
    creditMinor: bigint('credit_minor', { mode: 'bigint' }).notNull().default(sql`0`),
    items: integer('items').generatedAlwaysAs(sql`debit_count + credit_count`),
    /** 0 when the unreconciled debit equals the unreconciled credit (RA4: zero balance first) */
    balanceRank: integer('balance_rank').generatedAlwaysAs(
      sql`case when debit_minor = credit_minor then 0 else 1 end`,
    ),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.accountId] }),
    index('account_reconciliation_ra4')
      .on(t.organizationId, t.balanceRank, t.items, t.ownerSort, t.accountId)
      .where(sql`debit_count > 0 and credit_count > 0`),
  ],
);

/** Progress of a bulk job the UI follows (`GET /api/v1/jobs/:id`). */
export const jobRuns = pgTable(
  'job_runs',
  {
    organizationId: text('organization_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    state: text('state', { enum: ['queued', 'running', 'completed', 'failed'] }).notNull(),
    done: integer('done').notNull().default(0),
    total: integer('total').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    params: text('params'),
    createdBy: text('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.id] })],
);

/** One reconcile (RA5): the allocations it made carry its ID, so that it can be undone as a whole. */
export const reconciliationBatches = pgTable(
  'reconciliation_batches',
  {
    organizationId: text('organization_id').notNull(),
    id: text('id').notNull(),
    accountId: text('account_id').notNull(),
    createdBy: text('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    undoneAt: timestamp('undone_at', { withTimezone: true, mode: 'date' }),
    undoneBy: text('undone_by'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    foreignKey({
      columns: [t.organizationId, t.accountId],
      foreignColumns: [accounts.organizationId, accounts.id],
    }),
  ],
);
