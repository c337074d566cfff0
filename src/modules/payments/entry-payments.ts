import { and, asc, eq } from 'drizzle-orm';
import { businessRule, conflict, notFound } from '../../lib/errors';
import type { PaymentMethod } from '../payment-methods/payment-methods.service';
import { type Attempt, assertGateway, type PaymentAttempts } from './payment-attempts';
import {
  type ChargeOutcome,
  entryById,
  outcomeOf,
  type ScheduledPayment,
  scheduledPaymentById,
  transactionByKey,
} from './payments.repository';
import type { PaymentsDeps } from './payments.service';
import { transactions } from './payments.table';
import type { Refunds } from './refunds';
import type { ScheduledCharges } from './scheduled-charges';

/** Action Center entries paid again: a retry from the Action Center, or the owner paying in the portal. */
export class EntryPayments {
  constructor(
    private readonly deps: Pick<PaymentsDeps, 'db' | 'gateway' | 'organizations' | 'paymentMethods'> & {
      attempts: PaymentAttempts;
      refunds: Refunds;
      scheduledCharges: ScheduledCharges;
    },
  ) {}

  /**
   * One new gateway attempt for an entry: a subscription/installment charge with the method the
   * sub/plan has NOW (FT5), an eCheck presented again, or a refund made again. The key
   * `ft:<id>:<attempts>` is the same for every call about the same attempt: repeated or concurrent
   * calls never move money twice (FT4).
   */
  async retry(organizationId: string, failedTransactionId: string): Promise<ChargeOutcome> {
    assertGateway(this.deps.gateway);
    const { db } = this.deps;
    const org = await this.deps.organizations.get(organizationId);
    const entry = await entryById(db, organizationId, failedTransactionId);
    if (entry.status === 'resolved' && entry.lastTransactionId) {
      return { status: 'succeeded', transactionId: entry.lastTransactionId };
    }
    if (entry.status !== 'open' && entry.status !== 'retrying') {
      throw conflict(`failed transaction ${entry.id} is ${entry.status}`);
    }
    const key = `ft:${entry.id}:${entry.attempts}`;
    const seen = await transactionByKey(db, organizationId, key);
    if (seen) return outcomeOf(seen);

    if (entry.type === 'refund') return this.deps.refunds.retryEntry(org, entry, key);

    let sp: ScheduledPayment | null = null;
    let method: PaymentMethod;
    let amountMinor = entry.amountMinor;
    let invoiceId = entry.invoiceId;
    if (entry.scheduledPaymentId) {
      const row = await scheduledPaymentById(db, organizationId, entry.scheduledPaymentId);
      if (!row) throw notFound('scheduled payment');
      if (row.status === 'paid') throw conflict(`scheduled payment ${row.id} is already paid`);
      sp = row;
      amountMinor = row.amountMinor;
      invoiceId = row.invoiceId;
      method = await this.deps.scheduledCharges.currentMethod(db, organizationId, row);
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
    return (await this.deps.attempts.run(db, attempt)).outcome;
  }

  /**
   * The owner pays an entry's amount in the portal with a card: posted and allocated to the entry's
   * invoice. The entry stays (FT7) until someone ignores it; its scheduled payment, if any, is paid.
   */
  async payInPortal(
    organizationId: string,
    failedTransactionId: string,
    paymentMethodId: string,
  ): Promise<ChargeOutcome> {
    assertGateway(this.deps.gateway);
    const { db } = this.deps;
    const org = await this.deps.organizations.get(organizationId);
    const entry = await entryById(db, organizationId, failedTransactionId);
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
      sp = await scheduledPaymentById(db, organizationId, entry.scheduledPaymentId);
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
    return (await this.deps.attempts.run(db, attempt)).outcome;
  }
}
