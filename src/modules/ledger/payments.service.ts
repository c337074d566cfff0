import { and, asc, count, desc, eq, gt, inArray, lte, or, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { addBusinessDays, addDays, addMonths, todayIn } from '../../lib/dates';
import { AppError, businessRule, conflict, notFound, validation } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { minBig } from '../../lib/money';
import { big, type Db } from '../../platform/db/db';
import type { JobQueue } from '../../platform/jobs/queue';
import type { AccountsService } from '../accounts/accounts.service';
import type { AuditService } from '../audit/audit.service';
import { type FailedTransaction, failedTransactions } from '../failed-transactions/failed-transactions.table';
import { failureMessage } from '../gateway/failure-codes';
import type { PaymentGateway } from '../gateway/gateway.port';
import { transactions } from '../gateway/gateway.table';
import type { Organization, OrganizationsService } from '../organizations/organizations.service';
import type { PaymentMethod, PaymentMethodsService } from '../payment-methods/payment-methods.service';
import { installmentPlans, scheduledPayments, subscriptions } from '../schedules/schedules.table';
import type { DocumentsService } from './documents.service';
import type { Allocation, LedgerDocument, LedgerService } from './ledger.service';
import { allocations, documents } from './ledger.table';

export type ChargeOutcome = {
  status: 'succeeded' | 'pending' | 'failed';
  code?: string;
  transactionId: string;
};
export type Transaction = typeof transactions.$inferSelect;
export type ScheduledPayment = typeof scheduledPayments.$inferSelect;

export const PAYMENT_METHODS = ['cash', 'cheque', 'other', 'card', 'echeck'] as const;
export type PaymentMethodKind = (typeof PAYMENT_METHODS)[number];

export interface OneOffPayment {
  organizationId: string;
  actorId: string | null;
  accountId: string;
  amountMinor: bigint;
  date: string;
  method: PaymentMethodKind;
  paymentMethodId?: string;
  invoiceId?: string;
  /** the request's Idempotency-Key: the same key never moves money twice */
  idempotencyKey?: string;
}

export interface OneOffResult {
  document: LedgerDocument;
  status: 'received' | 'succeeded' | 'pending';
  transactionId: string | null;
  allocatedMinor: bigint;
}

export interface RefundInput {
  organizationId: string;
  actorId: string | null;
  accountId: string;
  paymentId: string;
  amountMinor: bigint;
  date?: string;
  idempotencyKey?: string;
}

export interface RefundOutcome {
  /** succeeded: through the gateway; paid_out: a cash/cheque payment given back by hand; failed: refused */
  status: 'succeeded' | 'paid_out' | 'failed';
  document: LedgerDocument | null;
  paymentId: string;
  amountMinor: bigint;
  date: string;
  transactionId: string | null;
  code?: string;
  failedTransactionId?: string;
}

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

function assertGateway(gateway: PaymentGateway): void {
  if (gateway === noGateway) throw new AppError('unavailable', 'no payment gateway configured');
}

type GatewayAnswer = { status: 'succeeded' | 'pending' | 'failed'; gatewayRef: string; code?: string };

/** What one money-moving attempt is for, and what its result changes. */
interface Attempt {
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

const SETTLEMENT_PAGE = 100;

/**
 * The money-moving service: one-off payments and refunds, scheduled charges, retries of Action Center
 * entries, portal payments and eCheck settlement.
 *
 * Crash safety: a gateway call is never made inside a long transaction. Every call carries an
 * idempotency key derived from what it is for (`sp:<id>:<attempt>`, `ft:<id>:<attempts>`, …), and its
 * result is recorded by inserting the `transactions` row with that key in the same transaction as every
 * effect (documents, allocations, entries): the insert that wins does the work, a repeat finds the row
 * and answers the same. Re-running after a crash calls the gateway again with the same key, which
 * replays its answer without moving money, and then finishes the recording.
 */
export class PaymentsService {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      gateway: PaymentGateway;
      ledger: LedgerService;
      documents: DocumentsService;
      audit: AuditService;
      queue: JobQueue;
      organizations: OrganizationsService;
      accounts: AccountsService;
      paymentMethods: PaymentMethodsService;
    },
  ) {}

  // ---------------------------------------------------------------- one-off payments

  /**
   * cash | cheque | other: received, posted at once. card: charged now; a decline is a 402 and writes
   * nothing to the ledger. echeck: presented now, a pending document until the settlement job decides.
   * With an invoice, the posted payment is allocated to it as far as both open amounts allow.
   */
  async chargeOneOff(input: OneOffPayment): Promise<OneOffResult> {
    const { organizationId, accountId } = input;
    const { db, ledger, audit } = this.deps;
    await this.deps.accounts.get(organizationId, accountId);
    const org = await this.deps.organizations.get(organizationId);
    if (input.invoiceId) await this.deps.documents.invoiceOf(db, organizationId, accountId, input.invoiceId);
    const invoiceId = input.invoiceId ?? null;

    if (input.method !== 'card' && input.method !== 'echeck') {
      if (input.paymentMethodId) {
        throw validation('paymentMethodId is only for card and echeck payments', [
          { field: 'body.paymentMethodId', message: `is not used with method ${input.method}` },
        ]);
      }
      return db.transaction(async (tx) => {
        const document = await ledger.createDocument(tx, {
          organizationId,
          accountId,
          kind: 'payment',
          amountMinor: input.amountMinor,
          currency: org.currency,
          date: input.date,
          method: input.method,
          forInvoiceId: invoiceId,
        });
        const allocation = invoiceId
          ? await this.allocateToInvoice(
              tx,
              organizationId,
              accountId,
              document.id,
              invoiceId,
              'payment',
              input.actorId,
            )
          : null;
        await audit.record(tx, {
          organizationId,
          actorId: input.actorId,
          action: 'payment.recorded',
          subjectType: 'payment',
          subjectId: document.id,
          details: { accountId, amount: Number(input.amountMinor), method: input.method, invoiceId },
        });
        return {
          document: await ledger.getDocument(tx, organizationId, document.id),
          status: 'received' as const,
          transactionId: null,
          allocatedMinor: allocation?.amountMinor ?? 0n,
        };
      });
    }

    if (!input.paymentMethodId) {
      throw validation(`a ${input.method} payment needs paymentMethodId`, [
        { field: 'body.paymentMethodId', message: `is required for method ${input.method}` },
      ]);
    }
    const method = await this.deps.paymentMethods.get(organizationId, input.paymentMethodId, { accountId });
    if (method.type !== input.method) {
      throw businessRule(
        `payment method ${method.id} is a${method.type === 'card' ? ' card' : 'n eCheck account'}`,
      );
    }
    const key = `oneoff:${input.idempotencyKey ?? newId('transaction')}`;
    const attempt: Attempt = {
      org,
      accountId,
      amountMinor: input.amountMinor,
      method,
      idempotencyKey: key,
      mode: 'one_off',
      invoiceId,
      scheduledPayment: null,
      entry: null,
      actorId: input.actorId,
      date: input.date,
    };
    const answer = await this.present(attempt);
    const recorded = await db.transaction((tx) => this.recordAttempt(tx, attempt, answer));
    if (recorded.outcome.status === 'failed') {
      const code = recorded.outcome.code ?? 'processing_error';
      throw new AppError('payment_declined', failureMessage(code, 'en-CA'), {
        extra: { code, transactionId: recorded.outcome.transactionId },
      });
    }
    const document = await ledger.getDocument(db, organizationId, recorded.txn.documentId!);
    const [allocated] = await db
      .select({ total: sql<unknown>`coalesce(sum(${allocations.amountMinor}), 0)` })
      .from(allocations)
      .where(and(eq(allocations.organizationId, organizationId), eq(allocations.creditId, document.id)));
    return {
      document,
      status: recorded.outcome.status === 'pending' ? 'pending' : 'succeeded',
      transactionId: recorded.txn.id,
      allocatedMinor: big(allocated?.total),
    };
  }

  // ---------------------------------------------------------------- refunds

  /**
   * Gives money back from a payment: through the gateway to the payment's method (card, eCheck), or
   * recorded as paid out by hand (cash, cheque, other). At most what is refundable on the payment (its
   * amount less earlier refunds, refunds under way and failed refunds still in the Action Center).
   * The refund debit exists only when the money went out; a refusal becomes a `refund` entry.
   */
  async refund(input: RefundInput): Promise<RefundOutcome> {
    const { organizationId, accountId } = input;
    const { db, ledger, audit } = this.deps;
    await this.deps.accounts.get(organizationId, accountId);
    const org = await this.deps.organizations.get(organizationId);
    const payment = await ledger.getDocument(db, organizationId, input.paymentId).catch(() => null);
    if (!payment || payment.accountId !== accountId) throw notFound('payment');
    if (payment.kind !== 'payment') throw businessRule(`${payment.id} is not a payment`);
    if (payment.status !== 'posted')
      throw businessRule(`${payment.id} is not posted (a pending eCheck cannot be refunded yet)`);
    const date = input.date ?? todayIn(org.timezone, this.deps.clock.now());

    if (!payment.paymentMethodId || (payment.method !== 'card' && payment.method !== 'echeck')) {
      return db.transaction(async (tx) => {
        await this.checkRefundable(tx, organizationId, payment.id, input.amountMinor);
        const document = await ledger.createDocument(tx, {
          organizationId,
          accountId,
          kind: 'refund',
          amountMinor: input.amountMinor,
          currency: payment.currency,
          date,
          method: payment.method,
          refundedDocumentId: payment.id,
          description: 'Paid out manually',
        });
        await this.allocateRefund(
          tx,
          organizationId,
          accountId,
          payment.id,
          document.id,
          input.amountMinor,
          input.actorId,
        );
        await audit.record(tx, {
          organizationId,
          actorId: input.actorId,
          action: 'refund.paid_out',
          subjectType: 'refund',
          subjectId: document.id,
          details: {
            accountId,
            paymentId: payment.id,
            amount: Number(input.amountMinor),
            method: payment.method,
          },
        });
        return {
          status: 'paid_out' as const,
          document: await ledger.getDocument(tx, organizationId, document.id),
          paymentId: payment.id,
          amountMinor: input.amountMinor,
          date,
          transactionId: null,
        };
      });
    }

    const gateway = this.deps.gateway;
    assertGateway(gateway);
    const method = await this.deps.paymentMethods.get(organizationId, payment.paymentMethodId);
    const key = `refund:${input.idempotencyKey ?? newId('transaction')}`;
    // Reserve: the refund transaction is written `pending` under the payment's row lock, so two
    // concurrent refunds can never give back more than was paid.
    const reserved = await db.transaction(async (tx) => {
      await ledger.lockDocuments(tx, organizationId, [payment.id]);
      const [seen] = await tx
        .select()
        .from(transactions)
        .where(and(eq(transactions.organizationId, organizationId), eq(transactions.idempotencyKey, key)));
      if (seen) return seen;
      await this.checkRefundable(tx, organizationId, payment.id, input.amountMinor);
      const [txn] = await tx
        .insert(transactions)
        .values({
          organizationId,
          id: newId('transaction'),
          accountId,
          kind: 'refund',
          purpose: 'refund',
          status: 'pending',
          amountMinor: input.amountMinor,
          currency: payment.currency,
          paymentMethodId: method.id,
          idempotencyKey: key,
          refundedDocumentId: payment.id,
          presentedDate: date,
          createdAt: this.deps.clock.now(),
        })
        .returning();
      return txn!;
    });
    if (reserved.status === 'pending') {
      let result: Awaited<ReturnType<PaymentGateway['refund']>>;
      try {
        result = await gateway.refund({
          organizationId,
          token: method.gatewayToken,
          amountMinor: input.amountMinor,
          currency: payment.currency,
          idempotencyKey: key,
        });
      } catch (err) {
        // The gateway did not answer: free the reservation (the same key replays if it did move money).
        await db
          .delete(transactions)
          .where(
            and(
              eq(transactions.organizationId, organizationId),
              eq(transactions.id, reserved.id),
              eq(transactions.status, 'pending'),
            ),
          );
        throw err;
      }
      await db.transaction((tx) =>
        this.finishRefund(tx, org, reserved, payment, method, result, { actorId: input.actorId, date }),
      );
    }
    const [txn] = await db
      .select()
      .from(transactions)
      .where(and(eq(transactions.organizationId, organizationId), eq(transactions.id, reserved.id)));
    const [entry] = await db
      .select({ id: failedTransactions.id })
      .from(failedTransactions)
      .where(
        and(
          eq(failedTransactions.organizationId, organizationId),
          eq(failedTransactions.lastTransactionId, txn!.id),
        ),
      );
    return {
      status: txn!.status === 'succeeded' ? 'succeeded' : 'failed',
      document: txn!.documentId ? await ledger.getDocument(db, organizationId, txn!.documentId) : null,
      paymentId: payment.id,
      amountMinor: txn!.amountMinor,
      date: txn!.presentedDate ?? date,
      transactionId: txn!.id,
      ...(txn!.failureCode ? { code: txn!.failureCode } : {}),
      ...(entry ? { failedTransactionId: entry.id } : {}),
    };
  }

  /** What may still be refunded on a payment (its amount less refunds made, under way or failed and open). */
  async refundableOn(db: Db, organizationId: string, paymentId: string): Promise<bigint> {
    const payment = await this.deps.ledger.getDocument(db, organizationId, paymentId);
    const [refunded] = await db
      .select({ total: sql<unknown>`coalesce(sum(${documents.amountMinor}), 0)` })
      .from(documents)
      .where(
        and(
          eq(documents.organizationId, organizationId),
          eq(documents.refundedDocumentId, paymentId),
          eq(documents.kind, 'refund'),
          eq(documents.status, 'posted'),
        ),
      );
    const [underWay] = await db
      .select({ total: sql<unknown>`coalesce(sum(${transactions.amountMinor}), 0)` })
      .from(transactions)
      .where(
        and(
          eq(transactions.organizationId, organizationId),
          eq(transactions.refundedDocumentId, paymentId),
          eq(transactions.kind, 'refund'),
          eq(transactions.status, 'pending'),
        ),
      );
    const [failedOpen] = await db
      .select({ total: sql<unknown>`coalesce(sum(${failedTransactions.amountMinor}), 0)` })
      .from(failedTransactions)
      .where(
        and(
          eq(failedTransactions.organizationId, organizationId),
          eq(failedTransactions.refundedDocumentId, paymentId),
          eq(failedTransactions.type, 'refund'),
          inArray(failedTransactions.status, ['open', 'retrying']),
        ),
      );
    return payment.amountMinor - big(refunded?.total) - big(underWay?.total) - big(failedOpen?.total);
  }

  private async checkRefundable(tx: Db, organizationId: string, paymentId: string, amountMinor: bigint) {
    const refundable = await this.refundableOn(tx, organizationId, paymentId);
    if (amountMinor > refundable) {
      throw businessRule(`at most ${refundable} can still be refunded on ${paymentId}`, {
        refundableAmount: Number(refundable),
      });
    }
  }

  private async finishRefund(
    tx: Db,
    org: Organization,
    reserved: Transaction,
    payment: LedgerDocument,
    method: PaymentMethod,
    result: GatewayAnswer | Awaited<ReturnType<PaymentGateway['refund']>>,
    opts: { actorId: string | null; date: string },
  ) {
    const organizationId = org.id;
    const now = this.deps.clock.now();
    const documentId = result.status === 'succeeded' ? newId('refund') : null;
    const [moved] = await tx
      .update(transactions)
      .set({
        status: result.status === 'succeeded' ? 'succeeded' : 'failed',
        gatewayRef: result.gatewayRef,
        failureCode: result.status === 'failed' ? (result.code ?? 'processing_error') : null,
        documentId,
        settledAt: now,
      })
      .where(
        and(
          eq(transactions.organizationId, organizationId),
          eq(transactions.id, reserved.id),
          eq(transactions.status, 'pending'),
        ),
      )
      .returning();
    if (!moved) return; // recorded by a concurrent call with the same key
    if (result.status === 'succeeded') {
      await this.postRefund(tx, moved, payment, documentId!, opts.date, opts.actorId);
      return;
    }
    const code = result.code ?? 'processing_error';
    const entryId = newId('failedTransaction');
    await tx.insert(failedTransactions).values({
      organizationId,
      id: entryId,
      accountId: payment.accountId,
      type: 'refund',
      status: 'open',
      paymentId: result.gatewayRef,
      amountMinor: moved.amountMinor,
      currency: moved.currency,
      paymentMethodId: method.id,
      paymentMethodType: method.type,
      reasonCode: code,
      attempts: 1,
      firstFailedAt: now,
      failedAt: now,
      originalAt: now,
      refundedDocumentId: payment.id,
      lastTransactionId: moved.id,
      createdAt: now,
    });
    await tx
      .update(transactions)
      .set({ failedTransactionId: entryId })
      .where(and(eq(transactions.organizationId, organizationId), eq(transactions.id, moved.id)));
    await this.deps.audit.record(tx, {
      organizationId,
      actorId: opts.actorId,
      action: 'refund.failed',
      subjectType: 'failed_transaction',
      subjectId: entryId,
      details: { paymentId: payment.id, amount: Number(moved.amountMinor), code, transactionId: moved.id },
    });
    // FT11: no customer notice for a refund (the merchant account lacks funds, not the customer).
  }

  private async postRefund(
    tx: Db,
    txn: Transaction,
    payment: LedgerDocument,
    documentId: string,
    date: string,
    actorId: string | null,
  ) {
    const document = await this.deps.ledger.createDocument(tx, {
      id: documentId,
      organizationId: txn.organizationId,
      accountId: payment.accountId,
      kind: 'refund',
      amountMinor: txn.amountMinor,
      currency: txn.currency,
      date,
      reference: txn.gatewayRef,
      method: payment.method,
      paymentMethodId: txn.paymentMethodId,
      refundedDocumentId: payment.id,
      transactionId: txn.id,
    });
    await this.allocateRefund(
      tx,
      txn.organizationId,
      payment.accountId,
      payment.id,
      document.id,
      txn.amountMinor,
      actorId,
    );
    await this.deps.audit.record(tx, {
      organizationId: txn.organizationId,
      actorId,
      action: 'refund.succeeded',
      subjectType: 'refund',
      subjectId: document.id,
      details: { paymentId: payment.id, amount: Number(txn.amountMinor), transactionId: txn.id },
    });
  }

  /**
   * The refund debit is allocated to the payment it refunds. When the payment was already allocated
   * (to an invoice), those allocations are released newest first as far as needed — the money went
   * back, so the invoice is open again — and re-made for any excess.
   */
  private async allocateRefund(
    tx: Db,
    organizationId: string,
    accountId: string,
    paymentId: string,
    refundId: string,
    amountMinor: bigint,
    actorId: string | null,
  ) {
    const { ledger } = this.deps;
    const locked = await ledger.lockDocuments(tx, organizationId, [paymentId]);
    const payment = locked.get(paymentId)!;
    let need = amountMinor - payment.openMinor;
    if (need > 0n) {
      const given = await tx
        .select({ allocation: allocations, debitKind: documents.kind })
        .from(allocations)
        .innerJoin(
          documents,
          and(
            eq(documents.organizationId, allocations.organizationId),
            eq(documents.id, allocations.debitId),
          ),
        )
        .where(and(eq(allocations.organizationId, organizationId), eq(allocations.creditId, paymentId)))
        .orderBy(desc(allocations.createdAt), desc(allocations.id));
      for (const { allocation, debitKind } of given) {
        if (need <= 0n) break;
        if (debitKind === 'refund') continue; // another refund of this payment keeps its money
        await ledger.deleteAllocation(tx, organizationId, allocation.id);
        const released = minBig(allocation.amountMinor, need);
        need -= released;
        const back = allocation.amountMinor - released;
        if (back > 0n) {
          await ledger.allocate(tx, {
            organizationId,
            accountId,
            creditId: paymentId,
            debitId: allocation.debitId,
            amountMinor: back,
            source: allocation.source,
            batchId: allocation.batchId,
            actorId: allocation.createdBy,
          });
        }
      }
    }
    await ledger.allocateUpTo(tx, {
      organizationId,
      accountId,
      creditId: paymentId,
      debitId: refundId,
      amountMinor,
      source: 'refund',
      actorId,
    });
  }

  // ---------------------------------------------------------------- scheduled charges

  /**
   * Charges one scheduled payment with the method its subscription or plan has NOW (FT5). The row is
   * claimed (`processing`, attempts + 1) first; the idempotency key `sp:<id>:<attempt>` makes a
   * second run of the same attempt replay instead of charging again.
   */
  async runScheduledCharge(organizationId: string, scheduledPaymentId: string): Promise<ChargeOutcome> {
    assertGateway(this.deps.gateway);
    const { db } = this.deps;
    const org = await this.deps.organizations.get(organizationId);
    const prepared = await db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(scheduledPayments)
        .where(
          and(
            eq(scheduledPayments.organizationId, organizationId),
            eq(scheduledPayments.id, scheduledPaymentId),
          ),
        )
        .for('update');
      if (!row) throw notFound('scheduled payment');
      let sp = row;
      if (sp.status === 'scheduled') {
        const [claimed] = await tx
          .update(scheduledPayments)
          .set({ status: 'processing', attempts: sql`${scheduledPayments.attempts} + 1` })
          .where(and(eq(scheduledPayments.organizationId, organizationId), eq(scheduledPayments.id, sp.id)))
          .returning();
        sp = claimed!;
      } else if (sp.status !== 'processing') {
        return { done: await this.lastOutcome(tx, organizationId, sp), sp: null };
      }
      const key = `sp:${sp.id}:${sp.attempts}`;
      const seen = await this.transactionByKey(tx, organizationId, key);
      if (seen) return { done: outcomeOf(seen), sp: null };
      if (sp.source === 'subscription' && !sp.invoiceId) sp = await this.issuePeriodInvoice(tx, org, sp);
      if (sp.source === 'subscription') await this.ensureNextPeriod(tx, organizationId, sp.subscriptionId!);
      const method = await this.currentMethod(tx, organizationId, sp);
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
    const answer = await this.present(attempt);
    return (await db.transaction((tx) => this.recordAttempt(tx, attempt, answer))).outcome;
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

  /** One upcoming charge per active subscription, always: the next period's, once this one runs. */
  async ensureNextPeriod(tx: Db, organizationId: string, subscriptionId: string): Promise<void> {
    const [sub] = await tx
      .select()
      .from(subscriptions)
      .where(and(eq(subscriptions.organizationId, organizationId), eq(subscriptions.id, subscriptionId)))
      .for('update');
    if (!sub || sub.status !== 'active') return;
    const [upcoming] = await tx
      .select({ n: count() })
      .from(scheduledPayments)
      .where(
        and(
          eq(scheduledPayments.organizationId, organizationId),
          eq(scheduledPayments.subscriptionId, subscriptionId),
          eq(scheduledPayments.status, 'scheduled'),
        ),
      );
    if (Number(upcoming?.n ?? 0) > 0) return;
    const [periods] = await tx
      .select({ n: count() })
      .from(scheduledPayments)
      .where(
        and(
          eq(scheduledPayments.organizationId, organizationId),
          eq(scheduledPayments.subscriptionId, subscriptionId),
        ),
      );
    await tx.insert(scheduledPayments).values({
      organizationId,
      id: newId('scheduledPayment'),
      accountId: sub.accountId,
      source: 'subscription',
      subscriptionId,
      dueDate: periodDate(sub, Number(periods?.n ?? 0)),
      amountMinor: sub.amountMinor,
      createdAt: this.deps.clock.now(),
    });
  }

  /** FT5: the method is read from the subscription or plan at charge time, never copied. */
  private async currentMethod(tx: Db, organizationId: string, sp: ScheduledPayment): Promise<PaymentMethod> {
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

  // ---------------------------------------------------------------- Action Center entries

  /**
   * One new gateway attempt for an entry: a subscription/installment charge with the method the
   * sub/plan has NOW (FT5), an eCheck presented again, or a refund made again. The key
   * `ft:<id>:<attempts>` is the same for every call about the same attempt: repeated or concurrent
   * calls never move money twice (FT4).
   */
  async retryFailedTransaction(organizationId: string, failedTransactionId: string): Promise<ChargeOutcome> {
    assertGateway(this.deps.gateway);
    const { db, ledger } = this.deps;
    const org = await this.deps.organizations.get(organizationId);
    const entry = await this.entry(db, organizationId, failedTransactionId);
    if (entry.status === 'resolved' && entry.lastTransactionId) {
      return { status: 'succeeded', transactionId: entry.lastTransactionId };
    }
    if (entry.status !== 'open' && entry.status !== 'retrying') {
      throw conflict(`failed transaction ${entry.id} is ${entry.status}`);
    }
    const key = `ft:${entry.id}:${entry.attempts}`;
    const seen = await this.transactionByKey(db, organizationId, key);
    if (seen) return outcomeOf(seen);

    if (entry.type === 'refund') {
      const payment = await ledger.getDocument(db, organizationId, entry.refundedDocumentId!);
      const method = await this.deps.paymentMethods.get(organizationId, payment.paymentMethodId!);
      const result = await this.deps.gateway.refund({
        organizationId,
        token: method.gatewayToken,
        amountMinor: entry.amountMinor,
        currency: entry.currency,
        idempotencyKey: key,
      });
      return db.transaction((tx) => this.recordRefundRetry(tx, org, entry, payment, method, key, result));
    }

    let sp: ScheduledPayment | null = null;
    let method: PaymentMethod;
    let amountMinor = entry.amountMinor;
    let invoiceId = entry.invoiceId;
    if (entry.scheduledPaymentId) {
      const [row] = await db
        .select()
        .from(scheduledPayments)
        .where(
          and(
            eq(scheduledPayments.organizationId, organizationId),
            eq(scheduledPayments.id, entry.scheduledPaymentId),
          ),
        );
      if (!row) throw notFound('scheduled payment');
      if (row.status === 'paid') throw conflict(`scheduled payment ${row.id} is already paid`);
      sp = row;
      amountMinor = row.amountMinor;
      invoiceId = row.invoiceId;
      method = await this.currentMethod(db, organizationId, row);
    } else {
      if (!entry.paymentMethodId) throw conflict(`failed transaction ${entry.id} has no payment method`);
      method = await this.deps.paymentMethods.get(organizationId, entry.paymentMethodId);
    }
    const attempt: Attempt = {
      org,
      accountId: entry.accountId,
      amountMinor,
      method,
      idempotencyKey: key,
      mode: 'retry',
      invoiceId,
      scheduledPayment: sp,
      entry,
      actorId: entry.retryRequestedBy,
    };
    const answer = await this.present(attempt);
    return (await db.transaction((tx) => this.recordAttempt(tx, attempt, answer))).outcome;
  }

  /**
   * The owner pays an entry's amount in the portal with a card: posted and allocated to the entry's
   * invoice. The entry stays (FT7) until someone ignores it; its scheduled payment, if any, is paid.
   */
  async payFailedTransaction(
    organizationId: string,
    failedTransactionId: string,
    paymentMethodId: string,
  ): Promise<ChargeOutcome> {
    assertGateway(this.deps.gateway);
    const { db } = this.deps;
    const org = await this.deps.organizations.get(organizationId);
    const entry = await this.entry(db, organizationId, failedTransactionId);
    if (entry.type === 'refund') throw businessRule('a failed refund is not paid by the customer');
    if (entry.status !== 'open' && entry.status !== 'retrying') {
      throw conflict(`failed transaction ${entry.id} is ${entry.status}`);
    }
    const method = await this.deps.paymentMethods.get(organizationId, paymentMethodId, {
      accountId: entry.accountId,
    });
    if (method.type !== 'card') throw businessRule('the portal pays with a card');
    const earlier = await db
      .select()
      .from(transactions)
      .where(
        and(
          eq(transactions.organizationId, organizationId),
          eq(transactions.failedTransactionId, entry.id),
          eq(transactions.purpose, 'portal'),
        ),
      )
      .orderBy(asc(transactions.createdAt), asc(transactions.id));
    const paid = earlier.find((t) => t.status === 'succeeded');
    if (paid) return outcomeOf(paid);
    let sp: ScheduledPayment | null = null;
    if (entry.scheduledPaymentId) {
      const [row] = await db
        .select()
        .from(scheduledPayments)
        .where(
          and(
            eq(scheduledPayments.organizationId, organizationId),
            eq(scheduledPayments.id, entry.scheduledPaymentId),
          ),
        );
      sp = row ?? null;
      if (sp?.status === 'paid') throw conflict(`scheduled payment ${sp.id} is already paid`);
    }
    const attempt: Attempt = {
      org,
      accountId: entry.accountId,
      amountMinor: entry.amountMinor,
      method,
      idempotencyKey: `portal:${entry.id}:${earlier.length}`,
      mode: 'portal',
      invoiceId: entry.invoiceId,
      scheduledPayment: sp,
      entry,
      actorId: null,
    };
    const answer = await this.present(attempt);
    return (await db.transaction((tx) => this.recordAttempt(tx, attempt, answer))).outcome;
  }

  private async entry(db: Db, organizationId: string, id: string): Promise<FailedTransaction> {
    const [entry] = await db
      .select()
      .from(failedTransactions)
      .where(and(eq(failedTransactions.organizationId, organizationId), eq(failedTransactions.id, id)));
    if (!entry) throw notFound('failed transaction');
    return entry;
  }

  private async recordRefundRetry(
    tx: Db,
    org: Organization,
    entry: FailedTransaction,
    payment: LedgerDocument,
    method: PaymentMethod,
    key: string,
    result: Awaited<ReturnType<PaymentGateway['refund']>>,
  ): Promise<ChargeOutcome> {
    const now = this.deps.clock.now();
    const documentId = result.status === 'succeeded' ? newId('refund') : null;
    const { txn, inserted } = await this.insertTransaction(tx, {
      organizationId: org.id,
      id: newId('transaction'),
      accountId: entry.accountId,
      kind: 'refund',
      purpose: 'retry',
      status: result.status,
      amountMinor: entry.amountMinor,
      currency: entry.currency,
      paymentMethodId: method.id,
      gatewayRef: result.gatewayRef,
      failureCode: result.status === 'failed' ? result.code : null,
      idempotencyKey: key,
      failedTransactionId: entry.id,
      documentId,
      refundedDocumentId: payment.id,
      presentedDate: todayIn(org.timezone, now),
      createdAt: now,
      settledAt: now,
    });
    if (!inserted) return outcomeOf(txn);
    if (result.status === 'succeeded') {
      await this.resolveEntry(tx, entry, txn);
      await this.postRefund(
        tx,
        txn,
        payment,
        documentId!,
        todayIn(org.timezone, now),
        entry.retryRequestedBy,
      );
    } else {
      await this.failEntryAgain(tx, entry, txn, result.code);
    }
    return outcomeOf(txn);
  }

  // ---------------------------------------------------------------- the gateway and the recording

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
  private async recordAttempt(
    tx: Db,
    a: Attempt,
    answer: GatewayAnswer,
  ): Promise<{ outcome: ChargeOutcome; txn: Transaction }> {
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
    const { txn, inserted } = await this.insertTransaction(tx, {
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
      const document = await this.deps.ledger.createDocument(tx, {
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
          await this.allocateToInvoice(
            tx,
            organizationId,
            a.accountId,
            document.id,
            a.invoiceId,
            a.mode === 'retry' ? 'retry' : 'payment',
            a.actorId,
          );
        }
        if (sp) await this.markPaid(tx, sp);
        if (a.entry && a.mode === 'retry') await this.resolveEntry(tx, a.entry, txn);
      } else {
        // eCheck presented: pending until the settlement job; the scheduled payment is under way.
        if (sp) await this.setScheduledStatus(tx, sp, 'processing');
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
      await this.deps.audit.record(tx, {
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
      if (answer.status === 'pending') await this.deps.ledger.touch(tx, organizationId, a.accountId);
      return { outcome: outcomeOf(txn), txn };
    }

    // Failed: the ledger is untouched.
    const code = answer.code ?? 'processing_error';
    if (a.mode === 'retry' && a.entry) {
      await this.failEntryAgain(tx, a.entry, txn, code);
    } else if (a.mode === 'charge' && sp) {
      await this.setScheduledStatus(tx, sp, 'failed');
      await this.recordScheduledFailure(tx, a.org, sp, a.method, txn, code);
    } else {
      await this.deps.audit.record(tx, {
        organizationId,
        actorId: a.actorId,
        action: 'payment.declined',
        subjectType: 'transaction',
        subjectId: txn.id,
        details: { accountId: a.accountId, amount: Number(a.amountMinor), code, mode: a.mode },
      });
    }
    await this.deps.ledger.touch(tx, organizationId, a.accountId);
    return { outcome: outcomeOf(txn), txn };
  }

  private async insertTransaction(
    tx: Db,
    values: typeof transactions.$inferInsert,
  ): Promise<{ txn: Transaction; inserted: boolean }> {
    const [inserted] = await tx
      .insert(transactions)
      .values(values)
      .onConflictDoNothing({ target: [transactions.organizationId, transactions.idempotencyKey] })
      .returning();
    if (inserted) return { txn: inserted, inserted: true };
    const seen = await this.transactionByKey(tx, values.organizationId, values.idempotencyKey);
    if (!seen) throw new Error(`transaction ${values.idempotencyKey} conflicted but was not found`);
    return { txn: seen, inserted: false };
  }

  private async transactionByKey(db: Db, organizationId: string, key: string): Promise<Transaction | null> {
    const [seen] = await db
      .select()
      .from(transactions)
      .where(and(eq(transactions.organizationId, organizationId), eq(transactions.idempotencyKey, key)));
    return seen ?? null;
  }

  private async allocateToInvoice(
    tx: Db,
    organizationId: string,
    accountId: string,
    creditId: string,
    invoiceId: string,
    source: string,
    actorId: string | null,
  ): Promise<Allocation | null> {
    return this.deps.ledger.allocateUpTo(tx, {
      organizationId,
      accountId,
      creditId,
      debitId: invoiceId,
      source,
      actorId,
    });
  }

  private async setScheduledStatus(tx: Db, sp: ScheduledPayment, status: ScheduledPayment['status']) {
    await tx
      .update(scheduledPayments)
      .set({ status })
      .where(and(eq(scheduledPayments.organizationId, sp.organizationId), eq(scheduledPayments.id, sp.id)));
  }

  private async markPaid(tx: Db, sp: ScheduledPayment) {
    await this.setScheduledStatus(tx, sp, 'paid');
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

  private async resolveEntry(tx: Db, entry: FailedTransaction, txn: Transaction) {
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
  }

  /** A retry failed: the entry is back on the list with the new reason and one more attempt (FT3). */
  private async failEntryAgain(tx: Db, entry: FailedTransaction, txn: Transaction, code: string | undefined) {
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
    await this.deps.audit.record(tx, {
      organizationId: entry.organizationId,
      actorId: entry.retryRequestedBy,
      action: 'failed_transaction.retry_failed',
      subjectType: 'failed_transaction',
      subjectId: entry.id,
      details: { transactionId: txn.id, code: code ?? 'processing_error' },
    });
  }

  /**
   * FT1: a subscription or installment charge failed. One entry per scheduled payment: a later failure
   * of the same one updates it. The customer notice (FT11) is a job enqueued in this transaction.
   */
  private async recordScheduledFailure(
    tx: Db,
    org: Organization,
    sp: ScheduledPayment,
    method: PaymentMethod,
    txn: Transaction,
    code: string,
  ): Promise<string> {
    const now = this.deps.clock.now();
    const [existing] = await tx
      .select()
      .from(failedTransactions)
      .where(
        and(eq(failedTransactions.organizationId, org.id), eq(failedTransactions.scheduledPaymentId, sp.id)),
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
        .where(and(eq(failedTransactions.organizationId, org.id), eq(failedTransactions.id, existing.id)));
    } else {
      entryId = newId('failedTransaction');
      await tx.insert(failedTransactions).values({
        organizationId: org.id,
        id: entryId,
        accountId: sp.accountId,
        type: sp.source,
        status: 'open',
        paymentId: txn.gatewayRef ?? txn.id,
        amountMinor: sp.amountMinor,
        currency: txn.currency,
        paymentMethodId: method.id,
        paymentMethodType: method.type,
        reasonCode: code,
        attempts: 1,
        firstFailedAt: now,
        failedAt: now,
        originalAt: txn.createdAt,
        scheduledPaymentId: sp.id,
        invoiceId: sp.invoiceId,
        lastTransactionId: txn.id,
        createdAt: now,
      });
    }
    await tx
      .update(transactions)
      .set({ failedTransactionId: entryId })
      .where(and(eq(transactions.organizationId, org.id), eq(transactions.id, txn.id)));
    await this.deps.queue.enqueue(tx, 'customer-notice', {
      organizationId: org.id,
      failedTransactionId: entryId,
    });
    await this.deps.audit.record(tx, {
      organizationId: org.id,
      actorId: null,
      action: 'payment.failed',
      subjectType: 'failed_transaction',
      subjectId: entryId,
      details: { scheduledPaymentId: sp.id, code, transactionId: txn.id, type: sp.source },
    });
    return entryId;
  }

  // ---------------------------------------------------------------- eCheck settlement

  /**
   * The `echeck-settlement` job for one organization: every pending eCheck debit presented two business
   * days or more before today asks the gateway how it ended. Settled → the payment is posted and
   * allocated to its invoice; returned → the document is void and an entry records the R code.
   */
  async settleEchecks(
    organizationId: string,
  ): Promise<{ checked: number; settled: number; returned: number }> {
    assertGateway(this.deps.gateway);
    const { db } = this.deps;
    const org = await this.deps.organizations.get(organizationId);
    const today = todayIn(org.timezone, this.deps.clock.now());
    const result = { checked: 0, settled: 0, returned: 0 };
    let after: { date: string; id: string } | null = null;
    for (;;) {
      const conditions = [
        eq(transactions.organizationId, organizationId),
        eq(transactions.kind, 'echeck_debit'),
        eq(transactions.status, 'pending'),
        lte(transactions.presentedDate, today),
      ];
      if (after) {
        conditions.push(
          or(
            gt(transactions.presentedDate, after.date),
            and(eq(transactions.presentedDate, after.date), gt(transactions.id, after.id)),
          )!,
        );
      }
      const page = await db
        .select()
        .from(transactions)
        .where(and(...conditions))
        .orderBy(asc(transactions.presentedDate), asc(transactions.id))
        .limit(SETTLEMENT_PAGE);
      let stop = false;
      for (const txn of page) {
        // Presented dates only grow along the page: the first one not old enough ends the run.
        if (addBusinessDays(txn.presentedDate!, 2) > today) {
          stop = true;
          break;
        }
        result.checked++;
        const outcome = await this.deps.gateway.echeckOutcome({
          organizationId,
          gatewayRef: txn.gatewayRef!,
        });
        const done = await db.transaction((tx) => this.recordSettlement(tx, org, txn, outcome));
        if (done === 'settled') result.settled++;
        if (done === 'returned') result.returned++;
      }
      const last = page[page.length - 1];
      if (stop || page.length < SETTLEMENT_PAGE || !last) break;
      after = { date: last.presentedDate!, id: last.id };
    }
    return result;
  }

  private async recordSettlement(
    tx: Db,
    org: Organization,
    pending: Transaction,
    outcome: Awaited<ReturnType<PaymentGateway['echeckOutcome']>>,
  ): Promise<'settled' | 'returned' | null> {
    const organizationId = org.id;
    const now = this.deps.clock.now();
    const [txn] = await tx
      .update(transactions)
      .set({
        status: outcome.status,
        failureCode: outcome.status === 'returned' ? outcome.code : null,
        settledAt: now,
      })
      .where(
        and(
          eq(transactions.organizationId, organizationId),
          eq(transactions.id, pending.id),
          eq(transactions.status, 'pending'),
        ),
      )
      .returning();
    if (!txn) return null; // another run recorded it
    const [sp] = txn.scheduledPaymentId
      ? await tx
          .select()
          .from(scheduledPayments)
          .where(
            and(
              eq(scheduledPayments.organizationId, organizationId),
              eq(scheduledPayments.id, txn.scheduledPaymentId),
            ),
          )
      : [];
    const entry = txn.failedTransactionId
      ? await this.entry(tx, organizationId, txn.failedTransactionId)
      : null;
    const isRetry = txn.purpose === 'retry' && entry !== null;

    if (outcome.status === 'settled') {
      const document = await this.deps.ledger.postPending(tx, organizationId, txn.documentId!);
      if (txn.forInvoiceId) {
        await this.allocateToInvoice(
          tx,
          organizationId,
          txn.accountId,
          document.id,
          txn.forInvoiceId,
          isRetry ? 'retry' : 'payment',
          null,
        );
      }
      if (sp) await this.markPaid(tx, sp);
      if (isRetry) await this.resolveEntry(tx, entry, txn);
      await this.deps.audit.record(tx, {
        organizationId,
        actorId: null,
        action: 'payment.settled',
        subjectType: 'payment',
        subjectId: document.id,
        details: { transactionId: txn.id, invoiceId: txn.forInvoiceId },
      });
      return 'settled';
    }

    await this.deps.ledger.voidPending(tx, organizationId, txn.documentId!);
    const method = await this.deps.paymentMethods.get(organizationId, txn.paymentMethodId!, { db: tx });
    if (isRetry) {
      await this.failEntryAgain(tx, entry, txn, outcome.code);
      if (sp) await this.setScheduledStatus(tx, sp, 'failed');
    } else if (sp) {
      await this.setScheduledStatus(tx, sp, 'failed');
      await this.recordScheduledFailure(tx, org, sp, method, txn, outcome.code);
    } else {
      const entryId = newId('failedTransaction');
      await tx.insert(failedTransactions).values({
        organizationId,
        id: entryId,
        accountId: txn.accountId,
        type: 'echeck_payment',
        status: 'open',
        paymentId: txn.gatewayRef ?? txn.id,
        amountMinor: txn.amountMinor,
        currency: txn.currency,
        paymentMethodId: method.id,
        paymentMethodType: 'echeck',
        reasonCode: outcome.code,
        attempts: 1,
        firstFailedAt: now,
        failedAt: now,
        originalAt: txn.createdAt,
        invoiceId: txn.forInvoiceId,
        lastTransactionId: txn.id,
        createdAt: now,
      });
      await tx
        .update(transactions)
        .set({ failedTransactionId: entryId })
        .where(and(eq(transactions.organizationId, organizationId), eq(transactions.id, txn.id)));
      await this.deps.queue.enqueue(tx, 'customer-notice', { organizationId, failedTransactionId: entryId });
      await this.deps.audit.record(tx, {
        organizationId,
        actorId: null,
        action: 'payment.returned',
        subjectType: 'failed_transaction',
        subjectId: entryId,
        details: { transactionId: txn.id, code: outcome.code },
      });
    }
    await this.deps.ledger.touch(tx, organizationId, txn.accountId);
    return 'returned';
  }
}

function outcomeOf(txn: Transaction): ChargeOutcome {
  if (txn.status === 'succeeded' || txn.status === 'settled')
    return { status: 'succeeded', transactionId: txn.id };
  if (txn.status === 'pending') return { status: 'pending', transactionId: txn.id };
  return { status: 'failed', code: txn.failureCode ?? 'processing_error', transactionId: txn.id };
}

/** The due date of a subscription's period `n` (0 = the start), keeping the anchor day at month ends. */
export function periodDate(
  sub: { startDate: string; interval: 'week' | 'month' | 'year'; anchorDay: number },
  n: number,
): string {
  if (sub.interval === 'week') return addDays(sub.startDate, 7 * n);
  return addMonths(sub.startDate, sub.interval === 'year' ? 12 * n : n, sub.anchorDay);
}
