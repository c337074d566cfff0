import { and, asc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { parseIsoDate, todayIn } from '../../lib/dates';
import { businessRule, notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { sumMinor } from '../../lib/money';
import { big, type Db, rows } from '../../platform/db/db';
import { log } from '../../platform/log';
import { accountTransaction } from '../accounts/account-lock';
import type { AccountsService } from '../accounts/accounts.service';
import type { AuditService } from '../audit/audit.service';
import type { DocumentsService } from '../ledger/documents.service';
import type { LedgerService } from '../ledger/ledger.service';
import type { OrganizationsService } from '../organizations/organizations.service';
import { paymentMethodJoin } from '../payment-methods/payment-methods.reads';
import type { PaymentMethodsService } from '../payment-methods/payment-methods.service';
import type { PaymentsService, ScheduledChargeOutcome } from '../payments/payments.service';
import { invoiceCoverSql } from './coverage';
import type { ScheduledPayments } from './scheduled-payments';

/**
 * RC2: who retries a schedule's failed charges once it pays with another method (the failed-transactions
 * module). Called inside the change's transaction, under the account lock, so the retry is queued with it.
 */
export interface MethodChangeListener {
  methodChanged(
    tx: Db,
    organizationId: string,
    actorId: string | null,
    change: { scheduledPaymentIds: string[]; paymentMethodId: string },
  ): Promise<unknown>;
}

import {
  installmentPlans,
  type ScheduledPaymentStatus,
  scheduledPayments,
  subscriptions,
} from './schedules.table';

export type Subscription = typeof subscriptions.$inferSelect;
export type InstallmentPlan = typeof installmentPlans.$inferSelect;
export type ScheduledPaymentRow = typeof scheduledPayments.$inferSelect;

export interface UpcomingPayment {
  id: string;
  dueDate: string;
  status: ScheduledPaymentStatus;
  amountMinor: bigint;
  source: 'subscription' | 'installment';
  sourceId: string;
  invoiceId: string | null;
  /** where the subscription or plan stands, so that a withdrawn charge says why (paused, cancelled) */
  schedule: { status: 'active' | 'paused' | 'cancelled' | 'completed'; endsOn: string | null };
  paymentMethod: {
    id: string;
    type: 'card' | 'echeck';
    brand: string | null;
    last4: string;
    expMonth: number | null;
    expYear: number | null;
  };
}

/**
 * Subscriptions, installment plans and their scheduled payments (the account's upcoming payments).
 * Every change to scheduled payments refreshes the account's reconciliation summary in the same
 * transaction (RA2: scheduled charges cover their invoice).
 */
export class SchedulesService {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      audit: AuditService;
      ledger: LedgerService;
      documents: DocumentsService;
      accounts: AccountsService;
      paymentMethods: PaymentMethodsService;
      organizations: OrganizationsService;
      payments: PaymentsService;
      scheduled: ScheduledPayments;
      /** RC2: told in the change's transaction when a subscription or plan gets another method */
      methodChanged?: MethodChangeListener;
    },
  ) {}

  /** RC2: the failed charges of the schedule are retried at once on the new method (failed-transactions). */
  private async notifyMethodChanged(
    tx: Db,
    organizationId: string,
    actorId: string | null,
    of: { subscriptionId: string } | { installmentPlanId: string },
    from: string | null,
    to: string,
  ) {
    if (!this.deps.methodChanged || from === to) return;
    const scheduledPaymentIds = await this.deps.scheduled.failedOf(tx, organizationId, of);
    if (scheduledPaymentIds.length === 0) return;
    await this.deps.methodChanged.methodChanged(tx, organizationId, actorId, {
      scheduledPaymentIds,
      paymentMethodId: to,
    });
  }

  /** The first period's charge is scheduled on the start date; the next one when it runs. */
  async createSubscription(
    organizationId: string,
    actorId: string | null,
    accountId: string,
    input: {
      amountMinor: bigint;
      interval: 'week' | 'month' | 'year';
      startDate: string;
      paymentMethodId: string;
      description?: string;
    },
  ): Promise<{ subscription: Subscription; next: ScheduledPaymentRow }> {
    await this.deps.accounts.get(organizationId, accountId);
    await this.deps.paymentMethods.get(organizationId, input.paymentMethodId, { accountId });
    return accountTransaction(this.deps.db, organizationId, accountId, async (tx) => {
      const now = this.deps.clock.now();
      const [subscription] = await tx
        .insert(subscriptions)
        .values({
          organizationId,
          id: newId('subscription'),
          accountId,
          amountMinor: input.amountMinor,
          interval: input.interval,
          startDate: input.startDate,
          anchorDay: parseIsoDate(input.startDate).day,
          paymentMethodId: input.paymentMethodId,
          description: input.description ?? null,
          createdAt: now,
        })
        .returning();
      const [next] = await tx
        .insert(scheduledPayments)
        .values({
          organizationId,
          id: newId('scheduledPayment'),
          accountId,
          source: 'subscription',
          subscriptionId: subscription!.id,
          dueDate: input.startDate,
          amountMinor: input.amountMinor,
          createdAt: now,
        })
        .returning();
      await this.deps.ledger.touch(tx, organizationId, accountId);
      await this.deps.scheduled.cardScheduleChanged(tx, { organizationId, scheduledPaymentIds: [next!.id] });
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: 'subscription.created',
        subjectType: 'subscription',
        subjectId: subscription!.id,
        details: {
          accountId,
          amount: Number(input.amountMinor),
          interval: input.interval,
          startDate: input.startDate,
          paymentMethodId: input.paymentMethodId,
        },
      });
      return { subscription: subscription!, next: next! };
    });
  }

  /**
   * Splits an invoice into dated installments: dates strictly increasing, total at most what is open on
   * the invoice and not already scheduled or pending for it (422 otherwise).
   */
  async createInstallmentPlan(
    organizationId: string,
    actorId: string | null,
    accountId: string,
    input: {
      invoiceId: string;
      paymentMethodId: string;
      installments: { dueDate: string; amountMinor: bigint }[];
    },
  ): Promise<{ plan: InstallmentPlan; installments: ScheduledPaymentRow[] }> {
    await this.deps.accounts.get(organizationId, accountId);
    await this.deps.paymentMethods.get(organizationId, input.paymentMethodId, { accountId });
    await this.deps.documents.invoiceOf(this.deps.db, organizationId, accountId, input.invoiceId);
    for (let i = 1; i < input.installments.length; i++) {
      if (input.installments[i]!.dueDate <= input.installments[i - 1]!.dueDate) {
        throw businessRule('installment due dates must be strictly increasing', {
          errors: [{ field: `body.installments.${i}.dueDate`, message: 'must be after the previous one' }],
        });
      }
    }
    const total = sumMinor(input.installments.map((i) => i.amountMinor));
    return accountTransaction(this.deps.db, organizationId, accountId, async (tx) => {
      const locked = await this.deps.ledger.lockDocuments(tx, organizationId, [input.invoiceId]);
      const invoice = locked.get(input.invoiceId)!;
      const available = invoice.openMinor - (await this.coverOf(tx, organizationId, invoice.id));
      if (total > available) {
        throw businessRule(
          `the installments total ${total}, more than the ${available > 0n ? available : 0n} open and not yet scheduled on ${invoice.id}`,
          { openAmount: Number(available > 0n ? available : 0n) },
        );
      }
      const now = this.deps.clock.now();
      const [plan] = await tx
        .insert(installmentPlans)
        .values({
          organizationId,
          id: newId('installmentPlan'),
          accountId,
          invoiceId: invoice.id,
          paymentMethodId: input.paymentMethodId,
          createdAt: now,
        })
        .returning();
      const installments = await tx
        .insert(scheduledPayments)
        .values(
          input.installments.map((i) => ({
            organizationId,
            id: newId('scheduledPayment'),
            accountId,
            source: 'installment' as const,
            installmentPlanId: plan!.id,
            invoiceId: invoice.id,
            dueDate: i.dueDate,
            amountMinor: i.amountMinor,
            createdAt: now,
          })),
        )
        .returning();
      await this.deps.ledger.touch(tx, organizationId, accountId);
      await this.deps.scheduled.cardScheduleChanged(tx, {
        organizationId,
        scheduledPaymentIds: installments.map((sp) => sp.id),
      });
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: 'installment_plan.created',
        subjectType: 'installment_plan',
        subjectId: plan!.id,
        details: { accountId, invoiceId: invoice.id, total: Number(total), count: installments.length },
      });
      return { plan: plan!, installments: installments.sort((a, b) => (a.dueDate < b.dueDate ? -1 : 1)) };
    });
  }

  /** RA2: what is already coming for an invoice (scheduled, running, being recovered, in flight). */
  private async coverOf(tx: Db, organizationId: string, invoiceId: string): Promise<bigint> {
    const [row] = await rows<{ amount: unknown }>(
      tx,
      sql`select ${invoiceCoverSql(sql`${organizationId}`, sql`${invoiceId}`)} as amount`,
    );
    return big(row?.amount);
  }

  /**
   * The account's active subscriptions and plans that a method pays now, for a caller that moves them to
   * another method (the portal's "replace this card", FT5).
   */
  async activeUsing(
    organizationId: string,
    accountId: string,
    paymentMethodId: string,
  ): Promise<{ subscriptions: string[]; installmentPlans: string[] }> {
    const [subs, plans] = await Promise.all([
      this.deps.db
        .select({ id: subscriptions.id })
        .from(subscriptions)
        .where(
          and(
            eq(subscriptions.organizationId, organizationId),
            eq(subscriptions.accountId, accountId),
            eq(subscriptions.status, 'active'),
            eq(subscriptions.paymentMethodId, paymentMethodId),
          ),
        ),
      this.deps.db
        .select({ id: installmentPlans.id })
        .from(installmentPlans)
        .where(
          and(
            eq(installmentPlans.organizationId, organizationId),
            eq(installmentPlans.accountId, accountId),
            eq(installmentPlans.status, 'active'),
            eq(installmentPlans.paymentMethodId, paymentMethodId),
          ),
        ),
    ]);
    return { subscriptions: subs.map((x) => x.id), installmentPlans: plans.map((x) => x.id) };
  }

  /** Scheduled charges by due date, with the method that will pay each (the sub's or plan's, FT5). */
  async upcoming(
    organizationId: string,
    accountId: string,
    opts: { limit: number; after?: { dueDate: string; id: string } },
  ): Promise<{ items: UpcomingPayment[]; next: { dueDate: string; id: string } | null }> {
    await this.deps.accounts.get(organizationId, accountId);
    const conditions = [
      eq(scheduledPayments.organizationId, organizationId),
      eq(scheduledPayments.accountId, accountId),
      // What is still to come, and what was withdrawn or skipped with the reason visible (MS2).
      inArray(scheduledPayments.status, ['scheduled', 'processing', 'skipped', 'cancelled']),
    ];
    if (opts.after) {
      conditions.push(
        or(
          gt(scheduledPayments.dueDate, opts.after.dueDate),
          and(eq(scheduledPayments.dueDate, opts.after.dueDate), gt(scheduledPayments.id, opts.after.id)),
        )!,
      );
    }
    // The method the subscription or plan has now (it may have changed since the payment was planned).
    const pm = paymentMethodJoin('pm');
    const found = await this.deps.db
      .select({
        sp: scheduledPayments,
        method: {
          id: pm.id,
          type: pm.type,
          brand: pm.brand,
          last4: pm.last4,
          expMonth: pm.expMonth,
          expYear: pm.expYear,
        },
        subscriptionStatus: subscriptions.status,
        endsOn: subscriptions.endsOn,
        planStatus: installmentPlans.status,
      })
      .from(scheduledPayments)
      .leftJoin(
        subscriptions,
        and(
          eq(subscriptions.organizationId, scheduledPayments.organizationId),
          eq(subscriptions.id, scheduledPayments.subscriptionId),
        ),
      )
      .leftJoin(
        installmentPlans,
        and(
          eq(installmentPlans.organizationId, scheduledPayments.organizationId),
          eq(installmentPlans.id, scheduledPayments.installmentPlanId),
        ),
      )
      .innerJoin(
        pm.source,
        pm.on(
          scheduledPayments.organizationId,
          sql`coalesce(${subscriptions.paymentMethodId}, ${installmentPlans.paymentMethodId})`,
        ),
      )
      .where(and(...conditions))
      .orderBy(asc(scheduledPayments.dueDate), asc(scheduledPayments.id))
      .limit(opts.limit + 1);
    const page = found.slice(0, opts.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(({ sp, method, subscriptionStatus, endsOn, planStatus }) => ({
        id: sp.id,
        dueDate: sp.dueDate,
        status: sp.status,
        amountMinor: sp.amountMinor,
        source: sp.source,
        sourceId: (sp.subscriptionId ?? sp.installmentPlanId)!,
        invoiceId: sp.invoiceId,
        schedule: {
          status: (subscriptionStatus ?? planStatus ?? 'active') as UpcomingPayment['schedule']['status'],
          endsOn: endsOn ?? null,
        },
        paymentMethod: method,
      })),
      next: found.length > opts.limit && last ? { dueDate: last.sp.dueDate, id: last.sp.id } : null,
    };
  }

  async getSubscription(
    organizationId: string,
    id: string,
    db: Db = this.deps.db,
    opts: { lock?: boolean } = {},
  ): Promise<Subscription> {
    const q = db
      .select()
      .from(subscriptions)
      .where(and(eq(subscriptions.organizationId, organizationId), eq(subscriptions.id, id)));
    const [row] = opts.lock ? await q.for('update') : await q;
    if (!row) throw notFound('subscription');
    return row;
  }

  async getInstallmentPlan(
    organizationId: string,
    id: string,
    db: Db = this.deps.db,
    opts: { lock?: boolean } = {},
  ) {
    const q = db
      .select()
      .from(installmentPlans)
      .where(and(eq(installmentPlans.organizationId, organizationId), eq(installmentPlans.id, id)));
    const [row] = opts.lock ? await q.for('update') : await q;
    if (!row) throw notFound('installment plan');
    const installments = await db
      .select()
      .from(scheduledPayments)
      .where(
        and(
          eq(scheduledPayments.organizationId, organizationId),
          eq(scheduledPayments.installmentPlanId, id),
        ),
      )
      .orderBy(asc(scheduledPayments.dueDate), asc(scheduledPayments.id));
    return { plan: row, installments };
  }

  async nextOf(organizationId: string, subscriptionId: string): Promise<ScheduledPaymentRow | null> {
    const [next] = await this.deps.db
      .select()
      .from(scheduledPayments)
      .where(
        and(
          eq(scheduledPayments.organizationId, organizationId),
          eq(scheduledPayments.subscriptionId, subscriptionId),
          eq(scheduledPayments.status, 'scheduled'),
        ),
      )
      .orderBy(asc(scheduledPayments.dueDate))
      .limit(1);
    return next ?? null;
  }

  /** FT8: the method of a subscription is changed here; its next charges (and retries, FT5) use it. */
  async changeSubscriptionMethod(
    organizationId: string,
    actorId: string | null,
    id: string,
    paymentMethodId: string,
  ): Promise<Subscription> {
    const { accountId } = await this.getSubscription(organizationId, id);
    return accountTransaction(this.deps.db, organizationId, accountId, (tx) =>
      this.changeSubscriptionMethodIn(tx, organizationId, actorId, id, paymentMethodId),
    );
  }

  /** In the caller's transaction, which holds the account lock (step 1 of the lock order). */
  private async changeSubscriptionMethodIn(
    tx: Db,
    organizationId: string,
    actorId: string | null,
    id: string,
    paymentMethodId: string,
  ): Promise<Subscription> {
    {
      const sub = await this.getSubscription(organizationId, id, tx, { lock: true });
      await this.deps.paymentMethods.get(organizationId, paymentMethodId, {
        accountId: sub.accountId,
        db: tx,
      });
      const [updated] = await tx
        .update(subscriptions)
        .set({ paymentMethodId })
        .where(and(eq(subscriptions.organizationId, organizationId), eq(subscriptions.id, id)))
        .returning();
      await this.deps.ledger.touch(tx, organizationId, sub.accountId);
      await this.deps.scheduled.cardScheduleChanged(tx, {
        organizationId,
        paymentMethodIds: [sub.paymentMethodId, paymentMethodId],
      });
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: 'payment_method.changed',
        subjectType: 'subscription',
        subjectId: id,
        details: { accountId: sub.accountId, from: sub.paymentMethodId, to: paymentMethodId },
      });
      await this.notifyMethodChanged(
        tx,
        organizationId,
        actorId,
        { subscriptionId: id },
        sub.paymentMethodId,
        paymentMethodId,
      );
      return updated!;
    }
  }

  async changePlanMethod(
    organizationId: string,
    actorId: string | null,
    id: string,
    paymentMethodId: string,
  ) {
    const { plan: first } = await this.getInstallmentPlan(organizationId, id);
    await accountTransaction(this.deps.db, organizationId, first.accountId, (tx) =>
      this.changePlanMethodIn(tx, organizationId, actorId, id, paymentMethodId),
    );
    return this.getInstallmentPlan(organizationId, id);
  }

  /** In the caller's transaction, which holds the account lock (step 1 of the lock order). */
  private async changePlanMethodIn(
    tx: Db,
    organizationId: string,
    actorId: string | null,
    id: string,
    paymentMethodId: string,
  ): Promise<void> {
    {
      const { plan } = await this.getInstallmentPlan(organizationId, id, tx, { lock: true });
      await this.deps.paymentMethods.get(organizationId, paymentMethodId, {
        accountId: plan.accountId,
        db: tx,
      });
      await tx
        .update(installmentPlans)
        .set({ paymentMethodId })
        .where(and(eq(installmentPlans.organizationId, organizationId), eq(installmentPlans.id, id)));
      await this.deps.ledger.touch(tx, organizationId, plan.accountId);
      await this.deps.scheduled.cardScheduleChanged(tx, {
        organizationId,
        paymentMethodIds: [plan.paymentMethodId, paymentMethodId],
      });
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: 'payment_method.changed',
        subjectType: 'installment_plan',
        subjectId: id,
        details: { accountId: plan.accountId, from: plan.paymentMethodId, to: paymentMethodId },
      });
      await this.notifyMethodChanged(
        tx,
        organizationId,
        actorId,
        { installmentPlanId: id },
        plan.paymentMethodId,
        paymentMethodId,
      );
    }
  }

  /**
   * RC2, a card saved to the wallet replaces a failed one (the rule is written beside
   * `FailedTransactionsService.replacedByWalletCard`): each active subscription or plan of these scheduled
   * payments that still pays with the failed card moves to the new one, audited as a method change, which
   * retries its failed charges at once (`notifyMethodChanged`). In the card's transaction, under the
   * account lock; a schedule is moved once however many of its charges failed.
   */
  async replaceWalletCard(
    tx: Db,
    organizationId: string,
    actorId: string | null,
    change: {
      accountId: string;
      paymentMethodId: string;
      failed: { scheduledPaymentId: string; paymentMethodId: string }[];
    },
  ): Promise<void> {
    if (change.failed.length === 0) return;
    const ids = change.failed.map((f) => f.scheduledPaymentId);
    const owners = await tx
      .select({
        id: scheduledPayments.id,
        subscriptionId: scheduledPayments.subscriptionId,
        installmentPlanId: scheduledPayments.installmentPlanId,
      })
      .from(scheduledPayments)
      .where(
        and(
          eq(scheduledPayments.organizationId, organizationId),
          eq(scheduledPayments.accountId, change.accountId),
          inArray(scheduledPayments.id, ids),
        ),
      )
      .orderBy(asc(scheduledPayments.id));
    const failedCard = new Map(change.failed.map((f) => [f.scheduledPaymentId, f.paymentMethodId]));
    const moved = new Set<string>();
    for (const o of owners) {
      const from = failedCard.get(o.id);
      if (o.subscriptionId && !moved.has(o.subscriptionId)) {
        const sub = await this.getSubscription(organizationId, o.subscriptionId, tx);
        if (sub.status !== 'active' || sub.paymentMethodId !== from) continue;
        moved.add(sub.id);
        await this.changeSubscriptionMethodIn(tx, organizationId, actorId, sub.id, change.paymentMethodId);
      } else if (o.installmentPlanId && !moved.has(o.installmentPlanId)) {
        const { plan } = await this.getInstallmentPlan(organizationId, o.installmentPlanId, tx);
        if (plan.status !== 'active' || plan.paymentMethodId !== from) continue;
        moved.add(plan.id);
        await this.changePlanMethodIn(tx, organizationId, actorId, plan.id, change.paymentMethodId);
      }
    }
  }

  /**
   * The `payments-due` job for one organization: every scheduled payment due today or earlier in the
   * organization's time zone is charged once. Rows are claimed a page at a time (`scheduled` →
   * `processing`, attempts + 1, SKIP LOCKED), so two concurrent runs never take the same row, and the
   * gateway key `sp:<id>:<attempt>` makes a re-run of a claimed row replay instead of charging again.
   * A subscription's next period is scheduled as its charge runs, so a late run catches up period by
   * period. Then charges left `processing` by a run that stopped before recording are finished.
   */
  async runPaymentsDue(organizationId: string) {
    const org = await this.deps.organizations.get(organizationId);
    const today = todayIn(org.timezone, this.deps.clock.now());
    const result = {
      charged: 0,
      succeeded: 0,
      pending: 0,
      failed: 0,
      skipped: 0,
      cancelled: 0,
      errors: 0,
      recovered: 0,
    };
    const charge = async (id: string) => {
      let outcome: ScheduledChargeOutcome;
      try {
        outcome = await this.deps.payments.runScheduledCharge(organizationId, id);
      } catch (err) {
        // One charge that throws does not stop the run: left `processing`, a later run (or the payments
        // sweeper, once its attempt is written) finishes the same attempt with the same key.
        result.errors++;
        log.error({ err, organizationId, scheduledPaymentId: id }, 'payments-due: one charge failed to run');
        return false;
      }
      if (outcome.status !== 'skipped' && outcome.status !== 'cancelled') result.charged++;
      result[outcome.status]++;
      return true;
    };
    for (;;) {
      const claimed = await this.deps.scheduled.claimDue(this.deps.db, organizationId, today);
      if (claimed.length === 0) break;
      for (const id of claimed) await charge(id);
    }
    // Crash recovery: charges an earlier run claimed but never wrote an attempt for are run again.
    for (const id of await this.deps.scheduled.reclaimStale(this.deps.db, organizationId)) {
      if (await charge(id)) result.recovered++;
    }
    return result;
  }
}
