import { and, asc, eq, inArray, max, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { todayIn } from '../../lib/dates';
import { businessRule, conflict, notFound } from '../../lib/errors';
import { big, type Db, rows } from '../../platform/db/db';
import { accountTransaction } from '../accounts/account-lock';
import type { AuditAction } from '../audit/audit.actions';
import type { AuditService } from '../audit/audit.service';
import type { LedgerService } from '../ledger/ledger.service';
import type { OrganizationsService } from '../organizations/organizations.service';
import { invoiceCoverSql } from './coverage';
import {
  periodDate,
  type ScheduledPayment,
  type ScheduledPayments,
  type Subscription,
} from './scheduled-payments';
import { installmentPlans, scheduledPayments, subscriptions } from './schedules.table';

/**
 * The way out of a schedule (MS2: nothing cancelled or paused is ever charged): cancel a subscription now
 * or at the end of its period, pause and resume it, cancel an installment plan, move or resize one
 * upcoming charge within what its invoice allows. Each under the account lock, schedule row first
 * (accounts/account-lock.ts), so a due charge being prepared either ran before (its attempt is in flight
 * and stands) or sees the new status and charges nothing. Open Action Center entries of a cancelled
 * schedule stay until someone retries or ignores them.
 */
export class ScheduleLifecycle {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      audit: AuditService;
      ledger: LedgerService;
      organizations: OrganizationsService;
      scheduled: ScheduledPayments;
    },
  ) {}

  async cancelSubscription(
    organizationId: string,
    actorId: string | null,
    id: string,
    at: 'now' | 'period_end',
  ) {
    return this.onSubscription(organizationId, id, async (tx, sub, today) => {
      if (sub.status === 'cancelled') throw conflict(`subscription ${sub.id} is already cancelled`);
      const upcoming = await this.scheduledOf(tx, organizationId, { subscriptionId: sub.id });
      // period_end: the current period's charge, if it is due and not yet run, is still made; the service
      // ends when the next period would have started.
      const keep = at === 'period_end' ? upcoming.filter((sp) => sp.dueDate <= today) : [];
      const withdraw = upcoming.filter((sp) => !keep.includes(sp));
      const endsOn =
        at === 'now'
          ? today
          : (withdraw[0]?.dueDate ??
            (keep.length > 0 ? periodDate(sub, await this.periodsOf(tx, sub)) : today));
      await this.withdraw(tx, withdraw);
      const [updated] = await tx
        .update(subscriptions)
        .set({ status: 'cancelled', endsOn, cancelledAt: this.deps.clock.now() })
        .where(and(eq(subscriptions.organizationId, organizationId), eq(subscriptions.id, sub.id)))
        .returning();
      await this.audit(tx, organizationId, actorId, 'subscription.cancelled', 'subscription', sub.id, {
        accountId: sub.accountId,
        at,
        endsOn,
        withdrawn: withdraw.map((sp) => sp.id),
      });
      return updated!;
    });
  }

  async pauseSubscription(organizationId: string, actorId: string | null, id: string) {
    return this.onSubscription(organizationId, id, async (tx, sub) => {
      if (sub.status !== 'active')
        throw conflict(`subscription ${sub.id} is ${sub.status}: only an active one pauses`);
      const upcoming = await this.scheduledOf(tx, organizationId, { subscriptionId: sub.id });
      await this.withdraw(tx, upcoming);
      const [updated] = await tx
        .update(subscriptions)
        .set({ status: 'paused', pausedAt: this.deps.clock.now() })
        .where(and(eq(subscriptions.organizationId, organizationId), eq(subscriptions.id, sub.id)))
        .returning();
      await this.audit(tx, organizationId, actorId, 'subscription.paused', 'subscription', sub.id, {
        accountId: sub.accountId,
        withdrawn: upcoming.map((sp) => sp.id),
      });
      return updated!;
    });
  }

  /** Periods that fell due while paused are not charged: the next charge is the first period from today. */
  async resumeSubscription(organizationId: string, actorId: string | null, id: string) {
    return this.onSubscription(organizationId, id, async (tx, sub, today) => {
      if (sub.status !== 'paused')
        throw conflict(`subscription ${sub.id} is ${sub.status}: only a paused one resumes`);
      const [updated] = await tx
        .update(subscriptions)
        .set({ status: 'active', pausedAt: null })
        .where(and(eq(subscriptions.organizationId, organizationId), eq(subscriptions.id, sub.id)))
        .returning();
      let n = await this.periodsOf(tx, sub);
      while (periodDate(sub, n) < today) n++;
      const next = await this.deps.scheduled.insertPeriod(tx, updated!, n);
      await this.audit(tx, organizationId, actorId, 'subscription.resumed', 'subscription', sub.id, {
        accountId: sub.accountId,
        nextDueDate: next.dueDate,
      });
      return updated!;
    });
  }

  async cancelPlan(organizationId: string, actorId: string | null, id: string) {
    const [first] = await this.deps.db
      .select()
      .from(installmentPlans)
      .where(and(eq(installmentPlans.organizationId, organizationId), eq(installmentPlans.id, id)));
    if (!first) throw notFound('installment plan');
    return accountTransaction(this.deps.db, organizationId, first.accountId, async (tx) => {
      const [plan] = await tx
        .select()
        .from(installmentPlans)
        .where(and(eq(installmentPlans.organizationId, organizationId), eq(installmentPlans.id, id)))
        .for('update');
      if (plan!.status !== 'active') throw conflict(`installment plan ${id} is ${plan!.status}`);
      const upcoming = await this.scheduledOf(tx, organizationId, { installmentPlanId: id });
      await this.withdraw(tx, upcoming);
      const [updated] = await tx
        .update(installmentPlans)
        .set({ status: 'cancelled', cancelledAt: this.deps.clock.now() })
        .where(and(eq(installmentPlans.organizationId, organizationId), eq(installmentPlans.id, id)))
        .returning();
      await this.audit(tx, organizationId, actorId, 'installment_plan.cancelled', 'installment_plan', id, {
        accountId: plan!.accountId,
        withdrawn: upcoming.map((sp) => sp.id),
      });
      await this.deps.ledger.touch(tx, organizationId, plan!.accountId);
      await this.deps.scheduled.cardScheduleChanged(tx, {
        organizationId,
        paymentMethodIds: [plan!.paymentMethodId],
      });
      return updated!;
    });
  }

  /**
   * Moves or resizes one upcoming charge. Only a charge still `scheduled` of an active schedule; a date
   * from today on; an installment's new amount within what its invoice still owes beside everything else
   * coming for it (RA2), so the plan never exceeds its invoice (422 with the amount allowed).
   */
  async updateScheduledPayment(
    organizationId: string,
    actorId: string | null,
    id: string,
    change: { dueDate?: string; amountMinor?: bigint },
  ): Promise<ScheduledPayment> {
    const first = await this.deps.scheduled.get(this.deps.db, organizationId, id);
    if (!first) throw notFound('scheduled payment');
    const org = await this.deps.organizations.get(organizationId);
    return accountTransaction(this.deps.db, organizationId, first.accountId, async (tx) => {
      const locked = await this.deps.scheduled.lockForCharge(tx, organizationId, id);
      if (!locked) throw notFound('scheduled payment');
      const { sp, schedule } = locked;
      if (sp.status !== 'scheduled')
        throw conflict(`scheduled payment ${sp.id} is ${sp.status}: it can no longer change`);
      if (schedule.status !== 'active')
        throw conflict(
          `its ${schedule.kind === 'subscription' ? 'subscription' : 'plan'} is ${schedule.status}`,
        );
      const today = todayIn(org.timezone, this.deps.clock.now());
      if (change.dueDate !== undefined && change.dueDate < today) {
        throw businessRule(`the due date cannot be before today (${today})`, {
          errors: [{ field: 'body.dueDate', message: `must be ${today} or later` }],
        });
      }
      if (change.amountMinor !== undefined && sp.invoiceId) {
        const [row] = await rows<{ open: unknown; cover: unknown }>(
          tx,
          sql`select d.open_minor as open, ${invoiceCoverSql(sql`d.organization_id`, sql`d.id`)} as cover
                from documents d where d.organization_id = ${organizationId} and d.id = ${sp.invoiceId}`,
        );
        const allowed = big(row?.open) - (big(row?.cover) - sp.amountMinor);
        if (change.amountMinor > allowed) {
          throw businessRule(
            `the amount is more than the ${allowed > 0n ? allowed : 0n} its invoice allows beside the other charges`,
            { openAmount: Number(allowed > 0n ? allowed : 0n) },
          );
        }
      }
      const [updated] = await tx
        .update(scheduledPayments)
        .set({
          ...(change.dueDate !== undefined ? { dueDate: change.dueDate } : {}),
          ...(change.amountMinor !== undefined ? { amountMinor: change.amountMinor } : {}),
        })
        .where(and(eq(scheduledPayments.organizationId, organizationId), eq(scheduledPayments.id, id)))
        .returning();
      await this.audit(tx, organizationId, actorId, 'scheduled_payment.changed', 'scheduled_payment', id, {
        accountId: sp.accountId,
        from: { dueDate: sp.dueDate, amount: Number(sp.amountMinor) },
        to: { dueDate: updated!.dueDate, amount: Number(updated!.amountMinor) },
      });
      await this.deps.ledger.touch(tx, organizationId, sp.accountId);
      await this.deps.scheduled.cardScheduleChanged(tx, { organizationId, scheduledPaymentIds: [id] });
      return updated!;
    });
  }

  private async onSubscription<T>(
    organizationId: string,
    id: string,
    work: (tx: Db, sub: Subscription, today: string) => Promise<T>,
  ): Promise<T> {
    const [first] = await this.deps.db
      .select()
      .from(subscriptions)
      .where(and(eq(subscriptions.organizationId, organizationId), eq(subscriptions.id, id)));
    if (!first) throw notFound('subscription');
    const org = await this.deps.organizations.get(organizationId);
    return accountTransaction(this.deps.db, organizationId, first.accountId, async (tx) => {
      const [sub] = await tx
        .select()
        .from(subscriptions)
        .where(and(eq(subscriptions.organizationId, organizationId), eq(subscriptions.id, id)))
        .for('update');
      const result = await work(tx, sub!, todayIn(org.timezone, this.deps.clock.now()));
      await this.deps.ledger.touch(tx, organizationId, sub!.accountId);
      // pause, resume and cancel move the subscription's charges: its card's upcoming payments change
      await this.deps.scheduled.cardScheduleChanged(tx, {
        organizationId,
        paymentMethodIds: [sub!.paymentMethodId],
      });
      return result;
    });
  }

  /** The schedule's charges still `scheduled`, locked in ID order (after the schedule row). */
  private scheduledOf(
    tx: Db,
    organizationId: string,
    of: { subscriptionId?: string; installmentPlanId?: string },
  ) {
    return tx
      .select()
      .from(scheduledPayments)
      .where(
        and(
          eq(scheduledPayments.organizationId, organizationId),
          of.subscriptionId
            ? eq(scheduledPayments.subscriptionId, of.subscriptionId)
            : eq(scheduledPayments.installmentPlanId, of.installmentPlanId!),
          eq(scheduledPayments.status, 'scheduled'),
        ),
      )
      .orderBy(asc(scheduledPayments.dueDate), asc(scheduledPayments.id))
      .for('update');
  }

  private async withdraw(tx: Db, sps: ScheduledPayment[]) {
    if (sps.length === 0) return;
    await tx
      .update(scheduledPayments)
      .set({ status: 'cancelled' })
      .where(
        and(
          eq(scheduledPayments.organizationId, sps[0]!.organizationId),
          inArray(
            scheduledPayments.id,
            sps.map((sp) => sp.id),
          ),
          eq(scheduledPayments.status, 'scheduled'),
        ),
      );
  }

  /** The index of the period after the subscription's latest scheduled one (periods skipped by a pause count). */
  private async periodsOf(tx: Db, sub: Subscription): Promise<number> {
    const [last] = await tx
      .select({ due: max(scheduledPayments.dueDate) })
      .from(scheduledPayments)
      .where(
        and(
          eq(scheduledPayments.organizationId, sub.organizationId),
          eq(scheduledPayments.subscriptionId, sub.id),
        ),
      );
    let n = 0;
    if (last?.due) while (periodDate(sub, n) <= last.due) n++;
    return n;
  }

  private audit(
    tx: Db,
    organizationId: string,
    actorId: string | null,
    action: AuditAction,
    subjectType: string,
    subjectId: string,
    details: Record<string, unknown>,
  ) {
    return this.deps.audit.record(tx, { organizationId, actorId, action, subjectType, subjectId, details });
  }
}
