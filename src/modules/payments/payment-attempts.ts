import type { Clock } from '../../lib/clock';
import { todayIn } from '../../lib/dates';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Db } from '../../platform/db/db';
import { accountTransaction } from '../accounts/account-lock';
import type { AuditService } from '../audit/audit.service';
import type {
  FailedTransaction,
  FailedTransactionEntries,
} from '../failed-transactions/failed-transactions.entries';
import type { PaymentGateway } from '../gateway/gateway.port';
import type { LedgerService } from '../ledger/ledger.service';
import type { OrganizationsService } from '../organizations/organizations.service';
import type { PaymentMethodsService } from '../payment-methods/payment-methods.service';
import type { ScheduledPayment, ScheduledPayments } from '../schedules/scheduled-payments';
import {
  type ChargeOutcome,
  completeAttempt,
  insertAttempt,
  linkTransactionToEntry,
  type NewTransaction,
  outcomeOf,
  type Transaction,
  transactionById,
} from './payments.repository';

/** When no gateway is configured (sandbox off, no live gateway), money-moving calls answer 503. */
export const noGateway: PaymentGateway = {
  charge: unavailable,
  refund: unavailable,
  echeckDebit: unavailable,
  echeckOutcome: unavailable,
  lookup: unavailable,
};
async function unavailable(): Promise<never> {
  throw new AppError('unavailable', 'no payment gateway configured');
}

export function assertGateway(gateway: PaymentGateway): void {
  if (gateway === noGateway) throw new AppError('unavailable', 'no payment gateway configured');
}

export type GatewayAnswer = { status: 'succeeded' | 'pending' | 'failed'; gatewayRef: string; code?: string };

/**
 * What an attempt is for, read back from its row, so that whoever finishes it — the request that wrote
 * it, a replay, or the sweeper after a crash — applies the very same effects:
 * charge: a scheduled charge; retry: an Action Center retry; portal: the owner paid an entry;
 * one_off: a payment from the ledger routes; refund: money given back; refund_retry: a failed refund made again.
 */
export type AttemptMode = 'charge' | 'retry' | 'portal' | 'one_off' | 'refund' | 'refund_retry';

export function modeOf(txn: Pick<Transaction, 'kind' | 'purpose'>): AttemptMode {
  if (txn.kind === 'refund') return txn.purpose === 'retry' ? 'refund_retry' : 'refund';
  if (txn.purpose === 'subscription' || txn.purpose === 'installment') return 'charge';
  if (txn.purpose === 'retry' || txn.purpose === 'portal') return txn.purpose;
  return 'one_off';
}

export interface AttemptDeps {
  db: Db;
  clock: Clock;
  gateway: PaymentGateway;
  ledger: LedgerService;
  audit: AuditService;
  organizations: OrganizationsService;
  paymentMethods: PaymentMethodsService;
  entries: FailedTransactionEntries;
  scheduled: ScheduledPayments;
}

/**
 * Every money movement goes through here, in three steps (MS5, MS6):
 * 1. `begin`: the attempt is written `processing` in the caller's transaction (with every check that
 *    decides it, under the account lock), with the gateway key derived from what it is for; MS1's unique
 *    index refuses a second collection of the same obligation;
 * 2. `present`: the gateway is called with that key, outside any transaction;
 * 3. `finish`: its answer moves the row out of `processing` and records every effect in one transaction;
 *    only the call that moves the row records anything.
 * A crash between 1 and 3 leaves a `processing` row: the sweeper asks the gateway what became of the key
 * (`lookup`) and finishes it with that answer, or releases it when the gateway never saw it (the key is
 * then fenced, so a late request moves no money).
 */
export class PaymentAttempts {
  constructor(private readonly deps: AttemptDeps) {}

  begin(tx: Db, values: Omit<NewTransaction, 'status' | 'createdAt'>) {
    return insertAttempt(tx, { ...values, status: 'processing', createdAt: this.deps.clock.now() });
  }

  /** Present and finish; a gateway that does not answer leaves the attempt to the sweeper (503). */
  async run(txn: Transaction): Promise<{ outcome: ChargeOutcome; txn: Transaction }> {
    if (txn.status !== 'processing') return { outcome: outcomeOf(txn), txn };
    let answer: GatewayAnswer;
    try {
      answer = await this.present(txn);
    } catch (err) {
      if (err instanceof AppError && err.status < 500) throw err;
      throw new AppError(
        'unavailable',
        'The payment processor did not answer. Nothing is lost: this attempt is settled automatically within minutes, and it is never charged twice.',
        { extra: { transactionId: txn.id } },
      );
    }
    const { txn: done } = await this.finish(txn, answer);
    return { outcome: outcomeOf(done), txn: done };
  }

