import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { newId } from '../../lib/ids';
import type { Db } from '../../platform/db/db';
import type { JobQueue } from '../../platform/jobs/queue';
import type { AuditService } from '../audit/audit.service';
import { type FailedTransaction, failedTransactions } from './failed-transactions.table';

export { FAILED_TRANSACTION_TYPES, type FailedTransaction } from './failed-transactions.table';

/** What an entry is opened or moved from: the attempt's recorded row (payments module). */
export interface AttemptRecord {
  organizationId: string;
  id: string;
  accountId: string;
  amountMinor: bigint;
  currency: string;
  gatewayRef: string | null;
  paymentMethodId: string | null;
  createdAt: Date;
}

/** The method that failed, as the list shows it. */
export interface FailedMethod {
  id: string;
  type: 'card' | 'echeck';
}

/** The scheduled payment a failed charge was for (schedules module). */
export interface ScheduledCharge {
  id: string;
  source: 'subscription' | 'installment';
  amountMinor: bigint;
  invoiceId: string | null;
}

/**
 * The one writer of `failed_transactions` (STYLE habit 11): what a refused or returned attempt leaves in
 * the Action Center (FT1, FT3), how an entry ends, and its state machine
 * open → retrying → resolved | open, open → ignored. Always inside the caller's transaction, with the
 * effects; the payments module calls it and links its attempt to the entry ID it answers.
 */
/** Told, in the same transaction, when an entry leaves the list (the portal revokes its links). */
export interface EntryLeftListListener {
  entryLeftList(
    tx: Db,
    organizationId: string,
    failedTransactionId: string,
    why: 'resolved' | 'ignored',
  ): Promise<unknown>;
}

export class FailedTransactionEntries {
  private readonly leftListListeners: EntryLeftListListener[] = [];

  constructor(private readonly deps: { clock: Clock; audit: AuditService; queue: JobQueue }) {}

  /** Wired by the composition root: modules that must know when an entry leaves the list. */
  onLeftList(listener: EntryLeftListListener): void {
    this.leftListListeners.push(listener);
  }

  /** The entry was resolved or ignored: every listener hears it inside the same transaction. */
  async leftList(tx: Db, organizationId: string, failedTransactionId: string, why: 'resolved' | 'ignored') {
    for (const l of this.leftListListeners)
      await l.entryLeftList(tx, organizationId, failedTransactionId, why);
  }

  async get(db: Db, organizationId: string, id: string, opts: { lock?: boolean } = {}) {
    const q = db
      .select()
      .from(failedTransactions)
      .where(and(eq(failedTransactions.organizationId, organizationId), eq(failedTransactions.id, id)));
    const [entry] = opts.lock ? await q.for('update') : await q;
    return entry ?? null;
  }

  /** The entry opened for a scheduled payment, if any (one per scheduled payment). */
  async forScheduledPayment(db: Db, organizationId: string, scheduledPaymentId: string) {
    const [entry] = await db
      .select()
      .from(failedTransactions)
      .where(
        and(
          eq(failedTransactions.organizationId, organizationId),
          eq(failedTransactions.scheduledPaymentId, scheduledPaymentId),
        ),
      );
    return entry ?? null;
  }

  /** A retry (or the settlement of a retried eCheck) succeeded: the entry is resolved. */
  async resolve(tx: Db, entry: FailedTransaction, txn: AttemptRecord) {
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
    await this.leftList(tx, entry.organizationId, entry.id, 'resolved');
  }

  /**
   * A retry failed: the entry is back on the list with the new reason and one more attempt (FT3). The
   * owner is told again (FT11), once per attempt: the notice's dedupe key carries the attempt number.
   */
  async failAgain(tx: Db, entry: FailedTransaction, txn: AttemptRecord, code: string | undefined) {
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
    if (entry.type !== 'refund') await this.notifyOwner(tx, entry.organizationId, entry.id);
    await this.deps.audit.record(tx, {
      organizationId: entry.organizationId,
      actorId: entry.retryRequestedBy,
      action: 'failed_transaction.retry_failed',
      subjectType: 'failed_transaction',
      subjectId: entry.id,
      details: { transactionId: txn.id, code: code ?? 'processing_error' },
    });
  }

