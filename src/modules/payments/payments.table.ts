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

/**
 * One attempt to move money through the gateway. `idempotency_key` is unique per organization:
 * an attempt that was already made for a key is read back, never made twice.
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
    status: text('status', { enum: ['succeeded', 'failed', 'pending', 'settled', 'returned'] }).notNull(),
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
  ],
);
