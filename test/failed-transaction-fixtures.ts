import { and, eq } from 'drizzle-orm';
import type { Container } from '../src/app/container';
import { newId } from '../src/lib/ids';
import type { Locale } from '../src/lib/locale';
import { FailedTransactionEntries } from '../src/modules/failed-transactions/failed-transactions.entries';
import { failedTransactionRetryJob } from '../src/modules/failed-transactions/failed-transactions.jobs';
import type { FailedTransactionPayments } from '../src/modules/failed-transactions/failed-transactions.service';
import { FailedTransactionsService } from '../src/modules/failed-transactions/failed-transactions.service';
import type { FailedTransactionType } from '../src/modules/failed-transactions/failed-transactions.table';
import { failedTransactions } from '../src/modules/failed-transactions/failed-transactions.table';
import { paymentMethods } from '../src/modules/payment-methods/payment-methods.table';
import { SandboxGateway } from '../src/modules/sandbox/sandbox-gateway';
import { tokenizeBankAccount, tokenizeCard } from '../src/modules/sandbox/sandbox-instruments';
import { installmentPlans, scheduledPayments, subscriptions } from '../src/modules/schedules/schedules.table';
import { testAccount } from './factories';

/**
 * Section-1 rows inserted straight into the tables (the billing core's routes are not needed): an account,
 * a payment method tokenised by the sandbox, an invoice through LedgerService, a subscription or plan with
 * its scheduled payment, and the failed-transaction entry itself.
 */
export async function ftAccount(
  c: Container,
  organizationId: string,
  opts: { name?: string; email?: string; locale?: Locale } = {},
) {
  return testAccount(c, organizationId, {
    ownerName: opts.name,
    ownerEmail: opts.email,
    locale: opts.locale,
  });
}

export async function ftCard(
  c: Container,
  organizationId: string,
  accountId: string,
  opts: { number?: string; inWallet?: boolean; expYear?: number; expMonth?: number } = {},
) {
  const card = tokenizeCard(
    {
      number: opts.number ?? '4242424242424242',
      expMonth: opts.expMonth ?? 12,
      expYear: opts.expYear ?? 2030,
      cvc: '123',
    },
    { now: c.clock.now(), timeZone: 'America/Toronto' },
  );
  const id = newId('paymentMethod');
  await c.db.insert(paymentMethods).values({
    organizationId,
    id,
    accountId,
    type: 'card',
    brand: card.brand,
    last4: card.last4,
    expMonth: card.expMonth,
    expYear: card.expYear,
    gatewayToken: card.token,
    inWallet: opts.inWallet ?? true,
    createdAt: c.clock.now(),
  });
  return id;
}

export async function ftBank(
  c: Container,
  organizationId: string,
  accountId: string,
  accountNumber = '1234567',
) {
  const bank = tokenizeBankAccount({
    routingNumber: '011000015',
    accountNumber,
    holderName: 'Marie Tremblay',
  });
  const id = newId('paymentMethod');
  await c.db.insert(paymentMethods).values({
    organizationId,
    id,
    accountId,
    type: 'echeck',
    bankName: bank.bankName,
    holderName: bank.holderName,
    last4: bank.last4,
    gatewayToken: bank.token,
    inWallet: true,
    createdAt: c.clock.now(),
  });
  return id;
}

export async function ftInvoice(c: Container, organizationId: string, accountId: string, amount: bigint) {
  const doc = await c.db.transaction((tx) =>
    c.ledger.createDocument(tx, {
      organizationId,
      accountId,
      kind: 'invoice',
      amountMinor: amount,
      currency: 'CAD',
      date: '2026-01-15',
    }),
  );
  return doc.id;
}

/** A subscription (or plan) paid by `paymentMethodId`, with one failed scheduled payment for `invoiceId`. */
export async function ftSchedule(
  c: Container,
  organizationId: string,
  accountId: string,
  kind: 'subscription' | 'installment',
  paymentMethodId: string,
  invoiceId: string,
  amount: bigint,
) {
  const now = c.clock.now();
  let subscriptionId: string | null = null;
  let installmentPlanId: string | null = null;
  if (kind === 'subscription') {
    subscriptionId = newId('subscription');
    await c.db.insert(subscriptions).values({
      organizationId,
      id: subscriptionId,
      accountId,
      amountMinor: amount,
      interval: 'month',
      startDate: '2026-01-15',
      anchorDay: 15,
      paymentMethodId,
      createdAt: now,
    });
  } else {
    installmentPlanId = newId('installmentPlan');
    await c.db.insert(installmentPlans).values({
      organizationId,
      id: installmentPlanId,
      accountId,
      invoiceId,
      paymentMethodId,
      createdAt: now,
    });
  }
  const scheduledPaymentId = newId('scheduledPayment');
  await c.db.insert(scheduledPayments).values({
    organizationId,
    id: scheduledPaymentId,
    accountId,
    source: kind,
    subscriptionId,
    installmentPlanId,
    invoiceId,
    dueDate: '2026-01-15',
    amountMinor: amount,
    status: 'failed',
    attempts: 1,
    createdAt: now,
  });
  return { subscriptionId, installmentPlanId, scheduledPaymentId };
}

export interface NewEntry {
  accountId: string;
  type?: FailedTransactionType;
  amount?: bigint;
  paymentMethodId: string;
  methodType?: 'card' | 'echeck';
  reasonCode?: string;
  failedAt?: Date;
  firstFailedAt?: Date;
  originalAt?: Date;
  invoiceId?: string | null;
  scheduledPaymentId?: string | null;
  representments?: number;
  attempts?: number;
  status?: 'open' | 'retrying' | 'resolved' | 'ignored';
  resolvedAt?: Date | null;
}

