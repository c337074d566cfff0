import { and, desc, eq } from 'drizzle-orm';
import { todayIn } from '../../lib/dates';
import { notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Db } from '../../platform/db/db';
import { accountTransaction } from '../accounts/account-lock';
import type { AuditAction } from '../audit/audit.actions';
import type { Organization } from '../organizations/organizations.service';
import {
  type ChargeSchedule,
  chargeable,
  type ScheduledPayment,
  type ScheduledPayments,
} from '../schedules/scheduled-payments';
import { owedOnScheduled } from './owed';
import { assertGateway, type PaymentAttempts } from './payment-attempts';
import { type ChargeOutcome, outcomeOf, type Transaction, transactionByKey } from './payments.repository';
import type { PaymentsDeps } from './payments.service';
import { transactions } from './payments.table';

/** A due charge that moved no money: its schedule is not active, or its invoice owes nothing (MS2). */
export type SkippedCharge = { status: 'skipped' | 'cancelled'; scheduledPaymentId: string };
export type ScheduledChargeOutcome = ChargeOutcome | SkippedCharge;

/** Scheduled charges: one subscription period or installment charged by the due run. */
export class ScheduledCharges {
  constructor(
    private readonly deps: Pick<
      PaymentsDeps,
      'db' | 'clock' | 'gateway' | 'ledger' | 'audit' | 'organizations' | 'paymentMethods'
    > & {
      attempts: PaymentAttempts;
      scheduled: ScheduledPayments;
    },
  ) {}

  /**
   * Charges one scheduled payment with the method its subscription or plan has NOW (FT5), and only what
   * its invoice still owes (MS2): nothing when the schedule is paused or cancelled (→ cancelled) or the
   * invoice is covered (→ skipped), the remainder when it is partly covered. Under the account lock the
   * row is claimed (`processing`, attempts + 1) if the due run has not claimed it, and the attempt is
   * written under the key `sp:<id>:<attempt>` with the scheduled payment as its obligation (MS1), so a
   * second run of the same attempt replays instead of charging again.
   */
  async run(organizationId: string, scheduledPaymentId: string): Promise<ScheduledChargeOutcome> {
    assertGateway(this.deps.gateway);
    const { db } = this.deps;
    const org = await this.deps.organizations.get(organizationId);
    const first = await this.deps.scheduled.get(db, organizationId, scheduledPaymentId);
    if (!first) throw notFound('scheduled payment');
    const prepared = await accountTransaction(db, organizationId, first.accountId, (tx) =>
      this.prepare(tx, org, scheduledPaymentId),
    );
    if (!('txn' in prepared)) return prepared;
    return (await this.deps.attempts.run(prepared.txn)).outcome;
  }

