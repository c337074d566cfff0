import { and, eq, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { newId } from '../../lib/ids';
import type { Db } from '../../platform/db/db';
import type { JobQueue } from '../../platform/jobs/queue';
import type { AuditService } from '../audit/audit.service';
import { type FailedTransaction, failedTransactions } from '../failed-transactions/failed-transactions.table';
import type { LedgerDocument } from '../ledger/ledger.service';
import type { Organization } from '../organizations/organizations.service';
import type { PaymentMethod } from '../payment-methods/payment-methods.service';
import { linkTransactionToEntry, type ScheduledPayment, type Transaction } from './payments.repository';

/**
 * Failure recording: what a refused or returned attempt leaves in the Action Center (FT1, FT3), and how
 * an entry ends when a retry succeeds. Always inside the caller's transaction, with the effects.
 */
export class PaymentFailures {
  constructor(private readonly deps: { clock: Clock; audit: AuditService; queue: JobQueue }) {}

  /** A retry (or the settlement of a retried eCheck) succeeded: the entry is resolved. */
  async resolveEntry(tx: Db, entry: FailedTransaction, txn: Transaction) {
    const now = this.deps.clock.now();
    await tx
      .update(failedTransactions)
      .set({ status: 'resolved', resolvedAt: now, lastTransactionId: txn.id })
      .where(
        and(eq(failedTransactions.organizationId, entry.organizationId), eq(failedTransactions.id, entry.id)),
      );
    await this.deps.audit.record(tx, {
      organizationId: entry.organizationId,
      actorId: entry.retryRequestedBy,
      action: 'failed_transaction.resolved',
      subjectType: 'failed_transaction',
      subjectId: entry.id,
      details: { transactionId: txn.id, attempts: entry.attempts + 1 },
    });
  }

  /** A retry failed: the entry is back on the list with the new reason and one more attempt (FT3). */
  async failEntryAgain(tx: Db, entry: FailedTransaction, txn: Transaction, code: string | undefined) {
    const now = this.deps.clock.now();
    await tx
      .update(failedTransactions)
      .set({
        status: 'open',
        attempts: sql`${failedTransactions.attempts} + 1`,
        reasonCode: code ?? 'processing_error',
        failedAt: now,
        lastTransactionId: txn.id,
        paymentMethodId: txn.paymentMethodId,
      })
      .where(
        and(eq(failedTransactions.organizationId, entry.organizationId), eq(failedTransactions.id, entry.id)),
      );
    await this.deps.audit.record(tx, {
      organizationId: entry.organizationId,
      actorId: entry.retryRequestedBy,
      action: 'failed_transaction.retry_failed',
      subjectType: 'failed_transaction',
      subjectId: entry.id,
      details: { transactionId: txn.id, code: code ?? 'processing_error' },
    });
  }

  /**
   * FT1: a subscription or installment charge failed. One entry per scheduled payment: a later failure
   * of the same one updates it. The customer notice (FT11) is a job enqueued in this transaction.
   */
  async recordScheduledFailure(
    tx: Db,
    org: Organization,
    sp: ScheduledPayment,
    method: PaymentMethod,
    txn: Transaction,
    code: string,
  ): Promise<string> {
    const now = this.deps.clock.now();
    const [existing] = await tx
      .select()
      .from(failedTransactions)
      .where(
        and(eq(failedTransactions.organizationId, org.id), eq(failedTransactions.scheduledPaymentId, sp.id)),
      )
      .for('update');
    let entryId: string;
    if (existing) {
      entryId = existing.id;
      await tx
        .update(failedTransactions)
        .set({
          status: 'open',
          attempts: sql`${failedTransactions.attempts} + 1`,
          reasonCode: code,
          failedAt: now,
          lastTransactionId: txn.id,
          paymentMethodId: method.id,
          paymentMethodType: method.type,
        })
        .where(and(eq(failedTransactions.organizationId, org.id), eq(failedTransactions.id, existing.id)));
      await linkTransactionToEntry(tx, org.id, txn.id, entryId);
    } else {
      entryId = await this.openEntry(tx, txn, method, code, {
        type: sp.source,
        amountMinor: sp.amountMinor,
        originalAt: txn.createdAt,
        scheduledPaymentId: sp.id,
        invoiceId: sp.invoiceId,
      });
    }
    await this.deps.queue.enqueue(tx, 'customer-notice', {
      organizationId: org.id,
      failedTransactionId: entryId,
    });
    await this.deps.audit.record(tx, {
      organizationId: org.id,
      actorId: null,
      action: 'payment.failed',
      subjectType: 'failed_transaction',
      subjectId: entryId,
      details: { scheduledPaymentId: sp.id, code, transactionId: txn.id, type: sp.source },
    });
    return entryId;
  }

  /** A refund the gateway refused becomes a `refund` entry (the refund debit is never written). */
  async recordRefundFailure(
    tx: Db,
    txn: Transaction,
    payment: LedgerDocument,
    method: PaymentMethod,
    code: string,
    actorId: string | null,
  ) {
    const entryId = await this.openEntry(tx, txn, method, code, {
      type: 'refund',
      accountId: payment.accountId,
      originalAt: this.deps.clock.now(),
      refundedDocumentId: payment.id,
    });
    await this.deps.audit.record(tx, {
      organizationId: txn.organizationId,
      actorId,
      action: 'refund.failed',
      subjectType: 'failed_transaction',
      subjectId: entryId,
      details: { paymentId: payment.id, amount: Number(txn.amountMinor), code, transactionId: txn.id },
    });
    // FT11: no customer notice for a refund (the merchant account lacks funds, not the customer).
  }

  /** A one-off eCheck payment came back returned: an `echeck_payment` entry and the customer notice. */
  async recordEcheckReturn(tx: Db, txn: Transaction, method: PaymentMethod, code: string) {
    const entryId = await this.openEntry(tx, txn, method, code, {
      type: 'echeck_payment',
      originalAt: txn.createdAt,
      invoiceId: txn.forInvoiceId,
    });
    await this.deps.queue.enqueue(tx, 'customer-notice', {
      organizationId: txn.organizationId,
      failedTransactionId: entryId,
    });
    await this.deps.audit.record(tx, {
      organizationId: txn.organizationId,
      actorId: null,
      action: 'payment.returned',
      subjectType: 'failed_transaction',
      subjectId: entryId,
      details: { transactionId: txn.id, code },
    });
  }

  /** A new open entry for a failed attempt (its first failure), linked to the attempt's transaction. */
  private async openEntry(
    tx: Db,
    txn: Transaction,
    method: PaymentMethod,
    code: string,
    fields: Pick<typeof failedTransactions.$inferInsert, 'type' | 'originalAt'> &
      Partial<
        Pick<
          typeof failedTransactions.$inferInsert,
          'accountId' | 'amountMinor' | 'scheduledPaymentId' | 'invoiceId' | 'refundedDocumentId'
        >
      >,
  ): Promise<string> {
    const now = this.deps.clock.now();
    const entryId = newId('failedTransaction');
    await tx.insert(failedTransactions).values({
      organizationId: txn.organizationId,
      id: entryId,
      accountId: txn.accountId,
      status: 'open',
      paymentId: txn.gatewayRef ?? txn.id,
      amountMinor: txn.amountMinor,
      currency: txn.currency,
      paymentMethodId: method.id,
      paymentMethodType: method.type,
      reasonCode: code,
      attempts: 1,
      firstFailedAt: now,
      failedAt: now,
      lastTransactionId: txn.id,
      createdAt: now,
      ...fields,
    });
    await linkTransactionToEntry(tx, txn.organizationId, txn.id, entryId);
    return entryId;
  }
}
