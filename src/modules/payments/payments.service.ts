import type { Clock } from '../../lib/clock';
import type { Db } from '../../platform/db/db';
import type { JobQueue } from '../../platform/jobs/queue';
import type { AccountsService } from '../accounts/accounts.service';
import type { AuditService } from '../audit/audit.service';
import type { PaymentGateway } from '../gateway/gateway.port';
import type { DocumentsService } from '../ledger/documents.service';
import type { LedgerService } from '../ledger/ledger.service';
import type { OrganizationsService } from '../organizations/organizations.service';
import type { PaymentMethodsService } from '../payment-methods/payment-methods.service';
import { EcheckSettlement } from './echeck-settlement';
import { EntryPayments } from './entry-payments';
import { type OneOffPayment, OneOffPayments, type OneOffResult } from './one-off-payments';
import { PaymentAttempts } from './payment-attempts';
import { PaymentFailures } from './payment-failures';
import type { ChargeOutcome } from './payments.repository';
import { type RefundInput, type RefundOutcome, Refunds } from './refunds';
import { ScheduledCharges } from './scheduled-charges';

export {
  type OneOffPayment,
  type OneOffResult,
  PAYMENT_METHODS,
  type PaymentMethodKind,
} from './one-off-payments';
export { noGateway } from './payment-attempts';
export type { ChargeOutcome, ScheduledPayment, Transaction } from './payments.repository';
export type { RefundInput, RefundOutcome } from './refunds';
export { periodDate } from './scheduled-charges';

/** What the money-moving parts are built from (each part takes only what it uses). */
export interface PaymentsDeps {
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
}

/**
 * The money-moving service: one-off payments and refunds, scheduled charges, retries of Action Center
 * entries, portal payments and eCheck settlement — a facade over one part per role:
 * one-off-payments.ts, refunds.ts, scheduled-charges.ts, entry-payments.ts (retries and the portal),
 * echeck-settlement.ts, with the attempt and its recording in payment-attempts.ts and what failures
 * leave in the Action Center in payment-failures.ts.
 *
 * Crash safety: a gateway call is never made inside a long transaction. Every call carries an
 * idempotency key derived from what it is for (`sp:<id>:<attempt>`, `ft:<id>:<attempts>`, …), and its
 * result is recorded by inserting the `transactions` row with that key in the same transaction as every
 * effect (documents, allocations, entries): the insert that wins does the work, a repeat finds the row
 * and answers the same. Re-running after a crash calls the gateway again with the same key, which
 * replays its answer without moving money, and then finishes the recording.
 */
export class PaymentsService {
  private readonly oneOff: OneOffPayments;
  private readonly refunds: Refunds;
  private readonly scheduled: ScheduledCharges;
  private readonly entries: EntryPayments;
  private readonly echecks: EcheckSettlement;

  constructor(deps: PaymentsDeps) {
    const failures = new PaymentFailures(deps);
    const attempts = new PaymentAttempts({ ...deps, failures });
    this.oneOff = new OneOffPayments({ ...deps, attempts });
    this.refunds = new Refunds({ ...deps, failures });
    this.scheduled = new ScheduledCharges({ ...deps, attempts });
    this.entries = new EntryPayments({
      ...deps,
      attempts,
      refunds: this.refunds,
      scheduledCharges: this.scheduled,
    });
    this.echecks = new EcheckSettlement({ ...deps, failures });
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
  runScheduledCharge(organizationId: string, scheduledPaymentId: string): Promise<ChargeOutcome> {
    return this.scheduled.run(organizationId, scheduledPaymentId);
  }

  /** Crash recovery: the IDs of scheduled charges left `processing` with nothing recorded, claimed again. */
  reclaimStaleCharges(organizationId: string): Promise<string[]> {
    return this.scheduled.reclaimStale(organizationId);
  }

  /** One upcoming charge per active subscription, always. */
  ensureNextPeriod(tx: Db, organizationId: string, subscriptionId: string): Promise<void> {
    return this.scheduled.ensureNextPeriod(tx, organizationId, subscriptionId);
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

  /** The `echeck-settlement` job for one organization. */
  settleEchecks(organizationId: string): Promise<{ checked: number; settled: number; returned: number }> {
    return this.echecks.settle(organizationId);
  }
}
