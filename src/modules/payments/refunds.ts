import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { todayIn } from '../../lib/dates';
import { businessRule, notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { minBig } from '../../lib/money';
import { big, type Db } from '../../platform/db/db';
import { type FailedTransaction, failedTransactions } from '../failed-transactions/failed-transactions.table';
import type { RefundResult } from '../gateway/gateway.port';
import type { LedgerDocument } from '../ledger/ledger.service';
import { allocations, documents } from '../ledger/ledger.table';
import type { Organization } from '../organizations/organizations.service';
import type { PaymentMethod } from '../payment-methods/payment-methods.service';
import { assertGateway } from './payment-attempts';
import type { PaymentFailures } from './payment-failures';
import {
  type ChargeOutcome,
  completePending,
  insertTransaction,
  outcomeOf,
  type Transaction,
  transactionById,
} from './payments.repository';
import type { PaymentsDeps } from './payments.service';
import { transactions } from './payments.table';

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

/** Refunds: money given back from a payment, and refunds made again from the Action Center. */
export class Refunds {
  constructor(
    private readonly deps: Pick<
      PaymentsDeps,
      'db' | 'clock' | 'gateway' | 'ledger' | 'audit' | 'organizations' | 'accounts' | 'paymentMethods'
    > & {
      failures: PaymentFailures;
    },
  ) {}

  /**
   * Gives money back from a payment: through the gateway to the payment's method (card, eCheck), or
   * recorded as paid out by hand (cash, cheque, other). At most what is refundable on the payment (its
   * amount less earlier refunds, refunds under way and failed refunds still in the Action Center).
   * The refund debit exists only when the money went out; a refusal becomes a `refund` entry.
   */
  async refund(input: RefundInput): Promise<RefundOutcome> {
    const { organizationId, accountId } = input;
    const { db, ledger } = this.deps;
    await this.deps.accounts.get(organizationId, accountId);
    const org = await this.deps.organizations.get(organizationId);
    const payment = await ledger.getDocument(db, organizationId, input.paymentId).catch(() => null);
    if (!payment || payment.accountId !== accountId) throw notFound('payment');
    if (payment.kind !== 'payment') throw businessRule(`${payment.id} is not a payment`);
    if (payment.status !== 'posted')
      throw businessRule(`${payment.id} is not posted (a pending eCheck cannot be refunded yet)`);
    const date = input.date ?? todayIn(org.timezone, this.deps.clock.now());

    if (!payment.paymentMethodId || (payment.method !== 'card' && payment.method !== 'echeck')) {
      return this.payOut(input, payment, date);
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
      let result: RefundResult;
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
    const txn = await transactionById(db, organizationId, reserved.id);
    const [entry] = await db
      .select({ id: failedTransactions.id })
      .from(failedTransactions)
      .where(
        and(
          eq(failedTransactions.organizationId, organizationId),
          eq(failedTransactions.lastTransactionId, txn.id),
        ),
      );
    return {
      status: txn.status === 'succeeded' ? 'succeeded' : 'failed',
      document: txn.documentId ? await ledger.getDocument(db, organizationId, txn.documentId) : null,
      paymentId: payment.id,
      amountMinor: txn.amountMinor,
      date: txn.presentedDate ?? date,
      transactionId: txn.id,
      ...(txn.failureCode ? { code: txn.failureCode } : {}),
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

  /**
   * A failed refund's entry is retried: the refund is made again under the key `ft:<id>:<attempts>`
   * and its answer recorded (resolved with the refund debit, or back on the list).
   */
  async retryEntry(org: Organization, entry: FailedTransaction, key: string): Promise<ChargeOutcome> {
    const { db, ledger } = this.deps;
    const payment = await ledger.getDocument(db, org.id, entry.refundedDocumentId!);
    const method = await this.deps.paymentMethods.get(org.id, payment.paymentMethodId!);
    const result = await this.deps.gateway.refund({
      organizationId: org.id,
      token: method.gatewayToken,
      amountMinor: entry.amountMinor,
      currency: entry.currency,
      idempotencyKey: key,
    });
    return db.transaction((tx) => this.recordRetry(tx, org, entry, payment, method, key, result));
  }

  /** cash, cheque, other: the money was given back by hand; recorded and allocated at once. */
  private payOut(input: RefundInput, payment: LedgerDocument, date: string): Promise<RefundOutcome> {
    const { organizationId, accountId } = input;
    const { ledger } = this.deps;
    return this.deps.db.transaction(async (tx) => {
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
      await this.deps.audit.record(tx, {
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
    result: RefundResult,
    opts: { actorId: string | null; date: string },
  ) {
    const organizationId = org.id;
    const now = this.deps.clock.now();
    const documentId = result.status === 'succeeded' ? newId('refund') : null;
    const moved = await completePending(tx, organizationId, reserved.id, {
      status: result.status === 'succeeded' ? 'succeeded' : 'failed',
      gatewayRef: result.gatewayRef,
      failureCode: result.status === 'failed' ? (result.code ?? 'processing_error') : null,
      documentId,
      settledAt: now,
    });
    if (!moved) return; // recorded by a concurrent call with the same key
    if (result.status === 'succeeded') {
      await this.postRefund(tx, moved, payment, documentId!, opts.date, opts.actorId);
      return;
    }
    const code = result.code ?? 'processing_error';
    await this.deps.failures.recordRefundFailure(tx, moved, payment, method, code, opts.actorId);
  }

  private async recordRetry(
    tx: Db,
    org: Organization,
    entry: FailedTransaction,
    payment: LedgerDocument,
    method: PaymentMethod,
    key: string,
    result: RefundResult,
  ): Promise<ChargeOutcome> {
    const now = this.deps.clock.now();
    const today = todayIn(org.timezone, now);
    const documentId = result.status === 'succeeded' ? newId('refund') : null;
    const { txn, inserted } = await insertTransaction(tx, {
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
      presentedDate: today,
      createdAt: now,
      settledAt: now,
    });
    if (!inserted) return outcomeOf(txn);
    if (result.status === 'succeeded') {
      await this.deps.failures.resolveEntry(tx, entry, txn);
      await this.postRefund(tx, txn, payment, documentId!, today, entry.retryRequestedBy);
    } else {
      await this.deps.failures.failEntryAgain(tx, entry, txn, result.code);
    }
    return outcomeOf(txn);
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
}
