import { and, count, eq, inArray, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { addDays, addMonths } from '../../lib/dates';
import { businessRule } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { allocate } from '../../lib/money';
import { ChangeHook } from '../../platform/db/change-hook';
import { type Db, rows } from '../../platform/db/db';
import {
  installmentPlans,
  type ScheduledPaymentStatus,
  scheduledPayments,
  subscriptions,
} from './schedules.table';

export type ScheduledPayment = typeof scheduledPayments.$inferSelect;
export type Subscription = typeof subscriptions.$inferSelect;
export type InstallmentPlan = typeof installmentPlans.$inferSelect;

/** A claimed charge with nothing recorded after this long is taken to have crashed (the run takes seconds). */
export const STALE_CLAIM_MS = 5 * 60_000;
const PAGE = 50;

/** The due date of a subscription's period `n` (0 = the start), keeping the anchor day at month ends. */
export function periodDate(
  sub: { startDate: string; interval: 'week' | 'month' | 'year'; anchorDay: number },
  n: number,
): string {
  if (sub.interval === 'week') return addDays(sub.startDate, 7 * n);
  return addMonths(sub.startDate, sub.interval === 'year' ? 12 * n : n, sub.anchorDay);
}

/** Scheduled payments (their card is their schedule's now) or cards whose upcoming payments changed. */
export interface ScheduleChange {
  organizationId: string;
  scheduledPaymentIds?: readonly string[];
  paymentMethodIds?: readonly string[];
}

/** The schedule a scheduled payment belongs to, as a charge needs it. */
export interface ChargeSchedule {
  kind: 'subscription' | 'installment';
  id: string;
  /** only `active` schedules are charged (MS2) */
  status: 'active' | 'paused' | 'cancelled' | 'completed';
  paymentMethodId: string;
  description: string | null;
  /** a subscription cancelled at the end of its period: charges due before this date are still made */
  endsOn: string | null;
}

/** MS2: a charge is made only for an active schedule, or within a cancelled one's last paid-for period. */
export function chargeable(schedule: ChargeSchedule, dueDate: string): boolean {
  if (schedule.status === 'active') return true;
  return schedule.status === 'cancelled' && schedule.endsOn !== null && dueDate < schedule.endsOn;
}

/**
 * The one writer of `scheduled_payments` and of the schedules' state as charges move it (STYLE habit 11):
 * scheduled → processing → paid | failed, scheduled → skipped | cancelled, processing → scheduled (a claim
 * released). The payments module calls it with its transaction; SchedulesService uses it for lifecycle.
 * Lock order (accounts/account-lock.ts): the schedule row, then its scheduled payments.
 */
export class ScheduledPayments {
  /**
   * Reported inside every transaction that changes what a card pays upcoming: a scheduled payment created or
   * moving out of `scheduled` (or back), its date or amount, or the method of its subscription or plan.
   */
  readonly scheduleChanged = new ChangeHook<ScheduleChange>();

  constructor(private readonly deps: { clock: Clock }) {}

  /** Tells the listeners (expiring cards) which payments or cards a write of this module changed. */
  async cardScheduleChanged(tx: Db, change: ScheduleChange): Promise<void> {
    await this.scheduleChanged.report(tx, change);
  }

  async get(db: Db, organizationId: string, id: string): Promise<ScheduledPayment | null> {
    const [row] = await db
      .select()
      .from(scheduledPayments)
      .where(and(eq(scheduledPayments.organizationId, organizationId), eq(scheduledPayments.id, id)));
    return row ?? null;
  }

  /**
   * Locks a scheduled payment for a charge, its schedule first (the lock order), and answers both as they
   * are now: the schedule's status and method are what the charge must obey (MS2, FT5).
   */
  async lockForCharge(
    tx: Db,
    organizationId: string,
    id: string,
  ): Promise<{ sp: ScheduledPayment; schedule: ChargeSchedule } | null> {
    const first = await this.get(tx, organizationId, id);
    if (!first) return null;
    const schedule = await this.lockSchedule(tx, first);
    const [sp] = await tx
      .select()
      .from(scheduledPayments)
      .where(and(eq(scheduledPayments.organizationId, organizationId), eq(scheduledPayments.id, id)))
      .for('update');
    return sp && schedule ? { sp, schedule } : null;
  }

  private async lockSchedule(tx: Db, sp: ScheduledPayment): Promise<ChargeSchedule | null> {
    if (sp.subscriptionId) {
      const [sub] = await tx
        .select()
        .from(subscriptions)
        .where(
          and(eq(subscriptions.organizationId, sp.organizationId), eq(subscriptions.id, sp.subscriptionId)),
        )
        .for('update');
      return sub
        ? {
            kind: 'subscription',
            id: sub.id,
            status: sub.status,
            paymentMethodId: sub.paymentMethodId,
            description: sub.description,
            endsOn: sub.endsOn,
          }
        : null;
    }
    const [plan] = await tx
      .select()
      .from(installmentPlans)
      .where(
        and(
          eq(installmentPlans.organizationId, sp.organizationId),
          eq(installmentPlans.id, sp.installmentPlanId!),
        ),
      )
      .for('update');
    return plan
      ? {
          kind: 'installment',
          id: plan.id,
          status: plan.status,
          paymentMethodId: plan.paymentMethodId,
          description: null,
          endsOn: null,
        }
      : null;
  }

  /** The schedule's method now (FT5: a retry charges what the subscription or plan has now). */
  async currentMethodId(db: Db, sp: ScheduledPayment): Promise<string | null> {
    if (sp.subscriptionId) {
      const [sub] = await db
        .select({ id: subscriptions.paymentMethodId })
        .from(subscriptions)
        .where(
          and(eq(subscriptions.organizationId, sp.organizationId), eq(subscriptions.id, sp.subscriptionId)),
        );
      return sub?.id ?? null;
    }
    const [plan] = await db
      .select({ id: installmentPlans.paymentMethodId })
      .from(installmentPlans)
      .where(
        and(
          eq(installmentPlans.organizationId, sp.organizationId),
          eq(installmentPlans.id, sp.installmentPlanId!),
        ),
      );
    return plan?.id ?? null;
  }

  /** scheduled → processing, one more attempt (a charge claimed one by one, e.g. by a test or a re-run). */
  async claim(tx: Db, sp: ScheduledPayment): Promise<ScheduledPayment> {
    const [claimed] = await tx
      .update(scheduledPayments)
      .set({
        status: 'processing',
        attempts: sql`${scheduledPayments.attempts} + 1`,
        claimedAt: this.deps.clock.now(),
        attemptPaymentMethodId: null,
      })
      .where(this.is(sp))
      .returning();
    await this.cardScheduleChanged(tx, { organizationId: sp.organizationId, scheduledPaymentIds: [sp.id] });
    return claimed!;
  }

  /**
   * The due run's claim: up to a page of payments due by `today` go scheduled → processing (attempts + 1)
   * in one statement; SKIP LOCKED lets concurrent runs share the work without taking the same row.
   */
  async claimDue(db: Db, organizationId: string, today: string): Promise<string[]> {
    const now = this.deps.clock.now();
    // The claim and the report of its cards commit together: the expiring-cards list never counts a
    // claimed charge as upcoming.
    return db.transaction(async (tx) => {
      const claimed = await rows<{ id: string }>(
        tx,
        sql`update scheduled_payments set status = 'processing', attempts = attempts + 1,
                   claimed_at = ${now.toISOString()}::timestamptz, attempt_payment_method_id = null
            where organization_id = ${organizationId} and status = 'scheduled' and id in (
              select id from scheduled_payments
               where organization_id = ${organizationId} and status = 'scheduled' and due_date <= ${today}
               order by due_date, id
               limit ${PAGE}
               for update skip locked)
            returning id`,
      );
      const ids = claimed.map((r) => r.id);
      if (ids.length > 0) await this.cardScheduleChanged(tx, { organizationId, scheduledPaymentIds: ids });
      return ids;
    });
  }

  /** RC2: the failed charges of one subscription or plan (their entries may be waiting for a new method). */
  async failedOf(
    db: Db,
    organizationId: string,
    of: { subscriptionId: string } | { installmentPlanId: string },
  ): Promise<string[]> {
    const found = await db
      .select({ id: scheduledPayments.id })
      .from(scheduledPayments)
      .where(
        and(
          eq(scheduledPayments.organizationId, organizationId),
          'subscriptionId' in of
            ? eq(scheduledPayments.subscriptionId, of.subscriptionId)
            : eq(scheduledPayments.installmentPlanId, of.installmentPlanId),
          eq(scheduledPayments.status, 'failed'),
        ),
      );
    return found.map((r) => r.id);
  }

  /**
   * Crash recovery for the due run: claims again the charges left `processing` for more than STALE_CLAIM_MS
   * with no attempt recorded under their key (`sp:<id>:<attempts>`): the run stopped between its claim and
   * the attempt's row. (An attempt that was written is the payments sweeper's: it finishes or releases it.)
   */
  async reclaimStale(db: Db, organizationId: string): Promise<string[]> {
    const now = this.deps.clock.now();
    const staleBefore = new Date(now.getTime() - STALE_CLAIM_MS);
    const reclaimed: string[] = [];
    for (;;) {
      const page = await rows<{ id: string }>(
        db,
        sql`update scheduled_payments set claimed_at = ${now.toISOString()}::timestamptz
             where organization_id = ${organizationId} and status = 'processing' and id in (
               select sp.id from scheduled_payments sp
                where sp.organization_id = ${organizationId} and sp.status = 'processing'
                  and (sp.claimed_at is null or sp.claimed_at < ${staleBefore.toISOString()}::timestamptz)
                  and not exists (
                    select 1 from transactions t
                     where t.organization_id = sp.organization_id
                       and t.idempotency_key = 'sp:' || sp.id || ':' || sp.attempts)
                  -- a retry or portal payment of its entry is collecting it (an eCheck pending for days)
                  and not exists (
                    select 1 from transactions t
                     where t.organization_id = sp.organization_id and t.obligation_id = sp.id
                       and t.status in ('processing', 'pending'))
                order by sp.claimed_at nulls first, sp.id
                limit ${PAGE}
                for update skip locked)
             returning id`,
      );
      reclaimed.push(...page.map((r) => r.id));
      if (page.length < PAGE) return reclaimed;
    }
  }

  async setStatus(
    tx: Db,
    sp: Pick<ScheduledPayment, 'organizationId' | 'id'>,
    status: ScheduledPaymentStatus,
  ) {
    await tx.update(scheduledPayments).set({ status }).where(this.is(sp));
    await this.cardScheduleChanged(tx, { organizationId: sp.organizationId, scheduledPaymentIds: [sp.id] });
  }

  /** The attempt's method, kept so that finishing it after a crash replays the very same request. */
  async setAttemptMethod(tx: Db, sp: ScheduledPayment, paymentMethodId: string) {
    await tx.update(scheduledPayments).set({ attemptPaymentMethodId: paymentMethodId }).where(this.is(sp));
  }

  /** MS2: a partly covered charge collects only what its invoice still owes. */
  async reduceAmount(tx: Db, sp: ScheduledPayment, amountMinor: bigint): Promise<ScheduledPayment> {
    const [row] = await tx.update(scheduledPayments).set({ amountMinor }).where(this.is(sp)).returning();
    await this.cardScheduleChanged(tx, { organizationId: sp.organizationId, scheduledPaymentIds: [sp.id] });
    return row!;
  }

  async setInvoice(tx: Db, sp: ScheduledPayment, invoiceId: string): Promise<ScheduledPayment> {
    const [row] = await tx.update(scheduledPayments).set({ invoiceId }).where(this.is(sp)).returning();
    return row!;
  }

  /** A scheduled payment is paid; the last one of an installment plan completes the plan. */
  async markPaid(tx: Db, sp: ScheduledPayment) {
    await this.setStatus(tx, sp, 'paid');
    if (!sp.installmentPlanId) return;
    const [left] = await tx
      .select({ n: count() })
      .from(scheduledPayments)
      .where(
        and(
          eq(scheduledPayments.organizationId, sp.organizationId),
          eq(scheduledPayments.installmentPlanId, sp.installmentPlanId),
          inArray(scheduledPayments.status, ['scheduled', 'processing', 'failed']),
        ),
      );
    if (Number(left?.n ?? 0) === 0) {
      await tx
        .update(installmentPlans)
        .set({ status: 'completed' })
        .where(
          and(
            eq(installmentPlans.organizationId, sp.organizationId),
            eq(installmentPlans.id, sp.installmentPlanId),
            eq(installmentPlans.status, 'active'),
          ),
        );
    }
  }

  /** One upcoming charge per active subscription, always: the next period's, once this one runs. */
  async ensureNextPeriod(tx: Db, organizationId: string, subscriptionId: string): Promise<void> {
    const [sub] = await tx
      .select()
      .from(subscriptions)
      .where(and(eq(subscriptions.organizationId, organizationId), eq(subscriptions.id, subscriptionId)))
      .for('update');
    if (sub?.status !== 'active') return;
    const [periods] = await tx
      .select({
        upcoming: sql<unknown>`count(*) filter (where ${scheduledPayments.status} = 'scheduled')`,
        lastDue: sql<string | null>`to_char(max(${scheduledPayments.dueDate}), 'YYYY-MM-DD')`,
      })
      .from(scheduledPayments)
      .where(
        and(
          eq(scheduledPayments.organizationId, organizationId),
          eq(scheduledPayments.subscriptionId, subscriptionId),
        ),
      );
    if (Number(periods?.upcoming ?? 0) > 0) return;
    // The period after the latest one scheduled (periods a pause skipped are not charged later).
    let n = 0;
    const lastDue = periods?.lastDue ?? null;
    if (lastDue) while (periodDate(sub, n) <= lastDue) n++;
    await this.insertPeriod(tx, sub, n);
  }

  /** Schedules period `n` of a subscription. */
  async insertPeriod(tx: Db, sub: Subscription, n: number): Promise<ScheduledPayment> {
    const [row] = await tx
      .insert(scheduledPayments)
      .values({
        organizationId: sub.organizationId,
        id: newId('scheduledPayment'),
        accountId: sub.accountId,
        source: 'subscription',
        subscriptionId: sub.id,
        dueDate: periodDate(sub, n),
        amountMinor: sub.amountMinor,
        createdAt: this.deps.clock.now(),
      })
      .returning();
    await this.cardScheduleChanged(tx, {
      organizationId: sub.organizationId,
      scheduledPaymentIds: [row!.id],
    });
    return row!;
  }

  /**
   * RC6: a failed installment's `amountMinor` moves onto its plan — onto the next scheduled installment,
   * spread over every scheduled one (largest remainder, lib/money allocate), or onto a new installment on
   * `dueDate` — and the failed one is cancelled, its amount now living elsewhere. The amount moved is at
   * most the failed one's (what its invoice still owes, MS2), so the plan's total never grows and never
   * exceeds its invoice. The caller holds the plan's and the failed payment's locks (`lockForCharge`);
   * the plan's other scheduled payments are locked here in ID order (the lock order).
   */
  async rescheduleInstallment(
    tx: Db,
    failed: ScheduledPayment,
    amountMinor: bigint,
    how: { mode: 'next_installment' | 'spread' | 'new_installment'; dueDate?: string },
  ): Promise<{ changed: ScheduledPayment[]; cancelled: ScheduledPayment }> {
    if (!failed.installmentPlanId) throw businessRule('only an installment can be rescheduled');
    if (amountMinor <= 0n || amountMinor > failed.amountMinor) {
      throw businessRule('the amount to move must be within the failed installment');
    }
    const later = (
      await tx
        .select()
        .from(scheduledPayments)
        .where(
          and(
            eq(scheduledPayments.organizationId, failed.organizationId),
            eq(scheduledPayments.installmentPlanId, failed.installmentPlanId),
            eq(scheduledPayments.status, 'scheduled'),
            sql`${scheduledPayments.id} <> ${failed.id}`,
          ),
        )
        .orderBy(scheduledPayments.id)
        .for('update')
    ).sort((a, b) => (a.dueDate === b.dueDate ? (a.id < b.id ? -1 : 1) : a.dueDate < b.dueDate ? -1 : 1));
    const changed: ScheduledPayment[] = [];
    if (how.mode === 'new_installment') {
      const [row] = await tx
        .insert(scheduledPayments)
        .values({
          organizationId: failed.organizationId,
          id: newId('scheduledPayment'),
          accountId: failed.accountId,
          source: 'installment',
          installmentPlanId: failed.installmentPlanId,
          invoiceId: failed.invoiceId,
          dueDate: how.dueDate!,
          amountMinor,
          createdAt: this.deps.clock.now(),
        })
        .returning();
      changed.push(row!);
    } else {
      if (later.length === 0) {
        throw businessRule('The plan has no later installment: give the amount a new date instead', {
          code: 'no_later_installment',
        });
      }
      const targets = how.mode === 'next_installment' ? [later[0]!] : later;
      const shares = allocate(
        amountMinor,
        targets.map(() => 1n),
      );
      for (const [i, sp] of targets.entries()) {
        const [row] = await tx
          .update(scheduledPayments)
          .set({ amountMinor: sql`${scheduledPayments.amountMinor} + ${shares[i]!.toString()}::bigint` })
          .where(this.is(sp))
          .returning();
        changed.push(row!);
      }
    }
    const [cancelled] = await tx
      .update(scheduledPayments)
      .set({ status: 'cancelled' })
      .where(this.is(failed))
      .returning();
    await this.cardScheduleChanged(tx, {
      organizationId: failed.organizationId,
      scheduledPaymentIds: [...changed.map((c) => c.id), failed.id],
    });
    return { changed, cancelled: cancelled! };
  }

  private is(sp: Pick<ScheduledPayment, 'organizationId' | 'id'>) {
    return and(eq(scheduledPayments.organizationId, sp.organizationId), eq(scheduledPayments.id, sp.id));
  }
}
