import { date, foreignKey, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { accounts } from '../accounts/accounts.table';
import type { RetryPolicy } from './retry-policy';

/** RC1: one retry policy per organization (none stored: the defaults of retry-policy.ts). */
export const retryPolicies = pgTable('retry_policies', {
  organizationId: text('organization_id').primaryKey(),
  /** validated by `validatePolicy` before it is written: the shape of the API's RetryPolicy */
  policy: jsonb('policy').$type<RetryPolicy>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  updatedBy: text('updated_by'),
});

/**
 * RC5: an account kept out of dunning (no automatic retry, no dunning e-mail) through `until_date`
 * inclusive; `ends_at` is the start of the next local day in the organization's zone, so that the
 * pause ends by itself without any job.
 */
export const dunningPauses = pgTable(
  'dunning_pauses',
  {
    organizationId: text('organization_id').notNull(),
    accountId: text('account_id').notNull(),
    untilDate: date('until_date', { mode: 'string' }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true, mode: 'date' }).notNull(),
    reason: text('reason').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdBy: text('created_by'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.accountId] }),
    foreignKey({
      columns: [t.organizationId, t.accountId],
      foreignColumns: [accounts.organizationId, accounts.id],
    }),
    index('dunning_pauses_ends').on(t.organizationId, t.endsAt),
  ],
);
