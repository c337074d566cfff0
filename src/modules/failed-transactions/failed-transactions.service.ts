import type { Readable } from 'node:stream';
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { AppError, notFound } from '../../lib/errors';
import type { Locale } from '../../lib/locale';
import { toJsonAmount } from '../../lib/money';
import type { Db } from '../../platform/db/db';
import type { JobQueue } from '../../platform/jobs/queue';
import { accountTransaction } from '../accounts/account-lock';
import type { AuditService } from '../audit/audit.service';
import {
  failureInfo,
  failureMessage,
  type RetryDecision,
  recommendedAction,
  retryDecision,
} from '../gateway/failure-codes';
import type { FailedTransactionEntries } from './failed-transactions.entries';
import {
  csvFromLines,
  csvStream,
  type ExportContext,
  type ExportRow,
  rowFromItem,
} from './failed-transactions.export';
import { EXPORT_BATCH, exportCsvLines, exportRows, isPostgres } from './failed-transactions.export-rows';
import {
  type FailedTransactionRow,
  FailedTransactionsRepository,
  type ListedEntry,
  type ListFilters,
} from './failed-transactions.repository';
import { failedTransactions } from './failed-transactions.table';

/** What the payments module offers this section (src/modules/payments/payments.service.ts). */
export interface FailedTransactionPayments {
  /** An entry left the list with no money moved: a failed refund's reservation is given back (MS3), RA2. */
  entryLeftList(tx: Db, entry: FailedTransactionRow): Promise<void>;
  /** The attempt collecting the entry's money now or already (MS1), if any. */
  collectionOfEntry(
    db: Db,
    entry: FailedTransactionRow,
  ): Promise<{ id: string; status: string; purpose: string } | null>;
  /** One gateway attempt for the entry with the method the sub/plan has now (FT3, FT5); resolves or reopens it. */
  retryFailedTransaction(
    organizationId: string,
    failedTransactionId: string,
  ): Promise<{ status: 'succeeded' | 'pending' | 'failed'; code?: string; transactionId: string }>;
  /** The customer pays the failed amount in the portal; the entry stays (FT7). */
  payFailedTransaction(
    organizationId: string,
    failedTransactionId: string,
    paymentMethodId: string,
  ): Promise<{ status: 'succeeded' | 'pending' | 'failed'; code?: string; transactionId?: string }>;
}

/** What the list shows of recovery automation (recovery module, RC4/RC5), read once per page. */
export interface RecoveryView {
  afterLastRetry: 'leave_open' | 'pause' | 'cancel';
  /** the return fee the organization's bank charges per returned eCheck */
  returnFeeMinor: bigint;
  /** accounts under a dunning pause now, with the day it lasts through and the instant it ends */
  pauses: Map<string, { until: string; endsAt: Date; reason: string }>;
}

export interface RecoveryViews {
  listView(organizationId: string, accountIds: string[]): Promise<RecoveryView>;
  /** RC5: the accounts among these under a dunning pause now, read in the caller's transaction */
  pausesOf(organizationId: string, accountIds: string[], db: Db): Promise<Map<string, unknown>>;
}

const NO_RECOVERY: RecoveryView = { afterLastRetry: 'leave_open', returnFeeMinor: 0n, pauses: new Map() };

export interface Actor {
  organizationId: string;
  userId: string;
  locale: Locale;
}

export const PAGE_LIMIT_MAX = 200;

/**
 * RC2: the failure is about the method itself — a card or account that will not work as it is (ask for a
 * new one), or a hard decline of that card — so a new method is what recovers it.
 */
export function needsNewMethod(code: string): boolean {
  const info = failureInfo(code);
  return (
    info.category === 'needs_new_method' ||
    info.recommendedAction === 'ask_new_method' ||
    (info.category === 'hard' && info.kind === 'card')
  );
}

