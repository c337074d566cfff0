import { todayIn } from '../../lib/dates';
import { businessRule, notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Db } from '../../platform/db/db';
import { accountTransaction } from '../accounts/account-lock';
import type { FailedTransaction } from '../failed-transactions/failed-transactions.entries';
import type { LedgerDocument } from '../ledger/ledger.service';
import type { Organization } from '../organizations/organizations.service';
import { assertGateway, type PaymentAttempts } from './payment-attempts';
import { type ChargeOutcome, transactionById, transactionByKey } from './payments.repository';
import type { PaymentsDeps } from './payments.service';

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
      attempts: PaymentAttempts;
    },
  ) {}

  /**
   * Gives money back from a payment: through the gateway to the payment's method (card, eCheck), or
   * recorded as paid out by hand (cash, cheque, other). MS3: the amount is reserved on the payment by
   * one guarded UPDATE (`LedgerService.reserveRefund`) in the same transaction that writes the attempt,
   * so however many requests arrive at once, the refunds of a payment never exceed it (422 beyond).
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
    assertGateway(this.deps.gateway);
    const method = await this.deps.paymentMethods.get(organizationId, payment.paymentMethodId);
    const key = `refund:${input.idempotencyKey ?? newId('transaction')}`;
    const { txn } = await accountTransaction(db, organizationId, accountId, async (tx) => {
      const seen = await transactionByKey(tx, organizationId, key);
      if (seen) return { txn: seen, inserted: false };
      await this.reserve(tx, organizationId, payment.id, input.amountMinor);
      return this.deps.attempts.begin(tx, {
        organizationId,
        id: newId('transaction'),
        accountId,
        kind: 'refund',
        purpose: 'refund',
        amountMinor: input.amountMinor,
        currency: payment.currency,
        paymentMethodId: method.id,
        idempotencyKey: key,
        refundedDocumentId: payment.id,
        documentDate: date,
        actorId: input.actorId,
        presentedDate: date,
      });
    });
    const { txn: done } = await this.deps.attempts.run(txn);
    return this.outcome(db, organizationId, payment, done.id, date);
  }

  private async outcome(
    db: Db,
    organizationId: string,
    payment: LedgerDocument,
    txnId: string,
    date: string,
  ) {
    const txn = await transactionById(db, organizationId, txnId);
    return {
      status: txn.status === 'succeeded' ? ('succeeded' as const) : ('failed' as const),
      document: txn.documentId
        ? await this.deps.ledger.getDocument(db, organizationId, txn.documentId)
        : null,
      paymentId: payment.id,
      amountMinor: txn.amountMinor,
      date: txn.documentDate ?? txn.presentedDate ?? date,
      transactionId: txn.id,
      ...(txn.failureCode ? { code: txn.failureCode } : {}),
      ...(txn.failedTransactionId ? { failedTransactionId: txn.failedTransactionId } : {}),
    };
  }

  /** What may still be refunded on a payment (its amount less refunds made, under way or failed and open). */
  async refundableOn(db: Db, organizationId: string, paymentId: string): Promise<bigint> {
    const payment = await this.deps.ledger.getDocument(db, organizationId, paymentId);
    return payment.amountMinor - payment.refundedMinor;
  }

  /**
   * A failed refund's entry is retried: the refund is made again under the key `ft:<id>:<attempts>`. Its
   * amount is still reserved on the payment (the entry was on the list), so nothing more is reserved;
   * the entry is the obligation, so two retries of it can never both pay out (MS1).
   */
  async retryEntry(org: Organization, entry: FailedTransaction, key: string): Promise<ChargeOutcome> {
    const { db, ledger } = this.deps;
    const payment = await ledger.getDocument(db, org.id, entry.refundedDocumentId!);
    const { txn } = await accountTransaction(db, org.id, entry.accountId, (tx) =>
      this.deps.attempts.begin(tx, {
        organizationId: org.id,
        id: newId('transaction'),
        accountId: entry.accountId,
        kind: 'refund',
        purpose: 'retry',
        amountMinor: entry.amountMinor,
        currency: entry.currency,
        paymentMethodId: payment.paymentMethodId,
        idempotencyKey: key,
        obligationId: entry.id,
        failedTransactionId: entry.id,
        refundedDocumentId: payment.id,
        actorId: entry.retryRequestedBy,
        retryOrigin: entry.retryOrigin,
        presentedDate: todayIn(org.timezone, this.deps.clock.now()),
      }),
    );
    return (await this.deps.attempts.run(txn)).outcome;
  }

  private async reserve(tx: Db, organizationId: string, paymentId: string, amountMinor: bigint) {
    const refused = await this.deps.ledger.reserveRefund(tx, organizationId, paymentId, amountMinor);
    if (refused) {
      throw businessRule(`at most ${refused.refundableMinor} can still be refunded on ${paymentId}`, {
        refundableAmount: Number(refused.refundableMinor),
      });
    }
  }

  /** cash, cheque, other: the money was given back by hand; recorded and allocated at once. */
  private payOut(input: RefundInput, payment: LedgerDocument, date: string): Promise<RefundOutcome> {
    const { organizationId, accountId } = input;
    const { ledger } = this.deps;
    return accountTransaction(this.deps.db, organizationId, accountId, async (tx) => {
      await this.reserve(tx, organizationId, payment.id, input.amountMinor);
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
      await ledger.allocateRefund(tx, {
        organizationId,
        accountId,
        paymentId: payment.id,
        refundId: document.id,
        amountMinor: input.amountMinor,
        actorId: input.actorId,
      });
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
}
