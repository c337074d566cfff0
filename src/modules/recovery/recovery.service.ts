import { and, eq, gt, inArray } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { addDays, isValidIsoDate, todayIn } from '../../lib/dates';
import { AppError, conflict, notFound, validation } from '../../lib/errors';
import { toJsonAmount } from '../../lib/money';
import type { Db } from '../../platform/db/db';
import { log } from '../../platform/log';
import { accountTransaction } from '../accounts/account-lock';
import type { AccountsService } from '../accounts/accounts.service';
import type { AuditService } from '../audit/audit.service';
import type {
  FailedTransaction,
  FailedTransactionEntries,
  RetryPlanner,
} from '../failed-transactions/failed-transactions.entries';
import type { OrganizationsService } from '../organizations/organizations.service';
import type { ScheduledPayments } from '../schedules/scheduled-payments';
import type { ScheduleLifecycle } from '../schedules/schedules.lifecycle';
import { dunningPauses, retryPolicies } from './recovery.table';
import { presentRecovery, type RecoveryAggregates } from './recovery-analytics';
import {
  DEFAULT_POLICY,
  planNextRetry,
  type RetryPolicy,
  validatePolicy,
  zonedInstant,
} from './retry-policy';

/** What recovery needs of the payments module (src/modules/payments/payments.service.ts). */
export interface RecoveryPayments {
  retryFailedTransaction(
    organizationId: string,
    failedTransactionId: string,
  ): Promise<{ status: 'succeeded' | 'pending' | 'failed'; code?: string; transactionId: string }>;
  owedOnEntry(db: Db, entry: FailedTransaction): Promise<bigint>;
  /** The attempt collecting the entry's obligation now or already (MS1), if any. */
  collectionOfEntry(db: Db, entry: FailedTransaction): Promise<{ id: string; status: string } | null>;
  entryLeftList(tx: Db, entry: FailedTransaction): Promise<void>;
}

export interface RecoveryActor {
  organizationId: string;
  userId: string;
}

export interface DunningPause {
  accountId: string;
  until: string;
  endsAt: Date;
  reason: string;
}

export type RescheduleMode = 'next_installment' | 'spread' | 'new_installment';

/** The longest range the analytics answer for (a little over a year). */
const MAX_ANALYTICS_DAYS = 400;

/** How many due entries one claim takes; the run claims again until nothing is due. */
const CLAIM_PAGE = 100;

async function readPolicy(db: Db, organizationId: string): Promise<RetryPolicy> {
  const [row] = await db
    .select({ policy: retryPolicies.policy })
    .from(retryPolicies)
    .where(eq(retryPolicies.organizationId, organizationId));
  return row?.policy ?? DEFAULT_POLICY;
}

/** RC1/RC4 for the entries writer: the policy and the organization's zone, read with the caller's `tx`. */
export class PolicyRetryPlanner implements RetryPlanner {
  constructor(private readonly deps: { organizations: OrganizationsService }) {}

  async plan(tx: Db, entry: FailedTransaction) {
    const [policy, org] = await Promise.all([
      readPolicy(tx, entry.organizationId),
      this.deps.organizations.get(entry.organizationId, tx),
    ]);
    return planNextRetry({ policy, timeZone: org.timezone, currency: org.currency, entry });
  }
}

/**
 * Recovery automation (SPEC section 5): the retry policy (RC1, RC3), the `automatic-retries` run, dunning
 * pauses (RC5) and installment-aware recovery (RC6). Every retry it starts goes through the same path as a
 * manual one: the entry turns `retrying` with a guarded update (FailedTransactionEntries.claimDueRetries),
 * then PaymentsService makes the attempt — so an automatic retry, a manual retry and a portal payment of
 * one entry never collect twice (MS1).
 */
