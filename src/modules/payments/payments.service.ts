import type { Clock } from '../../lib/clock';
import type { Locale } from '../../lib/locale';
import type { Db } from '../../platform/db/db';
import type { AccountsService } from '../accounts/accounts.service';
import type { AuditService } from '../audit/audit.service';
import type {
  FailedTransaction,
  FailedTransactionEntries,
} from '../failed-transactions/failed-transactions.entries';
import { failureMessage } from '../gateway/failure-codes';
import type { PaymentGateway } from '../gateway/gateway.port';
import type { DocumentsService } from '../ledger/documents.service';
import type { LedgerService } from '../ledger/ledger.service';
import type { OrganizationsService } from '../organizations/organizations.service';
import { methodLabelsByIds } from '../payment-methods/payment-methods.reads';
import type { PaymentMethodsService } from '../payment-methods/payment-methods.service';
import type { ScheduledPayments } from '../schedules/scheduled-payments';
import { EcheckSettlement, type FinalEcheckOutcome } from './echeck-settlement';
import { EntryPayments } from './entry-payments';
import { type OneOffPayment, OneOffPayments, type OneOffResult } from './one-off-payments';
import { owedOnEntry } from './owed';
import { PaymentAttempts } from './payment-attempts';
import {
  attemptsOfAccount,
  type ChargeOutcome,
  collectionOf,
  type Transaction,
  transactionByKey,
  transactionForGateway,
} from './payments.repository';
import { type RefundInput, type RefundOutcome, Refunds } from './refunds';
import { type ScheduledChargeOutcome, ScheduledCharges } from './scheduled-charges';
import { PaymentsSweeper } from './sweeper';

export { obligationOf } from './entry-payments';
export {
  type OneOffPayment,
  type OneOffResult,
  PAYMENT_METHODS,
  type PaymentMethodKind,
} from './one-off-payments';
export { noGateway } from './payment-attempts';
export type { ChargeOutcome, Transaction } from './payments.repository';
export type { RefundInput, RefundOutcome } from './refunds';
export type { ScheduledChargeOutcome } from './scheduled-charges';

/** One attempt of the account file's history, with what a list shows beside it. */
export interface AccountAttempt extends Transaction {
  /** the label of the method it used (type, brand, last 4); null for money that used none */
  method: { type: 'card' | 'echeck'; brand: string | null; last4: string } | null;
  /** failed or returned: the reason as the failed-transactions list names it, in the caller's language */
  reason: { code: string; message: string } | null;
}

/** What the money-moving parts are built from (each part takes only what it uses). */
export interface PaymentsDeps {
  db: Db;
  clock: Clock;
  gateway: PaymentGateway;
  ledger: LedgerService;
  documents: DocumentsService;
  audit: AuditService;
  organizations: OrganizationsService;
  accounts: AccountsService;
  paymentMethods: PaymentMethodsService;
  entries: FailedTransactionEntries;
  scheduled: ScheduledPayments;
}

/**
 * The payments module: the one owner of every movement of money (STYLE habit 11) and of the
 * `transactions` table — one-off payments and refunds, scheduled charges, retries of Action Center
 * entries, portal payments, eCheck settlement and the crash sweeper. A facade over one part per role;
 * every part goes through `PaymentAttempts` (payment-attempts.ts), which writes the attempt before the
 * gateway is called and records its answer once. Other modules' tables are written through their
 * owners: `ScheduledPayments` (schedules), `FailedTransactionEntries` (failed transactions), the ledger.
 *
 * Safety, each held by the database as well as by the code:
 * - MS1: one collection in flight or collected per obligation — unique index `transactions_one_collection`;
 * - MS3: refunds within their payment — `documents.refunded_minor`, a guarded UPDATE and a CHECK;
 * - MS5/MS6: an attempt row before every gateway call, the gateway key derived from it (`sp:<id>:<attempt>`,
 *   `ft:<id>:<attempts>`, `oneoff:<key>`, `refund:<key>`, `portal:<entry>:<id>`), its answer recorded by the
 *   one update that moves it out of `processing`, and the sweeper for the rest;
 * - one lock order (accounts/account-lock.ts): the account first.
 */
export class PaymentsService {
  private readonly attempts: PaymentAttempts;
  private readonly oneOff: OneOffPayments;
  private readonly refunds: Refunds;
  private readonly scheduled: ScheduledCharges;
  private readonly entries: EntryPayments;
  private readonly echecks: EcheckSettlement;
  private readonly sweeper: PaymentsSweeper;

  constructor(private readonly deps: PaymentsDeps) {
    this.attempts = new PaymentAttempts(deps);
    this.oneOff = new OneOffPayments({ ...deps, attempts: this.attempts });
    this.refunds = new Refunds({ ...deps, attempts: this.attempts });
    this.scheduled = new ScheduledCharges({ ...deps, attempts: this.attempts });
    this.entries = new EntryPayments({ ...deps, attempts: this.attempts, refunds: this.refunds });
    this.echecks = new EcheckSettlement({ ...deps, attempts: this.attempts });
    this.sweeper = new PaymentsSweeper({ ...deps, attempts: this.attempts });
  }

  /** A payment from the ledger routes: recorded (cash, cheque, other) or charged (card, eCheck). */
  chargeOneOff(input: OneOffPayment): Promise<OneOffResult> {
    return this.oneOff.charge(input);
  }

  /** Money given back from a payment (through the gateway, or paid out by hand). */
  refund(input: RefundInput): Promise<RefundOutcome> {
    return this.refunds.refund(input);
  }