  async present(txn: Transaction): Promise<GatewayAnswer> {
    const method = await this.deps.paymentMethods.get(txn.organizationId, txn.paymentMethodId!);
    const req = {
      organizationId: txn.organizationId,
      token: method.gatewayToken,
      amountMinor: txn.amountMinor,
      currency: txn.currency,
      idempotencyKey: txn.idempotencyKey,
      paymentMethodId: method.id,
    };
    if (txn.kind === 'refund')
      return this.deps.gateway.refund({ ...req, paymentRef: await this.paymentRef(txn) });
    if (txn.kind === 'charge') return this.deps.gateway.charge(req);
    return this.deps.gateway.echeckDebit(req);
  }

  /** The sweeper's question: what the gateway did with this attempt's key (null: never received, now fenced). */
  async lookup(txn: Transaction): Promise<GatewayAnswer | null> {
    const method = await this.deps.paymentMethods.get(txn.organizationId, txn.paymentMethodId!);
    return this.deps.gateway.lookup({
      organizationId: txn.organizationId,
      token: method.gatewayToken,
      amountMinor: txn.amountMinor,
      currency: txn.currency,
      idempotencyKey: txn.idempotencyKey,
      kind: txn.kind,
      paymentRef: txn.kind === 'refund' ? await this.paymentRef(txn) : undefined,
    });
  }

  /** A refund's payment as the gateway knows it (the reference its document was posted with). */
  private async paymentRef(txn: Transaction): Promise<string | undefined> {
    if (!txn.refundedDocumentId) return undefined;
    const payment = await this.deps.ledger.getDocument(
      this.deps.db,
      txn.organizationId,
      txn.refundedDocumentId,
    );
    return payment.reference ?? undefined;
  }

  /** Records the answer of an attempt `processing` with every effect, once (MS6): `recorded` tells which call did. */
  async finish(txn: Transaction, answer: GatewayAnswer): Promise<{ txn: Transaction; recorded: boolean }> {
    const { db } = this.deps;
    return accountTransaction(db, txn.organizationId, txn.accountId, async (tx) => {
      const now = this.deps.clock.now();
      const isDebitDoc = answer.status !== 'failed';
      const done = await completeAttempt(tx, txn.organizationId, txn.id, 'processing', {
        status: answer.status,
        gatewayRef: answer.gatewayRef,
        failureCode: answer.status === 'failed' ? (answer.code ?? 'processing_error') : null,
        documentId: isDebitDoc ? newId(txn.kind === 'refund' ? 'refund' : 'payment') : null,
        settledAt: answer.status === 'pending' ? null : now,
      });
      if (!done) return { txn: await transactionById(tx, txn.organizationId, txn.id), recorded: false };
      if (done.kind === 'refund') await this.refundEffects(tx, done);
      else await this.collectionEffects(tx, done);
      await this.deps.ledger.touch(tx, done.organizationId, done.accountId);
      return { txn: done, recorded: true };
    });
  }

  /**
   * The sweeper found that the gateway never received the attempt (its key is fenced): the attempt ends
   * `abandoned` and what it held is given back — the scheduled payment to the next due run, the entry to
   * the list, the refund's reservation to the payment.
   */
  async release(txn: Transaction): Promise<boolean> {
    return accountTransaction(this.deps.db, txn.organizationId, txn.accountId, async (tx) => {
      const done = await completeAttempt(tx, txn.organizationId, txn.id, 'processing', {
        status: 'abandoned',
        failureCode: 'not_sent',
        settledAt: this.deps.clock.now(),
      });
      if (!done) return false;
      const mode = modeOf(done);
      if (mode === 'charge' && done.scheduledPaymentId) {
        const sp = await this.deps.scheduled.get(tx, done.organizationId, done.scheduledPaymentId);
        if (sp?.status === 'processing') await this.deps.scheduled.setStatus(tx, sp, 'scheduled');
      }
      if ((mode === 'retry' || mode === 'refund_retry') && done.failedTransactionId) {
        await this.deps.entries.releaseRetry(tx, done.organizationId, done.failedTransactionId);
      }
      if (mode === 'refund' && done.refundedDocumentId) {
        await this.deps.ledger.releaseRefund(
          tx,
          done.organizationId,
          done.refundedDocumentId,
          done.amountMinor,
        );
      }
      await this.deps.audit.record(tx, {
        organizationId: done.organizationId,
        actorId: null,
        action: 'payment_attempt.released',
        subjectType: 'transaction',
        subjectId: done.id,
        details: { mode, amount: Number(done.amountMinor), reason: 'the gateway never received it' },
      });
      await this.deps.ledger.touch(tx, done.organizationId, done.accountId);
      return true;
    });
  }

