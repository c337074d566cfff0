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

/** `processing`: persisted, the gateway not yet answered (or the process died before recording it). */
export const TRANSACTION_STATUSES = [
  'processing',
  'succeeded',
  'failed',
  'pending',
  'settled',
  'returned',
  'abandoned',
] as const;

/** Who started a retry attempt (purpose `retry`): the failed entry's origin when the attempt was written. */
export const RETRY_ORIGINS = ['automatic', 'manual', 'card_update'] as const;

/** A collection of an obligation that is in flight or has collected: at most one per obligation (MS1). */
export const COLLECTING_STATUSES = ['processing', 'pending', 'succeeded', 'settled'] as const;

/**
 * One attempt to move money through the gateway, written BEFORE the gateway is called (`processing`),
 * so that a crash at any point leaves a row the sweeper can finish or release (MS5). `idempotency_key`
 * is unique per organization and is the key the gateway is called with: an attempt is never made twice.
 * `obligation_id` names what a customer owes (a scheduled payment, or a failed entry without one): the
 * partial unique index lets at most one attempt per obligation be in flight or collected (MS1).
 */
export const transactions = pgTable(
  'transactions',
  {
    organizationId: text('organization_id').notNull(),
    id: text('id').notNull(),
    accountId: text('account_id').notNull(),
    kind: text('kind', { enum: ['charge', 'echeck_debit', 'refund'] }).notNull(),
    /** what the money was for: one_off | subscription | installment | refund | retry */
    purpose: text('purpose').notNull(),
    status: text('status', { enum: TRANSACTION_STATUSES }).notNull(),
    /**
     * retries only: who started it — the retry policy (`automatic`), a person (`manual`), or a new method for
     * the subscription, plan or wallet (`card_update`, RC2); null for other purposes and for retries written
     * before this was kept
     */
    retryOrigin: text('retry_origin', { enum: RETRY_ORIGINS }),
    /** the obligation this collects (scheduled payment or failed entry ID); null for one-off money */
    obligationId: text('obligation_id'),
    /** who started it (audit of the recording, also when the sweeper finishes it) */
    actorId: text('actor_id'),
    /** one-off payments: the business date of the payment document to post */
    documentDate: date('document_date', { mode: 'string' }),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    currency: text('currency').notNull(),
    paymentMethodId: text('payment_method_id'),
    gatewayRef: text('gateway_ref'),
    failureCode: text('failure_code'),
    idempotencyKey: text('idempotency_key').notNull(),
    scheduledPaymentId: text('scheduled_payment_id'),
    failedTransactionId: text('failed_transaction_id'),
    /** the payment or refund document this attempt created or will create */
    documentId: text('document_id'),
    forInvoiceId: text('for_invoice_id'),
    refundedDocumentId: text('refunded_document_id'),
    /** eCheck: the business date the debit was presented (settles two business days later) */
    presentedDate: date('presented_date', { mode: 'string' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    settledAt: timestamp('settled_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    foreignKey({
      columns: [t.organizationId, t.accountId],
      foreignColumns: [accounts.organizationId, accounts.id],
    }),
    uniqueIndex('transactions_idempotency').on(t.organizationId, t.idempotencyKey),
    index('transactions_pending').on(t.organizationId, t.presentedDate).where(sql`status = 'pending'`),
    index('transactions_account').on(t.organizationId, t.accountId, t.createdAt),
    index('transactions_failed_entry').on(t.organizationId, t.failedTransactionId),
    // MS1: one collection in flight or succeeded per obligation, whoever starts it. The predicate is literal.
    uniqueIndex('transactions_one_collection')
      .on(t.organizationId, t.obligationId)
      .where(sql`obligation_id is not null and status in ('processing', 'pending', 'succeeded', 'settled')`),
    // The sweeper's read: attempts the gateway has not answered, oldest first.
    index('transactions_processing').on(t.organizationId, t.createdAt).where(sql`status = 'processing'`),
    // RA2: money in flight for an invoice covers it.
    index('transactions_in_flight_for_invoice')
      .on(t.organizationId, t.forInvoiceId)
      .where(sql`status in ('processing', 'pending') and for_invoice_id is not null`),
  ],
);