  /** What may still be refunded on a payment. */
  refundableOn(db: Db, organizationId: string, paymentId: string): Promise<bigint> {
    return this.refunds.refundableOn(db, organizationId, paymentId);
  }

  /** Charges one scheduled payment (the `payments-due` run). */
  runScheduledCharge(organizationId: string, scheduledPaymentId: string): Promise<ScheduledChargeOutcome> {
    return this.scheduled.run(organizationId, scheduledPaymentId);
  }

  /** One new gateway attempt for an Action Center entry (FT4, FT5). */
  retryFailedTransaction(organizationId: string, failedTransactionId: string): Promise<ChargeOutcome> {
    return this.entries.retry(organizationId, failedTransactionId);
  }

  /** The owner pays an entry's amount in the portal (FT7). */
  payFailedTransaction(
    organizationId: string,
    failedTransactionId: string,
    paymentMethodId: string,
  ): Promise<ChargeOutcome> {
    return this.entries.payInPortal(organizationId, failedTransactionId, paymentMethodId);
  }

  /** What collecting an entry may still bring in (0: collected another way, FT7). */
  owedOnEntry(db: Db, entry: FailedTransaction): Promise<bigint> {
    return owedOnEntry(db, entry);
  }

  /** The attempt collecting an entry's obligation now, if one is in flight or done (for the portal). */
  collectionOfEntry(db: Db, entry: FailedTransaction) {
    return collectionOf(db, entry.organizationId, entry.scheduledPaymentId ?? entry.id);
  }

  /**
   * An entry left the list without money moving (ignored): a failed refund's reservation is given back
   * to its payment (MS3), and the account's summary no longer counts a failed installment as coming (RA2).
   */
  async entryLeftList(tx: Db, entry: FailedTransaction): Promise<void> {
    if (entry.type === 'refund' && entry.refundedDocumentId) {
      await this.deps.ledger.releaseRefund(
        tx,
        entry.organizationId,
        entry.refundedDocumentId,
        entry.amountMinor,
      );
    }
    await this.deps.ledger.touch(tx, entry.organizationId, entry.accountId);
  }

  /** The `echeck-settlement` job for one organization. */
  settleEchecks(organizationId: string) {
    return this.echecks.settle(organizationId);
  }

  /** A live gateway's webhook says how a pending eCheck debit ended (settled, or returned with a code). */
  settleFromGateway(
    organizationId: string,
    ref: { idempotencyKey?: string; gatewayRef?: string },
    outcome: FinalEcheckOutcome,
  ) {
    return this.echecks.settleFromGateway(organizationId, ref, outcome);
  }

  /**
   * A live gateway's webhook says a refund it had accepted failed later: a failed-refund entry, the refund's
   * ledger effect reversed once (`PaymentAttempts.refundFailedLater`). The refund attempt is found by Recoup's
   * idempotency key (carried in the gateway's metadata) or its gateway ref. `processing`: the refund's own
   * answer is not recorded yet — the caller tries again later.
   */
  async refundFailedAtGateway(
    organizationId: string,
    ref: { idempotencyKey?: string; gatewayRef?: string },
    code: string,
  ): Promise<'recorded' | 'already_recorded' | 'processing' | 'unknown'> {
    const txn = await transactionForGateway(this.deps.db, organizationId, 'refund', ref);
    if (!txn) return 'unknown';
    if (txn.status === 'processing') return 'processing';
    if (txn.status !== 'succeeded') return 'already_recorded';
    return (await this.attempts.refundFailedLater(txn, code)) ? 'recorded' : 'already_recorded';
  }

  /**
   * The account file's history of attempts: every attempt to move money for the account, newest
   * first — scheduled charges, one-off payments, retries, portal payments, refunds — whatever became of it.
   * 404 for an account of another organization. A failed or returned attempt carries its reason as the
   * Action Center names it (`processing_error` when the gateway gave no code), from the same catalogue.
   */
  async accountAttempts(
    organizationId: string,
    accountId: string,
    page: { limit: number; after?: { createdAt: Date; id: string } },
    locale: Locale,
  ): Promise<{ items: AccountAttempt[]; next: { createdAt: Date; id: string } | null }> {
    await this.deps.accounts.get(organizationId, accountId);
    const found = await attemptsOfAccount(this.deps.db, organizationId, accountId, page);
    const methodIds = [
      ...new Set(found.items.flatMap((t) => (t.paymentMethodId ? [t.paymentMethodId] : []))),
    ];
    const labels = await methodLabelsByIds(this.deps.db, organizationId, methodIds);
    return {
      items: found.items.map((t) => {
        const code =
          t.status === 'failed' || t.status === 'returned' ? (t.failureCode ?? 'processing_error') : null;
        return {
          ...t,
          method: t.paymentMethodId ? (labels.get(t.paymentMethodId) ?? null) : null,
          reason: code ? { code, message: failureMessage(code, locale) } : null,
        };
      }),
      next: found.next,
    };
  }

  /** The status of the attempt made under a gateway idempotency key, null when there is none (webhooks). */
  async attemptStatus(organizationId: string, idempotencyKey: string): Promise<string | null> {
    return (await transactionByKey(this.deps.db, organizationId, idempotencyKey))?.status ?? null;
  }

  /** The `payments-sweeper` job for one organization (MS5). */
  sweep(organizationId: string) {
    return this.sweeper.sweep(organizationId);
  }
}
