import { todayIn } from '../../lib/dates';
import { AppError, businessRule, conflict, notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Db } from '../../platform/db/db';
import { accountTransaction } from '../accounts/account-lock';
import type {
  FailedTransaction,
  FailedTransactionEntries,
} from '../failed-transactions/failed-transactions.entries';
import type { Organization } from '../organizations/organizations.service';
import type { ScheduledPayments } from '../schedules/scheduled-payments';
import { owedOnEntry } from './owed';
import { assertGateway, type PaymentAttempts } from './payment-attempts';
import {
  type ChargeOutcome,
  collectionOf,
  outcomeOf,
  type Transaction,
  transactionByKey,
} from './payments.repository';
import type { PaymentsDeps } from './payments.service';
import type { Refunds } from './refunds';

/** The obligation an entry's money belongs to: its scheduled payment, else the entry itself (MS1). */
export const obligationOf = (entry: Pick<FailedTransaction, 'id' | 'scheduledPaymentId'>) =>
  entry.scheduledPaymentId ?? entry.id;

/** Action Center entries paid again: a retry from the Action Center, or the owner paying in the portal. */
export class EntryPayments {
  constructor(
    private readonly deps: Pick<
      PaymentsDeps,
      'db' | 'clock' | 'gateway' | 'organizations' | 'paymentMethods'
    > & {
      attempts: PaymentAttempts;
      refunds: Refunds;
      entries: FailedTransactionEntries;
      scheduled: ScheduledPayments;
    },
  ) {}

  /**
   * One new gateway attempt for an entry: a subscription/installment charge with the method the
   * sub/plan has NOW (FT5), an eCheck presented again, or a refund made again. The key
   * `ft:<id>:<attempts>` is the same for every call about the same attempt: repeated or concurrent
   * calls never move money twice (FT4); the obligation's unique index refuses it while a portal payment
   * of the same money is in flight, and once it was collected (MS1). It collects only what is still owed.
   */
  async retry(organizationId: string, failedTransactionId: string): Promise<ChargeOutcome> {
    assertGateway(this.deps.gateway);
    const { db } = this.deps;
    const org = await this.deps.organizations.get(organizationId);
    const entry = await this.deps.entries.get(db, organizationId, failedTransactionId);
    if (!entry) throw notFound('failed transaction');
    if (entry.status === 'resolved' && entry.lastTransactionId) {
      return { status: 'succeeded', transactionId: entry.lastTransactionId };
    }
    if (entry.status !== 'open' && entry.status !== 'retrying') {
      throw conflict(`failed transaction ${entry.id} is ${entry.status}`);
    }
    // A released attempt (the gateway never received it) frees its key's attempt number: the next key
    // names it, so the retry is a new request and not a replay of the fenced one.
    let key = `ft:${entry.id}:${entry.attempts}`;
    let seen = await transactionByKey(db, organizationId, key);
    while (seen?.status === 'abandoned') {
      key = `${key}:${seen.id}`;
      seen = await transactionByKey(db, organizationId, key);
    }
    if (seen) return (await this.deps.attempts.run(seen)).outcome;
    if (entry.type === 'refund') return this.deps.refunds.retryEntry(org, entry, key);

    const txn = await accountTransaction(db, organizationId, entry.accountId, (tx) =>
      this.begin(tx, org, entry.id, { purpose: 'retry', key, paymentMethodId: null }),
    );
    return (await this.deps.attempts.run(txn)).outcome;
  }

