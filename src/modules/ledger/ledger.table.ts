import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  date,
  foreignKey,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { accounts } from '../accounts/accounts.table';

export const DOCUMENT_KINDS = ['invoice', 'refund', 'payment', 'credit_note'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];
export const DEBIT_KINDS: readonly DocumentKind[] = ['invoice', 'refund'];
export const CREDIT_KINDS: readonly DocumentKind[] = ['payment', 'credit_note'];

/**
 * Every ledger document of an account. Debits: invoice, refund. Credits: payment, credit note.
 * `open_minor` is the part not yet allocated; the CHECKs keep 0 ≤ open ≤ amount whatever the code does.
 * A pending eCheck payment is `pending` and is not a credit until it settles (`posted`);
 * a returned one becomes `void`.
 */
export const documents = pgTable(
  'documents',
  {
    organizationId: text('organization_id').notNull(),
    id: text('id').notNull(),
    accountId: text('account_id').notNull(),
    kind: text('kind', { enum: DOCUMENT_KINDS }).notNull(),
    side: text('side', { enum: ['debit', 'credit'] }).notNull(),
    status: text('status', { enum: ['posted', 'pending', 'void'] })
      .notNull()
      .default('posted'),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    openMinor: bigint('open_minor', { mode: 'bigint' }).notNull(),
    /**
     * payments: what is refunded, being refunded, or failed to refund and still on the Action Center list
     * (MS3). Moved only by one guarded UPDATE; the CHECK makes refunds above the payment impossible.
     */
    refundedMinor: bigint('refunded_minor', { mode: 'bigint' }).notNull().default(sql`0`),
    currency: text('currency').notNull(),
    date: date('date', { mode: 'string' }).notNull(),
    reference: text('reference'),
    description: text('description'),
    /** payments: cash | cheque | other | card | echeck */
    method: text('method', { enum: ['cash', 'cheque', 'other', 'card', 'echeck'] }),
    paymentMethodId: text('payment_method_id'),
    /** payments: the invoice this money was for (allocated on posting; RA2 coverage while pending) */
    forInvoiceId: text('for_invoice_id'),
    /** refunds: the credit (payment) they give money back from */
    refundedDocumentId: text('refunded_document_id'),
    transactionId: text('transaction_id'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    foreignKey({
      columns: [t.organizationId, t.accountId],
      foreignColumns: [accounts.organizationId, accounts.id],
    }),
    check('documents_amount_positive', sql`${t.amountMinor} > 0 and ${t.amountMinor} <= 1000000000000`),
    check('documents_open_in_range', sql`${t.openMinor} >= 0 and ${t.openMinor} <= ${t.amountMinor}`),
    check(
      'documents_refunded_in_range',
      sql`${t.refundedMinor} >= 0 and ${t.refundedMinor} <= ${t.amountMinor}`,
    ),
    check('documents_side_matches_kind', sql`(${t.side} = 'debit') = (${t.kind} in ('invoice', 'refund'))`),
    index('documents_account').on(t.organizationId, t.accountId, t.date, t.createdAt, t.id),
    // RA2: pending eCheck payments cover the invoice they were made for.
    index('documents_pending_for_invoice')
      .on(t.organizationId, t.forInvoiceId)
      .where(sql`status = 'pending'`),
    // MS2: payments received for an invoice and left unapplied (charges do not collect them again).
    index('documents_unapplied_for_invoice')
      .on(t.organizationId, t.forInvoiceId)
      .where(sql`kind = 'payment' and status = 'posted' and open_minor > 0 and for_invoice_id is not null`),
    index('documents_refunded')
      .on(t.organizationId, t.refundedDocumentId)
      .where(sql`refunded_document_id is not null`),
    // Open posted documents: what reconciliation reads. The predicate is literal so the planner uses it.
    index('documents_open')
      .on(t.organizationId, t.accountId, t.side, t.date, t.createdAt, t.id)
      .where(sql`open_minor > 0 and status = 'posted'`),
  ],
);

/** Links a credit to a debit of the same account. Deleting an allocation gives both amounts back (undo). */
export const allocations = pgTable(
  'allocations',
  {
    organizationId: text('organization_id').notNull(),
    id: text('id').notNull(),
    accountId: text('account_id').notNull(),
    creditId: text('credit_id').notNull(),
    debitId: text('debit_id').notNull(),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    batchId: text('batch_id'),
    /** manual | reconcile | payment | refund | retry */
    source: text('source').notNull(),
    createdBy: text('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    foreignKey({
      columns: [t.organizationId, t.creditId],
      foreignColumns: [documents.organizationId, documents.id],
    }),
    foreignKey({
      columns: [t.organizationId, t.debitId],
      foreignColumns: [documents.organizationId, documents.id],
    }),
    check('allocations_amount_positive', sql`${t.amountMinor} > 0`),
    index('allocations_credit').on(t.organizationId, t.creditId),
    index('allocations_debit').on(t.organizationId, t.debitId),
    index('allocations_batch').on(t.organizationId, t.batchId),
    index('allocations_account').on(t.organizationId, t.accountId, t.createdAt, t.id),
  ],
);
