import { and, count, eq, inArray, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { todayIn } from '../../lib/dates';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Db } from '../../platform/db/db';
import type { AuditService } from '../audit/audit.service';
import { type FailedTransaction, failedTransactions } from '../failed-transactions/failed-transactions.table';
import type { PaymentGateway } from '../gateway/gateway.port';
import type { Allocation, LedgerService } from '../ledger/ledger.service';
import type { Organization } from '../organizations/organizations.service';
import type { PaymentMethod } from '../payment-methods/payment-methods.service';
import { installmentPlans, scheduledPayments } from '../schedules/schedules.table';
import type { PaymentFailures } from './payment-failures';
import {
  type ChargeOutcome,
  insertTransaction,
  outcomeOf,
  type ScheduledPayment,
  setScheduledStatus,
  type Transaction,
} from './payments.repository';

/** When no gateway is configured (sandbox off, no live gateway), money-moving calls answer 503. */
export const noGateway: PaymentGateway = {
  charge: unavailable,
  refund: unavailable,
  echeckDebit: unavailable,
  echeckOutcome: unavailable,
};
async function unavailable(): Promise<never> {
  throw new AppError('unavailable', 'no payment gateway configured');
}

export function assertGateway(gateway: PaymentGateway): void {
  if (gateway === noGateway) throw new AppError('unavailable', 'no payment gateway configured');
}

export type GatewayAnswer = { status: 'succeeded' | 'pending' | 'failed'; gatewayRef: string; code?: string };

/** What one money-moving attempt is for, and what its result changes. */
export interface Attempt {
  org: Organization;
  accountId: string;
  amountMinor: bigint;
  method: PaymentMethod;
  idempotencyKey: string;
  /** charge: a scheduled charge; retry: an Action Center retry; portal: the owner paid; one_off: a route */
  mode: 'charge' | 'retry' | 'portal' | 'one_off';
  invoiceId: string | null;
  scheduledPayment: ScheduledPayment | null;
  entry: FailedTransaction | null;
  actorId: string | null;
  date?: string;
}

/** A posted payment goes to the invoice it was for, as far as both open amounts allow. */
export function allocateToInvoice(
  ledger: LedgerService,
  tx: Db,
  req: {
    organizationId: string;
    accountId: string;
    creditId: string;
    invoiceId: string;
    source: string;
    actorId: string | null;
  },
): Promise<Allocation | null> {
  const { invoiceId, ...rest } = req;
  return ledger.allocateUpTo(tx, { ...rest, debitId: invoiceId });
}

/** A scheduled payment is paid; the last one of an installment plan completes the plan. */
export async function markScheduledPaid(tx: Db, sp: ScheduledPayment) {
  await setScheduledStatus(tx, sp, 'paid');
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
        ),
      );
  }
}

/**
 * A payment attempt through the gateway and its recording: the card charge or eCheck debit is made
 * outside any transaction, then its answer is recorded with every effect in one transaction.
 */
export class PaymentAttempts {
  constructor(
    private readonly deps: {
      clock: Clock;
      gateway: PaymentGateway;
      ledger: LedgerService;
      audit: AuditService;
      failures: PaymentFailures;
    },
  ) {}

  /** Presents the attempt, then records its answer in a transaction of `db`. */
  async run(db: Db, a: Attempt): Promise<{ outcome: ChargeOutcome; txn: Transaction }> {
    const answer = await this.present(a);
    return db.transaction((tx) => this.record(tx, a, answer));
  }

  private async present(a: Attempt): Promise<GatewayAnswer> {
    const req = {
      organizationId: a.org.id,
      token: a.method.gatewayToken,
      amountMinor: a.amountMinor,
      currency: a.org.currency,
      idempotencyKey: a.idempotencyKey,
      paymentMethodId: a.method.id,
    };
    if (a.method.type === 'card') {
      const r = await this.deps.gateway.charge(req);
      return r.status === 'succeeded' ? { status: 'succeeded', gatewayRef: r.gatewayRef } : { ...r };
    }
    const r = await this.deps.gateway.echeckDebit(req);
    return r.status === 'pending' ? { status: 'pending', gatewayRef: r.gatewayRef } : { ...r };
  }

