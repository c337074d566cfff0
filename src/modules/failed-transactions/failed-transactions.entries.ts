import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { type Db, rows } from '../../platform/db/db';
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
 * When the organization's retry policy next retries an entry by itself (recovery module, RC1/RC4). Read
 * with the caller's transaction, from the entry as it was just written.
 */
export interface RetryPlanner {
  plan(tx: Db, entry: FailedTransaction): Promise<{ nextRetryAt: Date | null; automaticRetriesLeft: number }>;
}

/** What recovered an entry (RC7): the path recovery analytics count it under. */
export type RecoveryPath = 'automatic_retry' | 'manual_retry' | 'card_update' | 'rescheduled';

const RECOVERED_BY: Record<string, RecoveryPath> = {
  automatic: 'automatic_retry',
  manual: 'manual_retry',
  card_update: 'card_update',
};

/**
 * An automatic retry's claim older than this with no attempt written was left by a run that stopped
 * between its claim and the attempt (the run renews the claim just before each attempt, so a live run's
 * claim is never this old without an attempt).
 */
export const STALE_RETRY_CLAIM_MS = 10 * 60_000;

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

  constructor(
    private readonly deps: { clock: Clock; audit: AuditService; queue: JobQueue; planner?: RetryPlanner },
  ) {}

  /** RC1/RC4: the entry's next automatic retry as the policy has it now (after every failure it records). */
  async replan(tx: Db, organizationId: string, id: string): Promise<void> {
    const { planner } = this.deps;
    if (!planner) return;
    const entry = await this.get(tx, organizationId, id);
    if (!entry) return;
    const plan =
      entry.status === 'open'
        ? await planner.plan(tx, entry)
        : { nextRetryAt: null, automaticRetriesLeft: 0 };
    await tx
      .update(failedTransactions)
      .set({ nextRetryAt: plan.nextRetryAt, automaticRetriesLeft: plan.automaticRetriesLeft })
      .where(and(eq(failedTransactions.organizationId, organizationId), eq(failedTransactions.id, id)));
  }

  /** The policy changed: every open entry of the organization is planned again. */
  async replanAll(tx: Db, organizationId: string): Promise<number> {
    const open = await tx
      .select({ id: failedTransactions.id })
      .from(failedTransactions)
      .where(
        and(eq(failedTransactions.organizationId, organizationId), eq(failedTransactions.status, 'open')),
      );
    for (const e of open) await this.replan(tx, organizationId, e.id);
    return open.length;
  }

  /**
   * RC1: the automatic-retries run's claim. Up to `limit` open entries due by `now` turn `retrying` in one
   * statement (the same guarded state change as a manual retry, so MS1/FT4 hold whoever starts first),
   * one automatic retry consumed. It reads the `failed_transactions_retry_due` range only, and SKIP LOCKED
   * lets concurrent runs share the work. Accounts under a dunning pause are left alone until it ends (RC5).
   */
  async claimDueRetries(db: Db, organizationId: string, now: Date, limit: number): Promise<string[]> {
    const at = now.toISOString();
    const claimed = await rows<{ id: string }>(
      db,
      sql`update failed_transactions set status = 'retrying', retry_origin = 'automatic',
                 automatic_retries = automatic_retries + 1, next_retry_at = null,
                 retry_requested_at = ${at}::timestamptz, retry_requested_by = null
          where organization_id = ${organizationId} and status = 'open' and id in (
            select f.id from failed_transactions f
             where f.organization_id = ${organizationId} and f.status = 'open' and f.next_retry_at is not null
               and f.next_retry_at <= ${at}::timestamptz
               and not exists (
                 select 1 from dunning_pauses p
                  where p.organization_id = f.organization_id and p.account_id = f.account_id
                    and p.ends_at > ${at}::timestamptz)
             order by f.next_retry_at, f.id
             limit ${limit}
             for update skip locked)
          returning id`,
    );
    return claimed.map((r) => r.id);
  }

  /**
   * The automatic-retries run takes its claim again just before the attempt: false when the claim is no
   * longer its own (the entry was put back by `reclaimStaleRetries` meanwhile), and the attempt is skipped.
   */
  async renewRetryClaim(db: Db, organizationId: string, id: string, now: Date): Promise<boolean> {
    const done = await db
      .update(failedTransactions)
      .set({ retryRequestedAt: now })
      .where(
        and(
          eq(failedTransactions.organizationId, organizationId),
          eq(failedTransactions.id, id),
          eq(failedTransactions.status, 'retrying'),
          eq(failedTransactions.retryOrigin, 'automatic'),
        ),
      )
      .returning({ id: failedTransactions.id });
    return done.length > 0;
  }

  /**
   * Crash recovery for the automatic-retries run (like ScheduledPayments.reclaimStale for the due run):
   * entries it claimed `retrying` more than STALE_RETRY_CLAIM_MS ago with no attempt written under the
   * entry's key (`ft:<id>:<attempts>`, or a successor of a released one) were left by a run that stopped
   * between its claim and the attempt. They go back to `open` with the automatic retry they had consumed
   * given back, and are planned again (so due at once). An attempt that was written is the payments
   * sweeper's, which finishes or releases it. A manual or card-update retry has its durable job instead.
   */
  async reclaimStaleRetries(db: Db, organizationId: string, now: Date): Promise<string[]> {
    const staleBefore = new Date(now.getTime() - STALE_RETRY_CLAIM_MS).toISOString();
    const back = await rows<{ id: string }>(
      db,
      sql`update failed_transactions f set status = 'open',
                 automatic_retries = greatest(f.automatic_retries - 1, 0)
          where f.organization_id = ${organizationId} and f.status = 'retrying'
            and f.retry_origin = 'automatic'
            and f.retry_requested_at < ${staleBefore}::timestamptz
            and not exists (
              select 1 from transactions t
               where t.organization_id = f.organization_id and t.status <> 'abandoned'
                 and (t.idempotency_key = 'ft:' || f.id || ':' || f.attempts
                      or t.idempotency_key like 'ft:' || f.id || ':' || f.attempts || ':%'))
          returning f.id`,
    );
    for (const { id } of back) await this.replan(db, organizationId, id);
    return back.map((r) => r.id);
  }

  /** RC6: a failed installment was moved onto the plan's later installments; the entry leaves the list. */
  async markRescheduled(tx: Db, entry: FailedTransaction, actorId: string): Promise<boolean> {
    const now = this.deps.clock.now();
    const done = await tx
      .update(failedTransactions)
      .set({
        status: 'rescheduled',
        rescheduledAt: now,
        rescheduledBy: actorId,
        resolvedAt: now,
        recoveredBy: 'rescheduled',
        nextRetryAt: null,
        automaticRetriesLeft: 0,
      })
      .where(
        and(
          eq(failedTransactions.organizationId, entry.organizationId),
          eq(failedTransactions.id, entry.id),
          eq(failedTransactions.status, 'open'),
        ),
      )
      .returning({ id: failedTransactions.id });
    return done.length > 0;
  }

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
      .set({
        status: 'resolved',
        resolvedAt: now,
        lastTransactionId: txn.id,
        nextRetryAt: null,
        automaticRetriesLeft: 0,
        recoveredBy: RECOVERED_BY[entry.retryOrigin ?? 'manual'] ?? 'manual_retry',
      })
      .where(
        and(eq(failedTransactions.organizationId, entry.organizationId), eq(failedTransactions.id, entry.id)),
      );
    await this.deps.audit.record(tx, {
      organizationId: entry.organizationId,
      actorId: entry.retryRequestedBy,
      action: 'failed_transaction.resolved',
      subjectType: 'failed_transaction',
      subjectId: entry.id,
      details: { transactionId: txn.id, attempts: entry.attempts + 1, origin: entry.retryOrigin },
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
    await this.replan(tx, entry.organizationId, entry.id);
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

  /**
   * A retry that could not be made (the attempt threw every time, or was released): back on the list.
   * Not while a retry attempt of the entry is still in flight (`processing`: the gateway's answer is unknown,
   * e.g. lost; or a re-presented eCheck `pending`): the money may have moved, and an entry back on the list
   * could be ignored — giving a failed refund's reservation back while the refund goes out (MS3) — or
   * rescheduled onto the next installment while the old one is collected (RC6, MS1). Such an entry stays
   * `retrying` until the payments sweeper finishes the attempt (resolved, or open again with the failure) or
   * releases it (abandoned, then this runs again). False when the entry stays as it is.
   */
  async releaseRetry(db: Db, organizationId: string, id: string): Promise<boolean> {
    const done = await db
      .update(failedTransactions)
      .set({ status: 'open' })
      .where(
        and(
          eq(failedTransactions.organizationId, organizationId),
          eq(failedTransactions.id, id),
          eq(failedTransactions.status, 'retrying'),
          sql`not exists (
            select 1 from transactions t
             where t.organization_id = failed_transactions.organization_id
               and t.failed_transaction_id = failed_transactions.id
               and t.purpose = 'retry' and t.status in ('processing', 'pending'))`,
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
    await this.replan(tx, organizationId, entryId);
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
    await this.replan(tx, txn.organizationId, entryId);
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