  /**
   * The owner pays an entry's amount in the portal with a card: posted and allocated to the entry's
   * invoice. The entry stays (FT7) until someone ignores it; its scheduled payment, if any, is paid.
   * Refused (409) while a retry of the entry is in flight, and once its money was collected (MS1).
   */
  async payInPortal(
    organizationId: string,
    failedTransactionId: string,
    paymentMethodId: string,
  ): Promise<ChargeOutcome> {
    assertGateway(this.deps.gateway);
    const { db } = this.deps;
    const org = await this.deps.organizations.get(organizationId);
    const entry = await this.deps.entries.get(db, organizationId, failedTransactionId);
    if (!entry) throw notFound('failed transaction');
    if (entry.type === 'refund') throw businessRule('a failed refund is not paid by the customer');
    const method = await this.deps.paymentMethods.get(organizationId, paymentMethodId, {
      accountId: entry.accountId,
    });
    if (method.type !== 'card') throw businessRule('the portal pays with a card');
    // Paying again what this portal already collected answers that payment (a double click, a reload).
    const holder = await collectionOf(db, organizationId, obligationOf(entry));
    if (
      holder?.purpose === 'portal' &&
      holder.failedTransactionId === entry.id &&
      holder.status !== 'processing'
    ) {
      return outcomeOf(holder);
    }
    const txn = await accountTransaction(db, organizationId, entry.accountId, (tx) =>
      this.begin(tx, org, entry.id, {
        purpose: 'portal',
        key: `portal:${entry.id}:${newId('transaction')}`,
        paymentMethodId: method.id,
      }),
    );
    return (await this.deps.attempts.run(txn)).outcome;
  }

  /** Under the account lock: the schedule, its payment and the entry locked (lock order), then the attempt. */
  private async begin(
    tx: Db,
    org: Organization,
    entryId: string,
    how: { purpose: 'retry' | 'portal'; key: string; paymentMethodId: string | null },
  ): Promise<Transaction> {
    const { scheduled, entries } = this.deps;
    const first = await entries.get(tx, org.id, entryId);
    const locked = first?.scheduledPaymentId
      ? await scheduled.lockForCharge(tx, org.id, first.scheduledPaymentId)
      : null;
    const entry = await entries.get(tx, org.id, entryId, { lock: true });
    if (!entry) throw notFound('failed transaction');
    if (how.purpose === 'retry' && entry.status !== 'retrying' && entry.status !== 'open') {
      throw conflict(`failed transaction ${entry.id} is ${entry.status}`);
    }
    if (how.purpose === 'portal') {
      if (entry.status === 'retrying') {
        throw new AppError('conflict', 'A retry of this payment is being processed', {
          extra: { code: 'retry_in_flight' },
        });
      }
      if (entry.status !== 'open') {
        throw new AppError('conflict', 'This payment no longer needs to be made', {
          extra: { code: 'not_open' },
        });
      }
    }
    if (locked?.sp.status === 'paid') {
      throw new AppError('conflict', `scheduled payment ${locked.sp.id} is already paid`, {
        extra: { code: 'already_collected' },
      });
    }
    const owed = await owedOnEntry(tx, entry);
    if (owed <= 0n) {
      throw new AppError('conflict', 'This amount was already collected another way', {
        extra: { code: 'paid_elsewhere' },
      });
    }
    let sp = locked?.sp ?? null;
    if (sp && owed < sp.amountMinor) sp = await scheduled.reduceAmount(tx, sp, owed);
    // FT5: a retry charges the method the subscription or plan has now; the portal, the owner's card.
    const methodId = how.paymentMethodId ?? locked?.schedule.paymentMethodId ?? entry.paymentMethodId;
    if (!methodId) throw conflict(`failed transaction ${entry.id} has no payment method`);
    const method = await this.deps.paymentMethods.get(org.id, methodId, { db: tx });
    const { txn } = await this.deps.attempts.begin(tx, {
      organizationId: org.id,
      id: newId('transaction'),
      accountId: entry.accountId,
      kind: method.type === 'card' ? 'charge' : 'echeck_debit',
      purpose: how.purpose,
      amountMinor: owed,
      currency: entry.currency,
      paymentMethodId: method.id,
      idempotencyKey: how.key,
      obligationId: obligationOf(entry),
      scheduledPaymentId: sp?.id ?? null,
      failedTransactionId: entry.id,
      forInvoiceId: sp?.invoiceId ?? entry.invoiceId,
      actorId: how.purpose === 'retry' ? entry.retryRequestedBy : null,
      retryOrigin: how.purpose === 'retry' ? entry.retryOrigin : null,
      presentedDate: todayIn(org.timezone, this.deps.clock.now()),
    });
    return txn;
  }
}