/** The list item of API.md. */
export function presentEntry(
  listed: ListedEntry,
  locale: Locale,
  now: Date,
  recovery: RecoveryView = NO_RECOVERY,
) {
  const { entry } = listed;
  const pause = recovery.pauses.get(entry.accountId) ?? null;
  // RC5: a pause holds the next automatic retry back until it ends.
  const planned = entry.status === 'open' ? entry.nextRetryAt : null;
  const nextRetryAt = planned && pause && pause.endsAt.getTime() > planned.getTime() ? pause.endsAt : planned;
  const decision = retryCheck(listed, now, locale);
  const open = entry.status === 'open';
  return {
    id: entry.id,
    paymentId: entry.paymentId,
    accountId: entry.accountId,
    customerName: listed.customerName,
    type: entry.type,
    paymentMethod: {
      type: listed.method.type,
      ...(listed.method.brand ? { brand: listed.method.brand } : {}),
      last4: listed.method.last4 ?? '',
    },
    ...(listed.currentMethod
      ? {
          currentPaymentMethod: {
            type: listed.currentMethod.type,
            ...(listed.currentMethod.brand ? { brand: listed.currentMethod.brand } : {}),
            last4: listed.currentMethod.last4 ?? '',
          },
        }
      : {}),
    reason: { code: entry.reasonCode, message: failureMessage(entry.reasonCode, locale) },
    amount: toJsonAmount(entry.amountMinor),
    currency: entry.currency,
    failedAt: entry.failedAt.toISOString(),
    status: entry.status as 'open' | 'retrying',
    attempts: entry.attempts,
    paidElsewhere: paidElsewhere(listed),
    actions: {
      retry: open && decision.allowed,
      ignore: open,
      // FT8: only a subscription or a plan has a method that can be changed for the next try.
      changePaymentMethod: entry.type === 'subscription' || entry.type === 'installment',
    },
    ...(decision.allowed ? {} : { retryBlockedReason: decision.reason }),
    recommendedAction: recommendedAction(entry.reasonCode, locale),
    nextRetryAt: nextRetryAt ? nextRetryAt.toISOString() : null,
    automaticRetriesLeft: entry.status === 'open' ? entry.automaticRetriesLeft : 0,
    afterLastRetry: recovery.afterLastRetry,
    dunningPause: pause ? { until: pause.until, reason: pause.reason } : null,
    // What the re-presentments of this debit have cost in return fees so far (each one came back).
    retryCost: toJsonAmount(
      entry.paymentMethodType === 'echeck' ? recovery.returnFeeMinor * BigInt(entry.representments) : 0n,
    ),
  };
}

export type FailedTransactionItem = ReturnType<typeof presentEntry>;

export type RetryCheck = RetryDecision | { allowed: false; reasonCode: 'paid_elsewhere'; reason: string };

const PAID_ELSEWHERE: Record<Locale, string> = {
  'en-CA': 'This amount was already collected another way: ignore the entry instead of retrying it.',
  'fr-CA': 'Ce montant a déjà été perçu autrement : ignorez l’entrée au lieu de la réessayer.',
};

const IN_FLIGHT: Record<Locale, string> = {
  'en-CA':
    'A payment of this amount is already being processed (a bank debit settles in a few business days).',
  'fr-CA':
    'Un paiement de ce montant est déjà en cours de traitement (un débit bancaire se règle en quelques jours ouvrables).',
};

/**
 * FT7: the money was collected another way (a refund is never "paid elsewhere"): the entry's own obligation
 * was collected (its installment or charge paid, e.g. in the portal), or the invoice it was for has nothing
 * left open. The obligation is judged first: one installment paid leaves the rest of its invoice open.
 */
export function paidElsewhere(
  listed: Pick<ListedEntry, 'entry' | 'invoiceOpenMinor'> & { collection?: ListedEntry['collection'] },
): boolean {
  if (listed.entry.type === 'refund') return false;
  if (listed.collection === 'collected') return true;
  return listed.invoiceOpenMinor !== null && listed.invoiceOpenMinor <= 0n;
}

/**
 * FT12 with FT5: a hard decline (or an eCheck return that may not be presented again) is about the method
 * that failed. When a subscription or plan now has another method, the retry charges that one, so those
 * blocks no longer apply; the R01/R09 re-presentment limits always do for eCheck returns.
 */
export function retryCheck(listed: ListedEntry, now: Date, locale: Locale): RetryCheck {
  const { entry } = listed;
  // FT7: the money was collected another way; a retry would charge the customer twice.
  if (paidElsewhere(listed)) {
    return { allowed: false, reasonCode: 'paid_elsewhere', reason: PAID_ELSEWHERE[locale] };
  }
  const methodChanged =
    (entry.type === 'subscription' || entry.type === 'installment') &&
    listed.currentPaymentMethodId !== null &&
    listed.currentPaymentMethodId !== entry.paymentMethodId;
  const category = failureInfo(entry.reasonCode).category;
  if (methodChanged && (category === 'hard' || category === 'not_represented')) return { allowed: true };
  return retryDecision({
    code: entry.reasonCode,
    representments: entry.representments,
    originalAt: entry.originalAt,
    now,
    locale,
  });
}