  private async prepare(
    tx: Db,
    org: Organization,
    id: string,
  ): Promise<{ txn: Transaction } | ScheduledChargeOutcome> {
    const { scheduled, audit } = this.deps;
    const locked = await scheduled.lockForCharge(tx, org.id, id);
    if (!locked) throw notFound('scheduled payment');
    const { schedule } = locked;
    let sp = locked.sp;
    if (sp.status === 'scheduled') sp = await scheduled.claim(tx, sp);
    else if (sp.status !== 'processing') return this.lastOutcome(tx, sp);
    const key = `sp:${sp.id}:${sp.attempts}`;
    const seen = await transactionByKey(tx, org.id, key);
    if (seen) return { txn: seen };

    if (!chargeable(schedule, sp.dueDate)) {
      // MS2: a paused or cancelled schedule charges nothing (its upcoming charges were withdrawn with it;
      // this one had been claimed by a due run just before).
      await scheduled.setStatus(tx, sp, 'cancelled');
      await this.audit(tx, sp, 'scheduled_payment.cancelled', {
        schedule: schedule.kind,
        status: schedule.status,
      });
      await this.deps.ledger.touch(tx, org.id, sp.accountId);
      return { status: 'cancelled', scheduledPaymentId: sp.id };
    }
    if (sp.source === 'subscription' && !sp.invoiceId)
      sp = await this.issuePeriodInvoice(tx, org, sp, schedule);
    if (sp.source === 'subscription') await scheduled.ensureNextPeriod(tx, org.id, sp.subscriptionId!);

    const owed = await owedOnScheduled(tx, org.id, sp.id);
    if (owed <= 0n) {
      await scheduled.setStatus(tx, sp, 'skipped');
      await this.audit(tx, sp, 'scheduled_payment.skipped', {
        invoiceId: sp.invoiceId,
        amount: Number(sp.amountMinor),
        reason: 'the invoice was already covered',
      });
      await this.deps.ledger.touch(tx, org.id, sp.accountId);
      return { status: 'skipped', scheduledPaymentId: sp.id };
    }
    if (owed < sp.amountMinor) {
      await audit.record(tx, {
        organizationId: org.id,
        actorId: null,
        action: 'scheduled_payment.reduced',
        subjectType: 'scheduled_payment',
        subjectId: sp.id,
        details: { from: Number(sp.amountMinor), to: Number(owed), invoiceId: sp.invoiceId },
      });
      sp = await scheduled.reduceAmount(tx, sp, owed);
    }
    const methodId = sp.attemptPaymentMethodId ?? schedule.paymentMethodId;
    if (!sp.attemptPaymentMethodId) await scheduled.setAttemptMethod(tx, sp, methodId);
    const method = await this.deps.paymentMethods.get(org.id, methodId, { db: tx });
    const { txn } = await this.deps.attempts.begin(tx, {
      organizationId: org.id,
      id: newId('transaction'),
      accountId: sp.accountId,
      kind: method.type === 'card' ? 'charge' : 'echeck_debit',
      purpose: sp.source,
      amountMinor: sp.amountMinor,
      currency: org.currency,
      paymentMethodId: method.id,
      idempotencyKey: key,
      obligationId: sp.id,
      scheduledPaymentId: sp.id,
      forInvoiceId: sp.invoiceId,
      presentedDate: todayIn(org.timezone, this.deps.clock.now()),
    });
    return { txn };
  }

  private async audit(tx: Db, sp: ScheduledPayment, action: AuditAction, details: Record<string, unknown>) {
    await this.deps.audit.record(tx, {
      organizationId: sp.organizationId,
      actorId: null,
      action,
      subjectType: 'scheduled_payment',
      subjectId: sp.id,
      details: { accountId: sp.accountId, ...details },
    });
  }

  /** A subscription period's invoice is issued when its charge runs (dated on the due date). */
  private async issuePeriodInvoice(
    tx: Db,
    org: Organization,
    sp: ScheduledPayment,
    schedule: ChargeSchedule,
  ): Promise<ScheduledPayment> {
    const invoice = await this.deps.ledger.createDocument(tx, {
      organizationId: org.id,
      accountId: sp.accountId,
      kind: 'invoice',
      amountMinor: sp.amountMinor,
      currency: org.currency,
      date: sp.dueDate,
      reference: sp.id,
      description: schedule.description ?? `Subscription ${sp.subscriptionId}`,
    });
    const updated = await this.deps.scheduled.setInvoice(tx, sp, invoice.id);
    await this.deps.audit.record(tx, {
      organizationId: org.id,
      actorId: null,
      action: 'invoice.issued',
      subjectType: 'invoice',
      subjectId: invoice.id,
      details: { accountId: sp.accountId, subscriptionId: sp.subscriptionId, scheduledPaymentId: sp.id },
    });
    return updated;
  }

  private async lastOutcome(tx: Db, sp: ScheduledPayment): Promise<ScheduledChargeOutcome> {
    if (sp.status === 'skipped' || sp.status === 'cancelled')
      return { status: sp.status, scheduledPaymentId: sp.id };
    const [last] = await tx
      .select()
      .from(transactions)
      .where(
        and(eq(transactions.organizationId, sp.organizationId), eq(transactions.scheduledPaymentId, sp.id)),
      )
      .orderBy(desc(transactions.createdAt), desc(transactions.id))
      .limit(1);
    if (!last) return { status: 'cancelled', scheduledPaymentId: sp.id };
    return outcomeOf(last);
  }
}