  private async context(tx: Db, txn: Transaction) {
    const sp = txn.scheduledPaymentId
      ? await this.deps.scheduled.get(tx, txn.organizationId, txn.scheduledPaymentId)
      : null;
    const entry = txn.failedTransactionId
      ? await this.deps.entries.get(tx, txn.organizationId, txn.failedTransactionId, { lock: true })
      : null;
    return { sp, entry };
  }

  /** A card charge or an eCheck debit answered: the payment document, the invoice, the schedule, the entry. */
  private async collectionEffects(tx: Db, txn: Transaction) {
    const { ledger, audit, entries } = this.deps;
    const mode = modeOf(txn);
    const org = await this.deps.organizations.get(txn.organizationId, tx);
    const today = todayIn(org.timezone, this.deps.clock.now());
    const { sp, entry } = await this.context(tx, txn);

    if (txn.status === 'failed') {
      const code = txn.failureCode ?? 'processing_error';
      if (mode === 'retry' && entry) {
        await entries.failAgain(tx, entry, txn, code);
      } else if (mode === 'charge' && sp) {
        await this.deps.scheduled.setStatus(tx, sp, 'failed');
        const method = await this.deps.paymentMethods.get(txn.organizationId, txn.paymentMethodId!, {
          db: tx,
        });
        const entryId = await entries.recordScheduledFailure(tx, sp, method, txn, code);
        await linkTransactionToEntry(tx, txn.organizationId, txn.id, entryId);
      } else {
        await audit.record(tx, {
          organizationId: txn.organizationId,
          actorId: txn.actorId,
          action: 'payment.declined',
          subjectType: 'transaction',
          subjectId: txn.id,
          details: { accountId: txn.accountId, amount: Number(txn.amountMinor), code, mode },
        });
      }
      return;
    }

    const pending = txn.status === 'pending';
    const document = await ledger.createDocument(tx, {
      id: txn.documentId!,
      organizationId: txn.organizationId,
      accountId: txn.accountId,
      kind: 'payment',
      status: pending ? 'pending' : 'posted',
      amountMinor: txn.amountMinor,
      currency: txn.currency,
      date: txn.documentDate ?? today,
      reference: txn.gatewayRef,
      method: txn.kind === 'charge' ? 'card' : 'echeck',
      paymentMethodId: txn.paymentMethodId,
      forInvoiceId: txn.forInvoiceId,
      transactionId: txn.id,
    });
    if (!pending) {
      await this.collected(tx, txn, document.id, sp, entry);
    } else {
      // eCheck presented: pending until the settlement job; the scheduled payment is under way.
      if (sp) await this.deps.scheduled.setStatus(tx, sp, 'processing');
      if (entry && mode === 'retry') await entries.represented(tx, entry, txn);
    }
    await audit.record(tx, {
      organizationId: txn.organizationId,
      actorId: txn.actorId,
      action: pending ? 'payment.presented' : `payment.${mode === 'retry' ? 'retried' : 'received'}`,
      subjectType: 'payment',
      subjectId: document.id,
      details: {
        accountId: txn.accountId,
        amount: Number(txn.amountMinor),
        method: txn.kind === 'charge' ? 'card' : 'echeck',
        transactionId: txn.id,
        invoiceId: txn.forInvoiceId,
        scheduledPaymentId: sp?.id ?? null,
        failedTransactionId: entry?.id ?? null,
        mode,
      },
    });
  }

  /**
   * Money is in (a card charge succeeded, or an eCheck settled): allocated to its invoice as far as both
   * open amounts allow, the scheduled payment paid, a retried entry resolved. A portal payment leaves
   * its entry on the list (FT7: flagged paidElsewhere until someone ignores it).
   */
  async collected(
    tx: Db,
    txn: Transaction,
    documentId: string,
    sp: ScheduledPayment | null,
    entry: FailedTransaction | null,
  ) {
    const mode = modeOf(txn);
    if (txn.forInvoiceId) {
      await this.deps.ledger.allocateUpTo(tx, {
        organizationId: txn.organizationId,
        accountId: txn.accountId,
        creditId: documentId,
        debitId: txn.forInvoiceId,
        source: mode === 'retry' ? 'retry' : 'payment',
        actorId: txn.actorId,
      });
    }
    if (sp && sp.status !== 'paid') await this.deps.scheduled.markPaid(tx, sp);
    if (entry && mode === 'retry' && (entry.status === 'retrying' || entry.status === 'open')) {
      await this.deps.entries.resolve(tx, entry, txn);
    }
  }