export async function ftEntry(c: Container, organizationId: string, e: NewEntry) {
  const id = newId('failedTransaction');
  const failedAt = e.failedAt ?? c.clock.now();
  await c.db.insert(failedTransactions).values({
    organizationId,
    id,
    accountId: e.accountId,
    type: e.type ?? 'subscription',
    status: e.status ?? 'open',
    paymentId: newId('payment'),
    amountMinor: e.amount ?? 12_500n,
    currency: 'CAD',
    paymentMethodId: e.paymentMethodId,
    paymentMethodType: e.methodType ?? 'card',
    reasonCode: e.reasonCode ?? 'insufficient_funds',
    attempts: e.attempts ?? 1,
    representments: e.representments ?? 0,
    firstFailedAt: e.firstFailedAt ?? failedAt,
    failedAt,
    originalAt: e.originalAt ?? failedAt,
    scheduledPaymentId: e.scheduledPaymentId ?? null,
    invoiceId: e.invoiceId ?? null,
    resolvedAt: e.resolvedAt ?? null,
    createdAt: failedAt,
  });
  return id;
}

/** Every entry of one account, whatever its state (the billing core's writes open them). */
export async function ftOfAccount(c: Container, organizationId: string, accountId: string) {
  return c.db
    .select()
    .from(failedTransactions)
    .where(
      and(eq(failedTransactions.organizationId, organizationId), eq(failedTransactions.accountId, accountId)),
    );
}

export async function ftGet(c: Container, organizationId: string, id: string) {
  const [row] = await c.db
    .select()
    .from(failedTransactions)
    .where(and(eq(failedTransactions.organizationId, organizationId), eq(failedTransactions.id, id)));
  return row!;
}

/**
 * A stand-in for the billing core's PaymentsService.retryFailedTransaction: one sandbox charge with the
 * method the sub/plan has now (FT5), keyed by entry and attempt so a replay never charges twice; success
 * resolves the entry, failure puts it back `open` with one more attempt and the new reason.
 */
export function fakePayments(c: Container, gateway = new SandboxGateway({ db: c.db, clock: c.clock })) {
  const charged: { failedTransactionId: string; paymentMethodId: string }[] = [];
  const payments: FailedTransactionPayments = {
    async retryFailedTransaction(organizationId, failedTransactionId) {
      const entry = await ftGet(c, organizationId, failedTransactionId);
      let methodId = entry.paymentMethodId!;
      if (entry.scheduledPaymentId) {
        const [sp] = await c.db
          .select()
          .from(scheduledPayments)
          .where(
            and(
              eq(scheduledPayments.organizationId, organizationId),
              eq(scheduledPayments.id, entry.scheduledPaymentId),
            ),
          );
        const [owner] = sp?.subscriptionId
          ? await c.db
              .select({ pm: subscriptions.paymentMethodId })
              .from(subscriptions)
              .where(eq(subscriptions.id, sp.subscriptionId))
          : await c.db
              .select({ pm: installmentPlans.paymentMethodId })
              .from(installmentPlans)
              .where(eq(installmentPlans.id, sp!.installmentPlanId!));
        methodId = owner!.pm;
      }
      const [pm] = await c.db.select().from(paymentMethods).where(eq(paymentMethods.id, methodId));
      charged.push({ failedTransactionId, paymentMethodId: methodId });
      const result = await gateway.charge({
        organizationId,
        token: pm!.gatewayToken,
        paymentMethodId: methodId,
        amountMinor: entry.amountMinor,
        currency: entry.currency,
        idempotencyKey: `ft-retry:${failedTransactionId}:${entry.attempts}`,
      });
      const where = and(
        eq(failedTransactions.organizationId, organizationId),
        eq(failedTransactions.id, failedTransactionId),
      );
      if (result.status === 'succeeded') {
        await c.db
          .update(failedTransactions)
          .set({ status: 'resolved', resolvedAt: c.clock.now() })
          .where(where);
        return { status: 'succeeded', transactionId: result.gatewayRef };
      }
      await c.db
        .update(failedTransactions)
        .set({
          status: 'open',
          attempts: entry.attempts + 1,
          reasonCode: result.code,
          failedAt: c.clock.now(),
        })
        .where(where);
      return { status: 'failed', code: result.code, transactionId: result.gatewayRef };
    },
    async payFailedTransaction() {
      return { status: 'succeeded' };
    },
    entryLeftList: (tx, entry) => c.payments.entryLeftList(tx, entry),
    collectionOfEntry: (db, entry) => c.payments.collectionOfEntry(db, entry),
  };
  return { payments, charged, gateway };
}

/** Re-binds the retry job to a service whose attempt is `payments` (the container's is the real core's). */
export function bindRetryJob(c: Container, payments: FailedTransactionPayments) {
  const service = new FailedTransactionsService({
    db: c.db,
    clock: c.clock,
    queue: c.queue,
    audit: c.audit,
    payments,
    entries: new FailedTransactionEntries({ clock: c.clock, audit: c.audit, queue: c.queue }),
  });
  c.queue.register({
    ...failedTransactionRetryJob(service),
    retry: { limit: 0 },
    handler: async (data) => service.runRetry(data.organizationId, data.failedTransactionId),
  });
  return service;
}
