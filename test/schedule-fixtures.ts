import { and, eq } from 'drizzle-orm';
import type { Container } from '../src/app/container';
import { newId } from '../src/lib/ids';
import type { Locale } from '../src/lib/locale';
import { paymentMethods } from '../src/modules/payment-methods/payment-methods.table';
import { installmentPlans, scheduledPayments, subscriptions } from '../src/modules/schedules/schedules.table';
import { testAccount } from './factories';

/**
 * Rows of the billing core written directly, for tests of the modules that read them (Action Center).
 * Amounts are minor units; dates are `YYYY-MM-DD`.
 */
export async function insertAccount(
  c: Container,
  organizationId: string,
  opts: { ownerName?: string; ownerEmail?: string; locale?: Locale } = {},
): Promise<string> {
  return testAccount(c, organizationId, opts);
}

export async function insertCard(
  c: Container,
  organizationId: string,
  accountId: string,
  opts: { expMonth: number; expYear: number; brand?: string; last4?: string; inWallet?: boolean },
): Promise<string> {
  const id = newId('paymentMethod');
  await c.db.insert(paymentMethods).values({
    organizationId,
    id,
    accountId,
    type: 'card',
    brand: opts.brand ?? 'visa',
    last4: opts.last4 ?? '4242',
    expMonth: opts.expMonth,
    expYear: opts.expYear,
    gatewayToken: `tok_sandbox_${id}`,
    inWallet: opts.inWallet ?? true,
    createdAt: c.clock.now(),
  });
  return id;
}

export interface Due {
  dueDate: string;
  amount: bigint;
  status?: 'scheduled' | 'processing' | 'paid' | 'failed' | 'cancelled';
}

async function insertPayments(
  c: Container,
  organizationId: string,
  accountId: string,
  source: { subscriptionId: string } | { installmentPlanId: string },
  payments: Due[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const p of payments) {
    const id = newId('scheduledPayment');
    ids.push(id);
    await c.db.insert(scheduledPayments).values({
      organizationId,
      id,
      accountId,
      source: 'subscriptionId' in source ? 'subscription' : 'installment',
      subscriptionId: 'subscriptionId' in source ? source.subscriptionId : null,
      installmentPlanId: 'installmentPlanId' in source ? source.installmentPlanId : null,
      dueDate: p.dueDate,
      amountMinor: p.amount,
      status: p.status ?? 'scheduled',
      createdAt: c.clock.now(),
    });
  }
  // Written straight to the table: reported as the schedules module's own writes report theirs.
  await c.scheduled.cardScheduleChanged(c.db, { organizationId, scheduledPaymentIds: ids });
  return ids;
}

/** A monthly subscription paid by `paymentMethodId`, with the given scheduled payments. */
export async function insertSubscription(
  c: Container,
  organizationId: string,
  accountId: string,
  paymentMethodId: string,
  payments: Due[],
): Promise<{ subscriptionId: string; scheduledPaymentIds: string[] }> {
  const subscriptionId = newId('subscription');
  const first = payments[0]?.dueDate ?? '2026-01-01';
  await c.db.insert(subscriptions).values({
    organizationId,
    id: subscriptionId,
    accountId,
    amountMinor: payments[0]?.amount ?? 1000n,
    interval: 'month',
    startDate: first,
    anchorDay: Number(first.slice(8, 10)),
    paymentMethodId,
    createdAt: c.clock.now(),
  });
  const scheduledPaymentIds = await insertPayments(
    c,
    organizationId,
    accountId,
    { subscriptionId },
    payments,
  );
  return { subscriptionId, scheduledPaymentIds };
}

/** An installment plan paid by `paymentMethodId` (its invoice is only referenced, not created). */
export async function insertInstallmentPlan(
  c: Container,
  organizationId: string,
  accountId: string,
  paymentMethodId: string,
  installments: Due[],
): Promise<{ installmentPlanId: string; scheduledPaymentIds: string[] }> {
  const installmentPlanId = newId('installmentPlan');
  await c.db.insert(installmentPlans).values({
    organizationId,
    id: installmentPlanId,
    accountId,
    invoiceId: newId('invoice'),
    paymentMethodId,
    createdAt: c.clock.now(),
  });
  const scheduledPaymentIds = await insertPayments(
    c,
    organizationId,
    accountId,
    { installmentPlanId },
    installments,
  );
  return { installmentPlanId, scheduledPaymentIds };
}

/** Points a subscription or plan at another payment method (what "change payment method" does). */
export async function repoint(
  c: Container,
  organizationId: string,
  source: { subscriptionId: string } | { installmentPlanId: string },
  paymentMethodId: string,
): Promise<void> {
  const table = 'subscriptionId' in source ? subscriptions : installmentPlans;
  const where = and(
    eq(table.organizationId, organizationId),
    eq(table.id, 'subscriptionId' in source ? source.subscriptionId : source.installmentPlanId),
  );
  const [before] = await c.db.select({ paymentMethodId: table.paymentMethodId }).from(table).where(where);
  await c.db.update(table).set({ paymentMethodId }).where(where);
  await c.scheduled.cardScheduleChanged(c.db, {
    organizationId,
    paymentMethodIds: [before!.paymentMethodId, paymentMethodId],
  });
}