  /**
   * Records a payment attempt's answer with every effect, in the caller's transaction. The transaction
   * row's idempotency key is unique: when it is already there, this attempt was recorded before and
   * nothing else happens.
   */
  private async record(
    tx: Db,
    a: Attempt,
    answer: GatewayAnswer,
  ): Promise<{ outcome: ChargeOutcome; txn: Transaction }> {
    const { ledger, audit, failures } = this.deps;
    const organizationId = a.org.id;
    const now = this.deps.clock.now();
    const today = todayIn(a.org.timezone, now);
    const documentId = answer.status === 'failed' ? null : newId('payment');
    const purpose =
      a.mode === 'charge'
        ? (a.scheduledPayment?.source ?? 'one_off')
        : a.mode === 'one_off'
          ? 'one_off'
          : a.mode;
    const { txn, inserted } = await insertTransaction(tx, {
      organizationId,
      id: newId('transaction'),
      accountId: a.accountId,
      kind: a.method.type === 'card' ? 'charge' : 'echeck_debit',
      purpose,
      status: answer.status,
      amountMinor: a.amountMinor,
      currency: a.org.currency,
      paymentMethodId: a.method.id,
      gatewayRef: answer.gatewayRef,
      failureCode: answer.code ?? null,
      idempotencyKey: a.idempotencyKey,
      scheduledPaymentId: a.scheduledPayment?.id ?? null,
      failedTransactionId: a.entry?.id ?? null,
      documentId,
      forInvoiceId: a.invoiceId,
      presentedDate: today,
      createdAt: now,
      settledAt: answer.status === 'pending' ? null : now,
    });
    if (!inserted) return { outcome: outcomeOf(txn), txn };
    const sp = a.scheduledPayment;

    if (answer.status !== 'failed') {
      const document = await ledger.createDocument(tx, {
        id: documentId!,
        organizationId,
        accountId: a.accountId,
        kind: 'payment',
        status: answer.status === 'pending' ? 'pending' : 'posted',
        amountMinor: a.amountMinor,
        currency: a.org.currency,
        date: a.date ?? today,
        reference: answer.gatewayRef,
        method: a.method.type,
        paymentMethodId: a.method.id,
        forInvoiceId: a.invoiceId,
        transactionId: txn.id,
      });
      if (answer.status === 'succeeded') {
        if (a.invoiceId) {
          await allocateToInvoice(ledger, tx, {
            organizationId,
            accountId: a.accountId,
            creditId: document.id,
            invoiceId: a.invoiceId,
            source: a.mode === 'retry' ? 'retry' : 'payment',
            actorId: a.actorId,
          });
        }
        if (sp) await markScheduledPaid(tx, sp);
        if (a.entry && a.mode === 'retry') await failures.resolveEntry(tx, a.entry, txn);
      } else {
        // eCheck presented: pending until the settlement job; the scheduled payment is under way.
        if (sp) await setScheduledStatus(tx, sp, 'processing');
        if (a.entry && a.mode === 'retry') {
          await tx
            .update(failedTransactions)
            .set({
              representments: sql`${failedTransactions.representments} + 1`,
              lastTransactionId: txn.id,
            })
            .where(
              and(
                eq(failedTransactions.organizationId, organizationId),
                eq(failedTransactions.id, a.entry.id),
              ),
            );
        }
      }
      await audit.record(tx, {
        organizationId,
        actorId: a.actorId,
        action:
          answer.status === 'pending'
            ? 'payment.presented'
            : `payment.${a.mode === 'retry' ? 'retried' : 'received'}`,
        subjectType: 'payment',
        subjectId: document.id,
        details: {
          accountId: a.accountId,
          amount: Number(a.amountMinor),
          method: a.method.type,
          transactionId: txn.id,
          invoiceId: a.invoiceId,
          scheduledPaymentId: sp?.id ?? null,
          failedTransactionId: a.entry?.id ?? null,
          mode: a.mode,
        },
      });
      if (answer.status === 'pending') await ledger.touch(tx, organizationId, a.accountId);
      return { outcome: outcomeOf(txn), txn };
    }

    // Failed: the ledger is untouched.
    const code = answer.code ?? 'processing_error';
    if (a.mode === 'retry' && a.entry) {
      await failures.failEntryAgain(tx, a.entry, txn, code);
    } else if (a.mode === 'charge' && sp) {
      await setScheduledStatus(tx, sp, 'failed');
      await failures.recordScheduledFailure(tx, a.org, sp, a.method, txn, code);
    } else {
      await audit.record(tx, {
        organizationId,
        actorId: a.actorId,
        action: 'payment.declined',
        subjectType: 'transaction',
        subjectId: txn.id,
        details: { accountId: a.accountId, amount: Number(a.amountMinor), code, mode: a.mode },
      });
    }
    await ledger.touch(tx, organizationId, a.accountId);
    return { outcome: outcomeOf(txn), txn };
  }
}