  /** A retried eCheck was presented again: one more re-presentment (FT12), still `retrying` until it ends. */
  async represented(tx: Db, entry: FailedTransaction, txn: AttemptRecord) {
    await tx
      .update(failedTransactions)
      .set({
        representments: sql`${failedTransactions.representments} + 1`,
        lastTransactionId: txn.id,
      })
      .where(
        and(eq(failedTransactions.organizationId, entry.organizationId), eq(failedTransactions.id, entry.id)),
      );
  }

  /** A retry that could not be made (the attempt threw every time, or was released): back on the list. */
  async releaseRetry(db: Db, organizationId: string, id: string): Promise<boolean> {
    const done = await db
      .update(failedTransactions)
      .set({ status: 'open' })
      .where(
        and(
          eq(failedTransactions.organizationId, organizationId),
          eq(failedTransactions.id, id),
          eq(failedTransactions.status, 'retrying'),
        ),
      )
      .returning({ id: failedTransactions.id });
    return done.length > 0;
  }

  /**
   * FT1: a subscription or installment charge failed. One entry per scheduled payment: a later failure
   * of the same one updates it. The customer notice (FT11) is a job enqueued in this transaction.
   */
  async recordScheduledFailure(
    tx: Db,
    sp: ScheduledCharge,
    method: FailedMethod,
    txn: AttemptRecord,
    code: string,
  ): Promise<string> {
    const now = this.deps.clock.now();
    const organizationId = txn.organizationId;
    const [existing] = await tx
      .select()
      .from(failedTransactions)
      .where(
        and(
          eq(failedTransactions.organizationId, organizationId),
          eq(failedTransactions.scheduledPaymentId, sp.id),
        ),
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
        .where(
          and(eq(failedTransactions.organizationId, organizationId), eq(failedTransactions.id, existing.id)),
        );
    } else {
      entryId = await this.open(tx, txn, method, code, {
        type: sp.source,
        amountMinor: sp.amountMinor,
        originalAt: txn.createdAt,
        scheduledPaymentId: sp.id,
        invoiceId: sp.invoiceId,
      });
    }
    await this.notifyOwner(tx, organizationId, entryId);
    await this.deps.audit.record(tx, {
      organizationId,
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
    txn: AttemptRecord,
    payment: { id: string; accountId: string },
    method: FailedMethod,
    code: string,
    actorId: string | null,
  ): Promise<string> {
    const entryId = await this.open(tx, txn, method, code, {
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
    return entryId;
  }

  /** A one-off eCheck payment came back returned: an `echeck_payment` entry and the customer notice. */
  async recordEcheckReturn(
    tx: Db,
    txn: AttemptRecord & { forInvoiceId: string | null },
    method: FailedMethod,
    code: string,
  ): Promise<string> {
    const entryId = await this.open(tx, txn, method, code, {
      type: 'echeck_payment',
      originalAt: txn.createdAt,
      invoiceId: txn.forInvoiceId,
    });
    await this.notifyOwner(tx, txn.organizationId, entryId);
    await this.deps.audit.record(tx, {
      organizationId: txn.organizationId,
      actorId: null,
      action: 'payment.returned',
      subjectType: 'failed_transaction',
      subjectId: entryId,
      details: { transactionId: txn.id, code },
    });
    return entryId;
  }

  /** The open entries of the given scheduled payments (a cancelled schedule's entries stay on the list). */
  async openForScheduledPayments(db: Db, organizationId: string, ids: string[]) {
    if (ids.length === 0) return [];
    return db
      .select({ id: failedTransactions.id })
      .from(failedTransactions)
      .where(
        and(
          eq(failedTransactions.organizationId, organizationId),
          inArray(failedTransactions.scheduledPaymentId, ids),
          inArray(failedTransactions.status, ['open', 'retrying']),
        ),
      );
  }

  /** FT11: the owner's notice of this failure, a job in the caller's transaction. */
  private async notifyOwner(tx: Db, organizationId: string, failedTransactionId: string) {
    await this.deps.queue.enqueue(tx, 'customer-notice', { organizationId, failedTransactionId });
  }

  /** A new open entry for a failed attempt (its first failure). */
  private async open(
    tx: Db,
    txn: AttemptRecord,
    method: FailedMethod,
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
    return entryId;
  }
}