export class RecoveryService {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      audit: AuditService;
      organizations: OrganizationsService;
      accounts: AccountsService;
      entries: FailedTransactionEntries;
      payments: RecoveryPayments;
      scheduled: ScheduledPayments;
      lifecycle: ScheduleLifecycle;
      /** the reminder the day before an automatic retry (failed-transactions notices), sent by the run */
      reminders?: { retryReminders(organizationId: string): Promise<unknown> };
      /** RC7's figures over local days, from the recovery summary (recovery-summary.ts) */
      facts?: {
        aggregates(
          organizationId: string,
          fromDay: string,
          toDay: string,
          timeZone: string,
        ): Promise<RecoveryAggregates>;
        catchUp(organizationId: string, timeZone: string): Promise<unknown>;
      };
    },
  ) {}

  /**
   * Recovery analytics (RC7) over the failures of the local days [from, to] (default: the last 12 weeks).
   * Each failure is counted once, in its week, under the path that recovered it.
   */
  async analytics(organizationId: string, range: { from?: string; to?: string }) {
    const org = await this.deps.organizations.get(organizationId);
    const today = todayIn(org.timezone, this.deps.clock.now());
    const to = range.to ?? today;
    const from = range.from ?? addDays(to, -83);
    for (const [field, value] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (!isValidIsoDate(value))
        throw validation(`${field} is not a date`, [{ field, message: 'YYYY-MM-DD' }]);
    }
    if (from > to) throw validation('from is after to', [{ field: 'from', message: `on or before ${to}` }]);
    if (addDays(from, MAX_ANALYTICS_DAYS) < to) {
      throw validation('The range is too long', [
        { field: 'from', message: `at most ${MAX_ANALYTICS_DAYS} days` },
      ]);
    }
    // Read from the summary kept per local day (recovery-summary.ts); the reference statement
    // (FailedTransactionsRepository.recoveryAggregates) and aggregateFacts in Node are what it is tested
    // against (recovery-summary.db.test.ts, recovery-aggregates.db.test.ts).
    const aggregates: RecoveryAggregates = this.deps.facts
      ? await this.deps.facts.aggregates(organizationId, from, to, org.timezone)
      : {
          total: { failedCount: 0, failedAmount: 0n, recoveredCount: 0, recoveredAmount: 0n },
          openCount: 0,
          medianDaysToRecover: null,
          weeks: [],
          methods: [],
          reasons: [],
          paths: new Map(),
        };
    return { currency: org.currency, from, to, ...presentRecovery(aggregates) };
  }

  /** Brings RC7's summary up to date (after the automatic-retries run, so reports never pile up). */
  async catchUpAnalytics(organizationId: string): Promise<void> {
    if (!this.deps.facts) return;
    const org = await this.deps.organizations.get(organizationId);
    await this.deps.facts.catchUp(organizationId, org.timezone);
  }

  /** RC5 and the policy's `emails` flags for one account now: what the dunning e-mails obey. */
  async dunningState(organizationId: string, accountId: string) {
    const [policy, pause] = await Promise.all([
      this.getPolicy(organizationId),
      accountId ? this.pauseOf(organizationId, accountId) : Promise.resolve(null),
    ]);
    return { paused: pause !== null, emails: policy.emails, afterLastRetry: policy.afterLastRetry };
  }

  getPolicy(organizationId: string, db: Db = this.deps.db): Promise<RetryPolicy> {
    return readPolicy(db, organizationId);
  }

  /** RC1: the organization's policy; every open entry is planned again with it. */
  async putPolicy(actor: RecoveryActor, policy: RetryPolicy): Promise<RetryPolicy> {
    const errors = validatePolicy(policy);
    if (errors.length > 0) throw validation('The retry policy is not valid', errors);
    const now = this.deps.clock.now();
    return this.deps.db.transaction(async (tx) => {
      await tx
        .insert(retryPolicies)
        .values({ organizationId: actor.organizationId, policy, updatedAt: now, updatedBy: actor.userId })
        .onConflictDoUpdate({
          target: retryPolicies.organizationId,
          set: { policy, updatedAt: now, updatedBy: actor.userId },
        });
      const replanned = await this.deps.entries.replanAll(tx, actor.organizationId);
      await this.deps.audit.record(tx, {
        organizationId: actor.organizationId,
        actorId: actor.userId,
        action: 'retry_policy.updated',
        subjectType: 'organization',
        subjectId: actor.organizationId,
        details: { policy, replanned },
      });
      return policy;
    });
  }

  /** What the failed-transactions list shows of recovery (RC4, RC5): the policy's last step, fees, pauses. */
  async listView(organizationId: string, accountIds: string[]) {
    const [policy, pauses] = await Promise.all([
      this.getPolicy(organizationId),
      this.pausesOf(organizationId, accountIds),
    ]);
    return {
      afterLastRetry: policy.afterLastRetry,
      returnFeeMinor: BigInt(policy.echeck.returnFeeAmount),
      pauses,
    };
  }

  /** RC5: the account's pause, if one is in force now. */
  async pauseOf(organizationId: string, accountId: string): Promise<DunningPause | null> {
    const found = await this.pausesOf(organizationId, [accountId]);
    return found.get(accountId) ?? null;
  }

  /** RC5: the account's pause in force now, if any (404 for an account of another organization). */
  async getPause(organizationId: string, accountId: string): Promise<DunningPause | null> {
    await this.deps.accounts.get(organizationId, accountId);
    return this.pauseOf(organizationId, accountId);
  }

  /** RC5: the pauses in force now among these accounts (the list's badge). */
  async pausesOf(
    organizationId: string,
    accountIds: string[],
    db: Db = this.deps.db,
  ): Promise<Map<string, DunningPause>> {
    if (accountIds.length === 0) return new Map();
    const found = await db
      .select()
      .from(dunningPauses)
      .where(
        and(
          eq(dunningPauses.organizationId, organizationId),
          inArray(dunningPauses.accountId, [...new Set(accountIds)]),
          gt(dunningPauses.endsAt, this.deps.clock.now()),
        ),
      );
    return new Map(
      found.map((p) => [
        p.accountId,
        { accountId: p.accountId, until: p.untilDate, endsAt: p.endsAt, reason: p.reason },
      ]),
    );
  }

  /**
   * RC5: no automatic retry and no dunning e-mail for the account through `until` (inclusive, in the
   * organization's zone); it ends by itself at the start of the next day. Setting it again replaces it.
   */
  async setPause(
    actor: RecoveryActor,
    accountId: string,
    input: { until: string; reason: string },
  ): Promise<DunningPause> {
    const org = await this.deps.organizations.get(actor.organizationId);
    await this.deps.accounts.get(actor.organizationId, accountId);
    const today = todayIn(org.timezone, this.deps.clock.now());
    if (!isValidIsoDate(input.until)) {
      throw validation('until is not a date', [{ field: 'until', message: 'a date YYYY-MM-DD' }]);
    }
    if (input.until < today) {
      throw validation('A pause cannot end in the past', [{ field: 'until', message: `from ${today} on` }]);
    }
    const reason = input.reason.trim();
    if (!reason) throw validation('A pause needs a reason', [{ field: 'reason', message: 'required' }]);
    const endsAt = zonedInstant(addDays(input.until, 1), 0, org.timezone);
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (tx) => {
      await tx
        .insert(dunningPauses)
        .values({
          organizationId: actor.organizationId,
          accountId,
          untilDate: input.until,
          endsAt,
          reason,
          createdAt: now,
          createdBy: actor.userId,
        })
        .onConflictDoUpdate({
          target: [dunningPauses.organizationId, dunningPauses.accountId],
          set: { untilDate: input.until, endsAt, reason, createdAt: now, createdBy: actor.userId },
        });
      await this.deps.audit.record(tx, {
        organizationId: actor.organizationId,
        actorId: actor.userId,
        action: 'account.dunning_paused',
        subjectType: 'account',
        subjectId: accountId,
        details: { until: input.until, reason },
      });
    });
    return { accountId, until: input.until, endsAt, reason };
  }

  /** RC5: the pause ends now (automatic retries that fell due meanwhile run at the next run). */
  async clearPause(actor: RecoveryActor, accountId: string): Promise<void> {
    await this.deps.accounts.get(actor.organizationId, accountId);
    await this.deps.db.transaction(async (tx) => {
      const removed = await tx
        .delete(dunningPauses)
        .where(
          and(eq(dunningPauses.organizationId, actor.organizationId), eq(dunningPauses.accountId, accountId)),
        )
        .returning({ id: dunningPauses.accountId });
      if (removed.length === 0) return;
      await this.deps.audit.record(tx, {
        organizationId: actor.organizationId,
        actorId: actor.userId,
        action: 'account.dunning_resumed',
        subjectType: 'account',
        subjectId: accountId,
        details: {},
      });
    });
  }

  /**
   * The `automatic-retries` run for one organization (RC1, RC3, RC5): claims the due entries page by page
   * and makes each attempt through the payments module, as a manual retry's job would. An attempt that is
   * refused (collected another way meanwhile, the schedule paid) or throws puts the entry back on the list.
   * After a failed last retry the policy's `afterLastRetry` step runs (pause or cancel the subscription).
   */
  async runAutomaticRetries(organizationId: string) {
    const result = {
      claimed: 0,
      succeeded: 0,
      pending: 0,
      failed: 0,
      refused: 0,
      afterLastRetry: 0,
      reclaimed: 0,
      reminders: undefined as unknown,
    };
    const policy = await this.getPolicy(organizationId);
    // The crash gap: claims a stopped run left without an attempt are put back first (due again at once).
    result.reclaimed = (
      await this.deps.entries.reclaimStaleRetries(this.deps.db, organizationId, this.deps.clock.now())
    ).length;
    for (;;) {
      const ids = await this.deps.entries.claimDueRetries(
        this.deps.db,
        organizationId,
        this.deps.clock.now(),
        CLAIM_PAGE,
      );
      result.claimed += ids.length;
      for (const id of ids) {
        // The claim is renewed right before its attempt: a page of slow attempts never looks stale.
        if (
          !(await this.deps.entries.renewRetryClaim(this.deps.db, organizationId, id, this.deps.clock.now()))
        )
          continue;
        try {
          const outcome = await this.deps.payments.retryFailedTransaction(organizationId, id);
          result[outcome.status]++;
          if (outcome.status === 'failed' && (await this.afterLastRetry(organizationId, id, policy))) {
            result.afterLastRetry++;
          }
        } catch (err) {
          result.refused++;
          if (!(err instanceof AppError && err.status < 500)) {
            log.error({ err, organizationId, failedTransactionId: id }, 'automatic retry failed');
          }
          await this.deps.entries.releaseRetry(this.deps.db, organizationId, id);
        }
      }
      if (ids.length < CLAIM_PAGE) break;
    }
    if (this.deps.reminders) result.reminders = await this.deps.reminders.retryReminders(organizationId);
    return result;
  }

  /** After the last automatic retry failed: leave the entry open, or pause / cancel its subscription. */
  private async afterLastRetry(organizationId: string, id: string, policy: RetryPolicy): Promise<boolean> {
    if (policy.afterLastRetry === 'leave_open') return false;
    const entry = await this.deps.entries.get(this.deps.db, organizationId, id);
    if (entry?.status !== 'open' || entry.nextRetryAt || entry.automaticRetries === 0) return false;
    if (!entry.scheduledPaymentId) return false;
    const sp = await this.deps.scheduled.get(this.deps.db, organizationId, entry.scheduledPaymentId);
    try {
      if (sp?.subscriptionId) {
        if (policy.afterLastRetry === 'pause') {
          await this.deps.lifecycle.pauseSubscription(organizationId, null, sp.subscriptionId);
        } else {
          await this.deps.lifecycle.cancelSubscription(organizationId, null, sp.subscriptionId, 'now');
        }
        return true;
      }
      // A plan cannot be paused: only `cancel` applies to it.
      if (sp?.installmentPlanId && policy.afterLastRetry === 'cancel') {
        await this.deps.lifecycle.cancelPlan(organizationId, null, sp.installmentPlanId);
        return true;
      }
    } catch (err) {
      // Already paused or cancelled by someone: nothing more to do.
      if (err instanceof AppError && err.status === 409) return false;
      throw err;
    }
    return false;
  }

  /**
   * RC6: a failed installment's amount (what its invoice still owes) moves onto the plan's next installment,
   * is spread over the remaining ones, or gets a new date; the entry resolves as `rescheduled`; audited.
   */
  async reschedule(
    actor: RecoveryActor,
    id: string,
    input: { mode: RescheduleMode; date?: string },
  ): Promise<{
    id: string;
    status: 'rescheduled';
    installments: { id: string; dueDate: string; amount: number }[];
  }> {
    const { db, entries, scheduled } = this.deps;
    const org = await this.deps.organizations.get(actor.organizationId);
    if (input.mode === 'new_installment') {
      const today = todayIn(org.timezone, this.deps.clock.now());
      if (!input.date)
        throw validation('A new installment needs a date', [{ field: 'date', message: 'required' }]);
      if (!isValidIsoDate(input.date)) {
        throw validation('date is not a date', [{ field: 'date', message: 'a date YYYY-MM-DD' }]);
      }
      if (input.date < today) {
        throw validation('The new installment cannot be in the past', [
          { field: 'date', message: `from ${today} on` },
        ]);
      }
    }
    const first = await entries.get(db, actor.organizationId, id);
    if (!first) throw notFound('failed transaction');
    if (first.type !== 'installment' || !first.scheduledPaymentId) {
      throw new AppError('business_rule', 'Only a failed installment can be rescheduled', {
        extra: { code: 'not_an_installment' },
      });
    }
    return accountTransaction(db, actor.organizationId, first.accountId, async (tx) => {
      // The lock order: the plan and the failed payment, then the entry.
      const locked = await scheduled.lockForCharge(tx, actor.organizationId, first.scheduledPaymentId!);
      const entry = await entries.get(tx, actor.organizationId, id, { lock: true });
      if (!entry || !locked) throw notFound('failed transaction');
      if (entry.status !== 'open') {
        throw new AppError('conflict', `The failed transaction ${entry.id} is ${entry.status}`, {
          extra: { code: entry.status === 'retrying' ? 'already_retrying' : 'not_open' },
        });
      }
      if (locked.schedule.status !== 'active')
        throw conflict(`installment plan ${locked.schedule.id} is ${locked.schedule.status}`);
      if (locked.sp.status !== 'failed') {
        throw conflict(`scheduled payment ${locked.sp.id} is ${locked.sp.status}`, { code: 'not_failed' });
      }
      // MS1: the installment's money is on its way (a portal payment whose answer is not recorded yet, a bank
      // debit pending): moving its amount onto a later installment would have that one collect it again.
      const holder = await this.deps.payments.collectionOfEntry(tx, entry);
      if (holder) {
        const collected = holder.status === 'succeeded' || holder.status === 'settled';
        throw new AppError(
          'conflict',
          collected
            ? 'This amount was already collected: ignore the entry'
            : 'A payment of this installment is being processed: reschedule it once it has failed',
          {
            extra: {
              code: collected ? 'paid_elsewhere' : 'collection_in_flight',
              transactionId: holder.id,
            },
          },
        );
      }
      const owed = await this.deps.payments.owedOnEntry(tx, entry);
      if (owed <= 0n) {
        throw new AppError('conflict', 'This amount was already collected another way: ignore the entry', {
          extra: { code: 'paid_elsewhere' },
        });
      }
      const moved = await scheduled.rescheduleInstallment(tx, locked.sp, owed, {
        mode: input.mode,
        dueDate: input.date,
      });
      if (!(await entries.markRescheduled(tx, entry, actor.userId)))
        throw conflict('the entry changed meanwhile');
      await this.deps.payments.entryLeftList(tx, entry);
      const installments = moved.changed.map((sp) => ({
        id: sp.id,
        dueDate: sp.dueDate,
        amount: toJsonAmount(sp.amountMinor),
      }));
      await this.deps.audit.record(tx, {
        organizationId: actor.organizationId,
        actorId: actor.userId,
        action: 'failed_transaction.rescheduled',
        subjectType: 'failed_transaction',
        subjectId: entry.id,
        details: {
          mode: input.mode,
          amount: toJsonAmount(owed),
          scheduledPaymentId: locked.sp.id,
          installmentPlanId: locked.schedule.id,
          installments,
        },
      });
      return { id: entry.id, status: 'rescheduled' as const, installments };
    });
  }
}
