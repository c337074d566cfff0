import { sql } from 'drizzle-orm';
import {
  bigint,
  date,
  foreignKey,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { accounts } from '../accounts/accounts.table';

export const FAILED_TRANSACTION_TYPES = ['refund', 'echeck_payment', 'installment', 'subscription'] as const;
export type FailedTransactionType = (typeof FAILED_TRANSACTION_TYPES)[number];

export const FAILED_TRANSACTION_STATUSES = [
  'open',
  'retrying',
  'resolved',
  'ignored',
  'rescheduled',
] as const;

/**
 * Who started the retry in flight (RC1: a manual retry never consumes an automatic one; RC2: `card_update`,
 * the schedule's method or the wallet card was replaced).
 */
export const RETRY_ORIGINS = ['automatic', 'manual', 'card_update'] as const;

/**
 * An Action Center entry (FT1): money that did not move. open → retrying → resolved (a retry succeeded)
 * or back to open (it failed again); open → ignored (FT6); open → rescheduled (RC6: a failed installment
 * moved onto the plan's later installments).
 */
export const failedTransactions = pgTable(
  'failed_transactions',
  {
    organizationId: text('organization_id').notNull(),
    id: text('id').notNull(),
    accountId: text('account_id').notNull(),
    type: text('type', { enum: FAILED_TRANSACTION_TYPES }).notNull(),
    status: text('status', { enum: FAILED_TRANSACTION_STATUSES }).notNull(),
    /** the public payment ID of the first failed attempt; stays the same through retries */
    paymentId: text('payment_id').notNull(),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    currency: text('currency').notNull(),
    paymentMethodId: text('payment_method_id'),
    /** denormalised for filtering: card | echeck */
    paymentMethodType: text('payment_method_type', { enum: ['card', 'echeck'] }).notNull(),
    reasonCode: text('reason_code').notNull(),
    attempts: integer('attempts').notNull().default(1),
    /** eCheck re-presentments made so far (FT12: R01/R09 at most twice in 180 days) */
    representments: integer('representments').notNull().default(0),
    firstFailedAt: timestamp('first_failed_at', { withTimezone: true, mode: 'date' }).notNull(),
    failedAt: timestamp('failed_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** the original debit's date, from which FT12's 180 days run */
    originalAt: timestamp('original_at', { withTimezone: true, mode: 'date' }).notNull(),
    scheduledPaymentId: text('scheduled_payment_id'),
    /** the invoice the money was for (payments) */
    invoiceId: text('invoice_id'),
    /** refunds: the credit the refund gives money back from */
    refundedDocumentId: text('refunded_document_id'),
    lastTransactionId: text('last_transaction_id'),
    retryRequestedAt: timestamp('retry_requested_at', { withTimezone: true, mode: 'date' }),
    retryRequestedBy: text('retry_requested_by'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
    ignoredAt: timestamp('ignored_at', { withTimezone: true, mode: 'date' }),
    ignoredBy: text('ignored_by'),
    ignoreNote: text('ignore_note'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** RC1/RC4: when the retry policy will next retry this entry by itself (null: it will not) */
    nextRetryAt: timestamp('next_retry_at', { withTimezone: true, mode: 'date' }),
    /** RC4: automatic retries the policy still allows (kept with `next_retry_at`, replanned on policy change) */
    automaticRetriesLeft: integer('automatic_retries_left').notNull().default(0),
    /** automatic retries made so far (the policy's offsets are counted with it; manual retries are not) */
    automaticRetries: integer('automatic_retries').notNull().default(0),
    /** who started the retry in flight or the last one: automatic | manual | card_update */
    retryOrigin: text('retry_origin', { enum: RETRY_ORIGINS }),
    /** RC7: the path that recovered the entry (automatic_retry, manual_retry, rescheduled, …) */
    recoveredBy: text('recovered_by'),
    rescheduledAt: timestamp('rescheduled_at', { withTimezone: true, mode: 'date' }),
    rescheduledBy: text('rescheduled_by'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    foreignKey({
      columns: [t.organizationId, t.accountId],
      foreignColumns: [accounts.organizationId, accounts.id],
    }),
    // RC1: the automatic-retries run reads only the due entries (a range scan, claimed with SKIP LOCKED).
    index('failed_transactions_retry_due')
      .on(t.organizationId, t.nextRetryAt, t.id)
      .where(sql`status = 'open' and next_retry_at is not null`),
    // The list: newest failure first among the entries still on it.
    index('failed_transactions_list')
      .on(t.organizationId, t.failedAt.desc(), t.id.desc())
      .where(sql`status in ('open', 'retrying')`),
    index('failed_transactions_by_type')
      .on(t.organizationId, t.type, t.failedAt.desc(), t.id.desc())
      .where(sql`status in ('open', 'retrying')`),
    index('failed_transactions_by_method')
      .on(t.organizationId, t.paymentMethodType, t.failedAt.desc(), t.id.desc())
      .where(sql`status in ('open', 'retrying')`),
    index('failed_transactions_by_reason')
      .on(t.organizationId, t.reasonCode, t.failedAt.desc(), t.id.desc())
      .where(sql`status in ('open', 'retrying')`),
    index('failed_transactions_recent').on(t.organizationId, t.firstFailedAt),
    // The recovery summary (recovery/recovery-summary.ts) finds the failure days of the accounts that changed.
    index('failed_transactions_account').on(t.organizationId, t.accountId),
    // One open entry per scheduled payment: a second failure of the same charge updates the entry.
    uniqueIndex('failed_transactions_scheduled_once')
      .on(t.organizationId, t.scheduledPaymentId)
      .where(sql`scheduled_payment_id is not null`),
  ],
);

/** One Action Center entry as stored (written by the billing core's PaymentsService). */
export type FailedTransaction = typeof failedTransactions.$inferSelect;

/** FT10: one digest per organization and local day, whoever runs the job. */
export const digestRuns = pgTable(
  'digest_runs',
  {
    organizationId: text('organization_id').notNull(),
    localDate: date('local_date', { mode: 'string' }).notNull(),
    failures: integer('failures').notNull(),
    /** the digest covers the failures after the previous run's `through_at`, up to this one (none twice) */
    throughAt: timestamp('through_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.localDate] })],
);