/**
 * Section 1 of the Action Center: the list (FT1, FT2, FT9), retry (FT3–FT5, FT12) and ignore (FT6).
 * The attempt itself is the billing core's (PaymentsService), run by the `failed-transaction-retry` job.
 */
export class FailedTransactionsService {
  readonly repository: FailedTransactionsRepository;

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      queue: JobQueue;
      audit: AuditService;
      payments: FailedTransactionPayments;
      entries: FailedTransactionEntries;
      recovery?: RecoveryViews;
    },
  ) {
    this.repository = new FailedTransactionsRepository(deps.db);
  }

  async list(
    organizationId: string,
    filters: ListFilters,
    opts: { limit: number; after?: { at: Date; id: string }; locale: Locale },
  ) {
    const now = this.deps.clock.now();
    // One round trip for the page: the pauses and the policy are read by the list's own statement (the policy
    // read on another connection at the same time cost 0.65 ms a request of CPU: bench/profile-route.ts).
    const { entries: found, policy } = await this.repository.pageWithPolicy(organizationId, filters, {
      limit: opts.limit + 1,
      after: opts.after,
      pausesAt: now,
    });
    const page = await this.withCurrentMethods(organizationId, found.slice(0, opts.limit));
    const last = page[page.length - 1];
    const pauses = new Map(page.flatMap((l) => (l.pause ? [[l.entry.accountId, l.pause] as const] : [])));
    const recovery: RecoveryView =
      this.deps.recovery && policy ? { ...policy, pauses } : { ...NO_RECOVERY, pauses };
    return {
      items: page.map((l) => presentEntry(l, opts.locale, now, recovery)),
      next: found.length > opts.limit && last ? { at: last.entry.failedAt, id: last.entry.id } : null,
    };
  }

  /** FT5: the entries whose subscription or plan now has another method learn which (the next try charges it). */
  private async withCurrentMethods(organizationId: string, page: ListedEntry[]): Promise<ListedEntry[]> {
    const changed = page.filter(
      (l) => l.currentPaymentMethodId && l.currentPaymentMethodId !== l.entry.paymentMethodId,
    );
    const methods = await this.repository.methodsByIds(organizationId, [
      ...new Set(changed.map((l) => l.currentPaymentMethodId!)),
    ]);
    return page.map((l) =>
      l.currentPaymentMethodId && l.currentPaymentMethodId !== l.entry.paymentMethodId
        ? { ...l, currentMethod: methods.get(l.currentPaymentMethodId) }
        : l,
    );
  }

  /**
   * FT9: the reasons the list can be narrowed to under the other filters, each with how many entries it
   * leaves, most first — a reason that would leave no row is not offered.
   */
  async reasonCounts(organizationId: string, filters: Omit<ListFilters, 'reason'>, locale: Locale) {
    const found = await this.repository.byReason(organizationId, filters);
    return found
      .map((r) => ({ code: r.code, message: failureMessage(r.code, locale), count: r.count }))
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  }

  /** Every entry of the filtered list, read in keyset pages so that an export never holds them all. */
  async *iterate(organizationId: string, filters: ListFilters, locale: Locale, pageSize = 500) {
    let after: { at: Date; id: string } | undefined;
    for (;;) {
      const page = await this.repository.page(organizationId, filters, { limit: pageSize, after });
      const now = this.deps.clock.now();
      const recovery = await this.recoveryView(organizationId, page);
      for (const l of page) yield presentEntry(l, locale, now, recovery);
      const last = page[page.length - 1];
      if (page.length < pageSize || !last) return;
      after = { at: last.entry.failedAt, id: last.entry.id };
    }
  }

  /**
   * The filtered list for a file (FT9), in batches: one set-based statement (failed-transactions.export-rows.ts)
   * with only what a file shows. Its rows equal `exportReference`'s (the db test and the benchmark compare).
   */
  exportRows(organizationId: string, filters: ListFilters, timeZone: string): AsyncGenerator<ExportRow[]> {
    return exportRows(this.deps.db, organizationId, filters, timeZone);
  }

  /**
   * The CSV file of the filtered list: on PostgreSQL its lines are written by the export statement itself
   * (exportCsvLines), on PGlite by csvStream() over exportRows. The same bytes either way.
   */
  exportCsv(organizationId: string, filters: ListFilters, ctx: ExportContext): Readable {
    if (isPostgres(this.deps.db)) {
      return csvFromLines(exportCsvLines(this.deps.db, organizationId, filters, ctx), ctx);
    }
    return csvStream(this.exportRows(organizationId, filters, ctx.timeZone), ctx);
  }

  /** The same rows through the list's own pages and items (`iterate`): the reference the export must equal. */
  async *exportReference(organizationId: string, filters: ListFilters, locale: Locale, timeZone: string) {
    let batch: ExportRow[] = [];
    for await (const item of this.iterate(organizationId, filters, locale)) {
      batch.push(rowFromItem(item, timeZone));
      if (batch.length === EXPORT_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  private recoveryView(organizationId: string, page: ListedEntry[]): Promise<RecoveryView> {
    if (!this.deps.recovery) return Promise.resolve(NO_RECOVERY);
    return this.deps.recovery.listView(
      organizationId,
      page.map((l) => l.entry.accountId),
    );
  }

  count(organizationId: string): Promise<number> {
    return this.repository.countOnList(organizationId);
  }

  /**
   * FT3/FT4: the entry turns `retrying` at once and the attempt is queued in the same transaction. The
   * conditional update (`where status = 'open'`) lets exactly one of many concurrent requests win.
   */
  async requestRetry(actor: Actor, id: string): Promise<{ id: string; status: 'retrying' }> {
    return this.deps.db.transaction(async (tx) => {
      const listed = await this.repository.getListed(tx, actor.organizationId, id);
      if (!listed) throw notFound('failed transaction');
      if (listed.entry.status !== 'open') throw notOpen(listed.entry, 'retried');
      const now = this.deps.clock.now();
      // MS1: the entry's money is being collected, or was, by another path (the portal, a due run).
      const holder = await this.deps.payments.collectionOfEntry(tx, listed.entry);
      if (holder) {
        const collected = holder.status === 'succeeded' || holder.status === 'settled';
        const reason = collected ? PAID_ELSEWHERE[actor.locale] : IN_FLIGHT[actor.locale];
        throw new AppError('conflict', reason, {
          extra: { code: collected ? 'paid_elsewhere' : 'collection_in_flight', retryBlockedReason: reason },
        });
      }
      const decision = retryCheck(listed, now, actor.locale);
      if (!decision.allowed) {
        throw new AppError('conflict', decision.reason, {
          extra: { code: decision.reasonCode, retryBlockedReason: decision.reason },
        });
      }
      const won = await this.startRetry(tx, listed, { origin: 'manual', actorId: actor.userId, now });
      if (!won) throw notOpen({ ...listed.entry, status: 'retrying' }, 'retried');
      return { id, status: 'retrying' as const };
    });
  }

  /**
   * The guarded state change every retry goes through (FT3/FT4, MS1): `open` → `retrying` only if the entry
   * is still open, and the attempt queued in the same transaction. False when another retry won.
   */
  private async startRetry(
    tx: Db,
    listed: ListedEntry,
    how: { origin: 'manual' | 'card_update'; actorId: string | null; now: Date; trigger?: string },
  ): Promise<boolean> {
    const { entry } = listed;
    const [won] = await tx
      .update(failedTransactions)
      // RC1: a manual retry does not consume an automatic one (`automatic_retries` is left as it is).
      .set({
        status: 'retrying',
        retryOrigin: how.origin,
        retryRequestedAt: how.now,
        retryRequestedBy: how.actorId,
      })
      .where(
        and(
          eq(failedTransactions.organizationId, entry.organizationId),
          eq(failedTransactions.id, entry.id),
          eq(failedTransactions.status, 'open'),
        ),
      )
      .returning({ id: failedTransactions.id, attempts: failedTransactions.attempts });
    if (!won) return false;
    await this.deps.queue.enqueue(tx, 'failed-transaction-retry', {
      organizationId: entry.organizationId,
      failedTransactionId: entry.id,
    });
    await this.deps.audit.record(tx, {
      organizationId: entry.organizationId,
      actorId: how.actorId,
      action: 'failed_transaction.retry_requested',
      subjectType: 'failed_transaction',
      subjectId: entry.id,
      details: {
        attempts: won.attempts,
        paymentId: entry.paymentId,
        ...(how.trigger ? { trigger: how.trigger } : {}),
      },
    });
    return true;
  }

  /**
   * RC2: a subscription or plan now pays with another method (changed by an administrator, or by the owner
   * saving a new card in the portal). Each of its open entries that failed because the method itself would
   * not work (a code that needs a new card or account, or a hard decline of that card) is retried at once,
   * through the same guarded `retrying` change and retry job as a manual retry — so it never collects twice
   * with an automatic retry, a manual retry or a portal payment (MS1). Soft declines keep their policy.
   * Called in the change's transaction: the retry is queued if and only if the change commits.
   */
  async methodChanged(
    tx: Db,
    organizationId: string,
    actorId: string | null,
    change: { scheduledPaymentIds: string[]; paymentMethodId: string },
  ): Promise<string[]> {
    const open = await this.deps.entries.openForScheduledPayments(
      tx,
      organizationId,
      change.scheduledPaymentIds,
    );
    const started: string[] = [];
    const now = this.deps.clock.now();
    for (const { id } of open) {
      const listed = await this.repository.getListed(tx, organizationId, id);
      if (listed?.entry.status !== 'open') continue;
      if (!needsNewMethod(listed.entry.reasonCode)) continue;
      if (listed.entry.paymentMethodId === change.paymentMethodId) continue;
      if (!retryCheck(listed, now, 'en-CA').allowed) continue;
      const trigger = actorId ? 'method_changed' : 'card_updated_by_owner';
      if (await this.startRetry(tx, listed, { origin: 'card_update', actorId, now, trigger })) {
        started.push(id);
      }
    }
    return started;
  }

  /**
   * RC2, a card saved to the wallet (an administrator, or the owner in the portal). In SPEC words:
   *
   *   A card saved to an account's wallet REPLACES each card of that account that has an open entry whose
   *   failure needs a new method (`needsNewMethod`: expired, lost or stolen card, a hard card decline, …)
   *   and whose subscription or installment plan is active and still pays with that failed card. Those
   *   schedules move to the new card (schedules module, in this transaction), and that change retries their entries at once
   *   (`methodChanged`, below). Not replaced, not retried: soft declines (they keep their policy, RC1);
   *   entries whose schedule already pays with another method (someone chose one: that change retried
   *   them); eCheck failures (a card does not replace a bank account: the administrator changes the
   *   method); refunds; entries of any other account; entries not `open` (a retry already in flight).
   *
   * This returns the scheduled payments whose schedule is to move, with the card it pays with now.
   */
  async replacedByWalletCard(
    tx: Db,
    organizationId: string,
    accountId: string,
    newCardId: string,
  ): Promise<{ scheduledPaymentId: string; paymentMethodId: string }[]> {
    const open = await tx
      .select({ id: failedTransactions.id })
      .from(failedTransactions)
      .where(
        and(
          eq(failedTransactions.organizationId, organizationId),
          eq(failedTransactions.accountId, accountId),
          eq(failedTransactions.status, 'open'),
          eq(failedTransactions.paymentMethodType, 'card'),
          inArray(failedTransactions.type, ['subscription', 'installment']),
          isNotNull(failedTransactions.scheduledPaymentId),
        ),
      );
    const found: { scheduledPaymentId: string; paymentMethodId: string }[] = [];
    for (const { id } of open) {
      const listed = await this.repository.getListed(tx, organizationId, id);
      const entry = listed?.entry;
      if (!listed || !entry?.scheduledPaymentId || !entry.paymentMethodId) continue;
      if (entry.paymentMethodId === newCardId || !needsNewMethod(entry.reasonCode)) continue;
      // The schedule still pays with the card that failed: nobody has chosen another method yet.
      if (listed.currentPaymentMethodId !== entry.paymentMethodId) continue;
      found.push({ scheduledPaymentId: entry.scheduledPaymentId, paymentMethodId: entry.paymentMethodId });
    }
    return found;
  }

  /**
   * RC2, a card updated in place by the gateway's card updater (`payment_method.automatically_updated`: a new
   * expiry or number behind the same token). In SPEC words:
   *
   *   When a saved card is updated by the card networks, each open entry of its account that failed ON THAT
   *   CARD for a reason that needs a new method, and whose subscription or plan still pays with that card,
   *   is retried at once on the updated card — unless the account is under a dunning pause (RC5: this retry
   *   is automatic, no person asked for it; the pause's end replans it) or the money was collected another
   *   way (FT7). Soft declines keep their policy (RC1); entries of other cards or accounts are not touched.
   *
   * Called in the update's transaction, under the account lock: the retry is queued if and only if the
   * update commits. It goes through the same guarded `open` → `retrying` change and retry job as every other
   * retry, so it never collects twice with an automatic retry, a manual one or a portal payment (MS1).
   */
  async cardUpdated(
    tx: Db,
    organizationId: string,
    change: { accountId: string; paymentMethodId: string },
  ): Promise<string[]> {
    const open = await tx
      .select({ id: failedTransactions.id })
      .from(failedTransactions)
      .where(
        and(
          eq(failedTransactions.organizationId, organizationId),
          eq(failedTransactions.accountId, change.accountId),
          eq(failedTransactions.paymentMethodId, change.paymentMethodId),
          eq(failedTransactions.status, 'open'),
        ),
      );
    if (open.length === 0) return [];
    const paused = await this.deps.recovery?.pausesOf(organizationId, [change.accountId], tx);
    if (paused?.has(change.accountId)) return [];
    const now = this.deps.clock.now();
    const started: string[] = [];
    for (const { id } of open) {
      const listed = await this.repository.getListed(tx, organizationId, id);
      if (listed?.entry.status !== 'open' || !needsNewMethod(listed.entry.reasonCode)) continue;
      if (listed.entry.type !== 'subscription' && listed.entry.type !== 'installment') continue;
      if (listed.currentPaymentMethodId !== change.paymentMethodId) continue;
      // The block on a card that will not work as it is (FT12) is lifted by the update itself; FT7 is not.
      if (paidElsewhere(listed)) continue;
      const trigger = 'card_updated_by_gateway';
      if (await this.startRetry(tx, listed, { origin: 'card_update', actorId: null, now, trigger })) {
        started.push(id);
      }
    }
    return started;
  }

  /** The `failed-transaction-retry` job: idempotent — only an entry still `retrying` is attempted. */
  async runRetry(organizationId: string, failedTransactionId: string) {
    const entry = await this.repository.get(this.deps.db, organizationId, failedTransactionId);
    if (entry?.status !== 'retrying') return { skipped: true, status: entry?.status ?? null };
    return this.deps.payments.retryFailedTransaction(organizationId, failedTransactionId);
  }

  /**
   * A retry job that gave up (the attempt threw every time): the entry goes back on the list as `open`
   * so that it can be retried or ignored, instead of spinning as `retrying` forever.
   */
  async releaseStuckRetry(organizationId: string, failedTransactionId: string): Promise<void> {
    await this.deps.entries.releaseRetry(this.deps.db, organizationId, failedTransactionId);
  }

  /** FT6: the entry leaves the list; no money moves; who, when and the note are kept. */
  async ignore(actor: Actor, id: string, note: string | null): Promise<{ id: string; status: 'ignored' }> {
    const first = await this.repository.get(this.deps.db, actor.organizationId, id);
    if (!first) throw notFound('failed transaction');
    // The account lock first (accounts/account-lock.ts): ignoring gives a refund's reservation back.
    return accountTransaction(this.deps.db, actor.organizationId, first.accountId, async (tx) => {
      const entry = await this.repository.get(tx, actor.organizationId, id);
      if (!entry) throw notFound('failed transaction');
      if (entry.status !== 'open') throw notOpen(entry, 'ignored');
      const now = this.deps.clock.now();
      const [done] = await tx
        .update(failedTransactions)
        .set({ status: 'ignored', ignoredAt: now, ignoredBy: actor.userId, ignoreNote: note })
        .where(
          and(
            eq(failedTransactions.organizationId, actor.organizationId),
            eq(failedTransactions.id, id),
            eq(failedTransactions.status, 'open'),
          ),
        )
        .returning({ id: failedTransactions.id });
      if (!done) throw notOpen({ ...entry, status: 'retrying' }, 'ignored');
      await this.deps.payments.entryLeftList(tx, entry);
      await this.deps.entries.leftList(tx, actor.organizationId, id, 'ignored');
      await this.deps.audit.record(tx, {
        organizationId: actor.organizationId,
        actorId: actor.userId,
        action: 'failed_transaction.ignored',
        subjectType: 'failed_transaction',
        subjectId: id,
        details: { note, paymentId: entry.paymentId, amount: toJsonAmount(entry.amountMinor) },
      });
      return { id, status: 'ignored' as const };
    });
  }
}

function notOpen(entry: Pick<FailedTransactionRow, 'id' | 'status'>, what: 'retried' | 'ignored') {
  const why =
    entry.status === 'retrying'
      ? 'a retry is already running'
      : entry.status === 'resolved'
        ? 'it was already recovered'
        : 'it was ignored';
  return new AppError('conflict', `The failed transaction ${entry.id} cannot be ${what}: ${why}`, {
    extra: { code: entry.status === 'retrying' ? 'already_retrying' : 'not_open', entryStatus: entry.status },
  });
}