  /**
   * A refund the gateway had accepted (recorded as succeeded, its debit allocated) failed later — a live
   * gateway's webhook (Stripe `refund.failed`). It ends as every refused refund ends: the attempt `failed`
   * with the code, the refund debit reversed (`LedgerService.reverseRefund`: voided, its allocations undone,
   * the payment's reservation kept for the entry) and a failed-refund entry on the list that may be retried
   * or ignored (MS3). Exactly once (MS6): the attempt moves out of `succeeded` by one guarded UPDATE, so a
   * replayed or late webhook finds it failed and changes nothing. A retry's refund that failed later gets a
   * new entry: the one it resolved stays resolved.
   */
  async refundFailedLater(txn: Transaction, code: string): Promise<boolean> {
    const { ledger, audit, entries } = this.deps;
    return accountTransaction(this.deps.db, txn.organizationId, txn.accountId, async (tx) => {
      const done = await completeAttempt(tx, txn.organizationId, txn.id, 'succeeded', {
        status: 'failed',
        failureCode: code,
        settledAt: this.deps.clock.now(),
      });
      if (done?.kind !== 'refund' || !done.refundedDocumentId) return false;
      if (done.documentId) await ledger.reverseRefund(tx, done.organizationId, done.documentId);
      const payment = await ledger.getDocument(tx, done.organizationId, done.refundedDocumentId);
      const method = await this.deps.paymentMethods.get(done.organizationId, done.paymentMethodId!, {
        db: tx,
      });
      const entryId = await entries.recordRefundFailure(tx, done, payment, method, code, done.actorId);
      await linkTransactionToEntry(tx, done.organizationId, done.id, entryId);
      await audit.record(tx, {
        organizationId: done.organizationId,
        actorId: null,
        action: 'refund.failed_at_gateway',
        subjectType: 'refund',
        subjectId: done.documentId ?? done.id,
        details: {
          paymentId: payment.id,
          amount: Number(done.amountMinor),
          code,
          transactionId: done.id,
          failedTransactionId: entryId,
        },
      });
      await ledger.touch(tx, done.organizationId, done.accountId);
      return true;
    });
  }

  /** A refund answered: the refund debit allocated to its payment, or a failed-refund entry. */
  private async refundEffects(tx: Db, txn: Transaction) {
    const { ledger, audit, entries } = this.deps;
    const mode = modeOf(txn);
    const org = await this.deps.organizations.get(txn.organizationId, tx);
    const today = todayIn(org.timezone, this.deps.clock.now());
    const payment = await ledger.getDocument(tx, txn.organizationId, txn.refundedDocumentId!);
    const entry = txn.failedTransactionId
      ? await entries.get(tx, txn.organizationId, txn.failedTransactionId, { lock: true })
      : null;
    if (txn.status === 'failed') {
      const code = txn.failureCode ?? 'processing_error';
      if (mode === 'refund_retry' && entry) {
        await entries.failAgain(tx, entry, txn, code);
      } else {
        const method = await this.deps.paymentMethods.get(txn.organizationId, txn.paymentMethodId!, {
          db: tx,
        });
        // The reservation stays: a failed refund still on the list may be retried (MS3 counts it).
        const entryId = await entries.recordRefundFailure(tx, txn, payment, method, code, txn.actorId);
        await linkTransactionToEntry(tx, txn.organizationId, txn.id, entryId);
      }
      return;
    }
    const document = await ledger.createDocument(tx, {
      id: txn.documentId!,
      organizationId: txn.organizationId,
      accountId: payment.accountId,
      kind: 'refund',
      amountMinor: txn.amountMinor,
      currency: txn.currency,
      date: txn.documentDate ?? today,
      reference: txn.gatewayRef,
      method: payment.method,
      paymentMethodId: txn.paymentMethodId,
      refundedDocumentId: payment.id,
      transactionId: txn.id,
    });
    await ledger.allocateRefund(tx, {
      organizationId: txn.organizationId,
      accountId: payment.accountId,
      paymentId: payment.id,
      refundId: document.id,
      amountMinor: txn.amountMinor,
      actorId: txn.actorId,
    });
    if (mode === 'refund_retry' && entry) await entries.resolve(tx, entry, txn);
    await audit.record(tx, {
      organizationId: txn.organizationId,
      actorId: txn.actorId,
      action: 'refund.succeeded',
      subjectType: 'refund',
      subjectId: document.id,
      details: { paymentId: payment.id, amount: Number(txn.amountMinor), transactionId: txn.id },
    });
  }
}
