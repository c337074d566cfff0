import { and, count, desc, eq, sql } from 'drizzle-orm';
import { addDays, addMonths } from '../../lib/dates';
import { conflict, notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { type Db, rows } from '../../platform/db/db';
import type { Organization } from '../organizations/organizations.service';
import type { PaymentMethod } from '../payment-methods/payment-methods.service';
import { installmentPlans, scheduledPayments, subscriptions } from '../schedules/schedules.table';
import { type Attempt, assertGateway, type PaymentAttempts } from './payment-attempts';
import {
  type ChargeOutcome,
  outcomeOf,
  type ScheduledPayment,
  scheduledPaymentById,
  transactionByKey,
} from './payments.repository';
import type { PaymentsDeps } from './payments.service';
import { transactions } from './payments.table';

/** A claimed charge with nothing recorded after this long is taken to have crashed (the run takes seconds). */
export const STALE_CLAIM_MS = 5 * 60_000;
const RECLAIM_PAGE = 50;

/** The due date of a subscription's period `n` (0 = the start), keeping the anchor day at month ends. */
export function periodDate(
  sub: { startDate: string; interval: 'week' | 'month' | 'year'; anchorDay: number },
  n: number,
): string {
  if (sub.interval === 'week') return addDays(sub.startDate, 7 * n);
  return addMonths(sub.startDate, sub.interval === 'year' ? 12 * n : n, sub.anchorDay);
}

/** Scheduled charges: one subscription period or installment charged by the due run. */
export class ScheduledCharges {
  constructor(
    private readonly deps: Pick<
      PaymentsDeps,
      'db' | 'clock' | 'gateway' | 'ledger' | 'audit' | 'organizations' | 'paymentMethods'
    > & {
      attempts: PaymentAttempts;
    },
  ) {}

  /**
   * Charges one scheduled payment with the method its subscription or plan has NOW (FT5). The row is
   * claimed (`processing`, attempts + 1) first; the idempotency key `sp:<id>:<attempt>` makes a
   * second run of the same attempt replay instead of charging again.
   */
  async run(organizationId: string, scheduledPaymentId: string): Promise<ChargeOutcome> {
    assertGateway(this.deps.gateway);
    const { db } = this.deps;
    const org = await this.deps.organizations.get(organizationId);
    const prepared = await db.transaction(async (tx) => {
      const row = await scheduledPaymentById(tx, organizationId, scheduledPaymentId, { forUpdate: true });
      if (!row) throw notFound('scheduled payment');
      let sp = row;
      if (sp.status === 'scheduled') {
        const [claimed] = await tx
          .update(scheduledPayments)
          .set({
            status: 'processing',
            attempts: sql`${scheduledPayments.attempts} + 1`,
            claimedAt: this.deps.clock.now(),
            attemptPaymentMethodId: null,
          })
          .where(and(eq(scheduledPayments.organizationId, organizationId), eq(scheduledPayments.id, sp.id)))
          .returning();
        sp = claimed!;
      } else if (sp.status !== 'processing') {
        return { done: await this.lastOutcome(tx, organizationId, sp), sp: null };
      }
      const key = `sp:${sp.id}:${sp.attempts}`;
      const seen = await transactionByKey(tx, organizationId, key);
      if (seen) return { done: outcomeOf(seen), sp: null };
      if (sp.source === 'subscription' && !sp.invoiceId) sp = await this.issuePeriodInvoice(tx, org, sp);
      if (sp.source === 'subscription') await this.ensureNextPeriod(tx, organizationId, sp.subscriptionId!);
      const method = await this.attemptMethod(tx, organizationId, sp);
      await this.deps.ledger.touch(tx, organizationId, sp.accountId);
      return { sp, key, method, done: null };
    });
    if (prepared.done || !prepared.sp) return prepared.done!;
    const attempt: Attempt = {
      org,
      accountId: prepared.sp.accountId,
      amountMinor: prepared.sp.amountMinor,
      method: prepared.method,
      idempotencyKey: prepared.key,
      mode: 'charge',
      invoiceId: prepared.sp.invoiceId,
      scheduledPayment: prepared.sp,
      entry: null,
      actorId: null,
    };
    return (await this.deps.attempts.run(db, attempt)).outcome;
  }

  /**
   * Crash recovery for the due run: claims again the charges left `processing` for more than
   * STALE_CLAIM_MS with nothing recorded under their attempt's key (`sp:<id>:<attempts>`) — the run
   * that claimed them stopped between claiming and recording (the gateway call threw, the process
   * died). `run()` then finishes each with the same key and the same method, so the gateway replays a
   * charge it made instead of making another. A pending eCheck has its key recorded and is not taken.
   * Each row claimed again is stamped now, so a charge that keeps failing is tried once per run.
   */
  async reclaimStale(organizationId: string): Promise<string[]> {
    const now = this.deps.clock.now();
    const staleBefore = new Date(now.getTime() - STALE_CLAIM_MS);
    const reclaimed: string[] = [];
    for (;;) {
      const page = await rows<{ id: string }>(
        this.deps.db,
        sql`update scheduled_payments set claimed_at = ${now.toISOString()}::timestamptz
             where organization_id = ${organizationId} and status = 'processing' and id in (
               select sp.id from scheduled_payments sp
                where sp.organization_id = ${organizationId} and sp.status = 'processing'
                  and (sp.claimed_at is null or sp.claimed_at < ${staleBefore.toISOString()}::timestamptz)
                  and not exists (
                    select 1 from transactions t
                     where t.organization_id = sp.organization_id
                       and t.idempotency_key = 'sp:' || sp.id || ':' || sp.attempts)
                order by sp.claimed_at nulls first, sp.id
                limit ${RECLAIM_PAGE}
                for update skip locked)
             returning id`,
      );
      reclaimed.push(...page.map((r) => r.id));
      if (page.length < RECLAIM_PAGE) return reclaimed;
    }
  }

  /**
   * The method of the claimed attempt: the one kept when the attempt started, else the one the
   * subscription or plan has now (FT5), then kept for this attempt.
   */
  private async attemptMethod(tx: Db, organizationId: string, sp: ScheduledPayment): Promise<PaymentMethod> {
    if (sp.attemptPaymentMethodId) {
      return this.deps.paymentMethods.get(organizationId, sp.attemptPaymentMethodId, { db: tx });
    }
    const method = await this.currentMethod(tx, organizationId, sp);
    await tx
      .update(scheduledPayments)
      .set({ attemptPaymentMethodId: method.id })
      .where(and(eq(scheduledPayments.organizationId, organizationId), eq(scheduledPayments.id, sp.id)));
    return method;
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
        all: count(),
        upcoming: sql<unknown>`count(*) filter (where ${scheduledPayments.status} = 'scheduled')`,
      })
      .from(scheduledPayments)
      .where(
        and(
          eq(scheduledPayments.organizationId, organizationId),
          eq(scheduledPayments.subscriptionId, subscriptionId),
        ),
      );
    if (Number(periods?.upcoming ?? 0) > 0) return;
    await tx.insert(scheduledPayments).values({
      organizationId,
      id: newId('scheduledPayment'),
      accountId: sub.accountId,
      source: 'subscription',
      subscriptionId,
      dueDate: periodDate(sub, Number(periods?.all ?? 0)),
      amountMinor: sub.amountMinor,
      createdAt: this.deps.clock.now(),
    });
  }

  /** FT5: the method is read from the subscription or plan at charge time, never copied. */
  async currentMethod(tx: Db, organizationId: string, sp: ScheduledPayment): Promise<PaymentMethod> {
    let methodId: string | undefined;
    if (sp.subscriptionId) {
      const [sub] = await tx
        .select({ paymentMethodId: subscriptions.paymentMethodId })
        .from(subscriptions)
        .where(
          and(eq(subscriptions.organizationId, organizationId), eq(subscriptions.id, sp.subscriptionId)),
        );
      methodId = sub?.paymentMethodId;
    } else if (sp.installmentPlanId) {
      const [plan] = await tx
        .select({ paymentMethodId: installmentPlans.paymentMethodId })
        .from(installmentPlans)
        .where(
          and(
            eq(installmentPlans.organizationId, organizationId),
            eq(installmentPlans.id, sp.installmentPlanId),
          ),
        );
      methodId = plan?.paymentMethodId;
    }
    if (!methodId) throw conflict(`scheduled payment ${sp.id} has no subscription or plan`);
    return this.deps.paymentMethods.get(organizationId, methodId, { db: tx });
  }

  /** A subscription period's invoice is issued when its charge runs (dated on the due date). */
  private async issuePeriodInvoice(
    tx: Db,
    org: Organization,
    sp: ScheduledPayment,
  ): Promise<ScheduledPayment> {
    const [sub] = await tx
      .select()
      .from(subscriptions)
      .where(and(eq(subscriptions.organizationId, org.id), eq(subscriptions.id, sp.subscriptionId!)));
    const invoice = await this.deps.ledger.createDocument(tx, {
      organizationId: org.id,
      accountId: sp.accountId,
      kind: 'invoice',
      amountMinor: sp.amountMinor,
      currency: org.currency,
      date: sp.dueDate,
      reference: sp.id,
      description: sub?.description ?? `Subscription ${sp.subscriptionId}`,
    });
    const [updated] = await tx
      .update(scheduledPayments)
      .set({ invoiceId: invoice.id })
      .where(and(eq(scheduledPayments.organizationId, org.id), eq(scheduledPayments.id, sp.id)))
      .returning();
    await this.deps.audit.record(tx, {
      organizationId: org.id,
      actorId: null,
      action: 'invoice.issued',
      subjectType: 'invoice',
      subjectId: invoice.id,
      details: { accountId: sp.accountId, subscriptionId: sp.subscriptionId, scheduledPaymentId: sp.id },
    });
    return updated!;
  }

  private async lastOutcome(tx: Db, organizationId: string, sp: ScheduledPayment): Promise<ChargeOutcome> {
    const [last] = await tx
      .select()
      .from(transactions)
      .where(and(eq(transactions.organizationId, organizationId), eq(transactions.scheduledPaymentId, sp.id)))
      .orderBy(desc(transactions.createdAt), desc(transactions.id))
      .limit(1);
    if (!last) throw conflict(`scheduled payment ${sp.id} is ${sp.status}`);
    return outcomeOf(last);
  }
}
