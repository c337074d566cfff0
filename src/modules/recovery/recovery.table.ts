import {
  bigint,
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
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

/**
 * RC7's figures kept per organization, local day of first failure and one dimension at a time (method,
 * reason, or path — '' for a failure nothing recovered yet), so that a year's analytics read a few thousand
 * rows instead of every failure (issue 12: ≤ 50 ms at 100,000 entries). The grouping sets of the answer are
 * margins (week, method, reason, path, total), never a cross product, so one row per day and key of each
 * dimension is all it needs; the weeks and the total are sums of the path rows. Written only by
 * recovery-summary.ts, which recomputes whole days from the entries, the ledger and the attempts.
 */
export const recoveryDaily = pgTable(
  'recovery_daily',
  {
    organizationId: text('organization_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    dimension: text('dimension', { enum: ['method', 'reason', 'path'] }).notNull(),
    key: text('key').notNull(),
    failedCount: integer('failed_count').notNull(),
    failedAmount: bigint('failed_amount', { mode: 'bigint' }).notNull(),
    recoveredCount: integer('recovered_count').notNull(),
    recoveredAmount: bigint('recovered_amount', { mode: 'bigint' }).notNull(),
    /** what the path rows moved (collected or not): byPath's amount */
    pathAmount: bigint('path_amount', { mode: 'bigint' }).notNull(),
    /** the first failure of the day's group, and the smallest entry ID failing at that instant (byReason's ties) */
    firstAt: timestamp('first_at', { withTimezone: true, mode: 'date' }).notNull(),
    firstId: text('first_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.day, t.dimension, t.key] })],
);

/**
 * The days to recover, as a histogram per local day of first failure: `tenth` is the time from the first
 * failure to the collection rounded to a tenth of a day (half up), with the smallest and largest exact
 * milliseconds of the bucket. The median's two middle values fall in known buckets from the counts; when
 * they share one, its tenth is the answer; when not, they are the largest of the lower bucket and the
 * smallest of the upper one — exact without reading the failures.
 */
export const recoveryDailyDurations = pgTable(
  'recovery_daily_durations',
  {
    organizationId: text('organization_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    tenth: bigint('tenth', { mode: 'bigint' }).notNull(),
    count: integer('count').notNull(),
    minMs: bigint('min_ms', { mode: 'bigint' }).notNull(),
    maxMs: bigint('max_ms', { mode: 'bigint' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.day, t.tenth] })],
);

/** The time zone the organization's summary days were cut in (a change rebuilds them), and when it was built. */
export const recoverySummaryState = pgTable('recovery_summary_state', {
  organizationId: text('organization_id').primaryKey(),
  timezone: text('timezone').notNull(),
  rebuiltAt: timestamp('rebuilt_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * The accounts whose money changed since the summary last caught up: every transaction that moves money or
 * changes what an account owes takes the account lock first (accounts/account-lock.ts) and adds its account
 * here in the lock's own statement. No unique key, so the insert never waits on another transaction; the
 * summary deletes what it has caught up with and removes duplicates then.
 */
export const recoveryChanges = pgTable(
  'recovery_changes',
  {
    id: bigint('id', { mode: 'bigint' }).primaryKey().generatedAlwaysAsIdentity(),
    organizationId: text('organization_id').notNull(),
    accountId: text('account_id').notNull(),
  },
  (t) => [index('recovery_changes_organization').on(t.organizationId)],
);
