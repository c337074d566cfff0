import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/platform/db/db';
import { apiInvoice, ledgerOf } from '../billing';
import { call, createTestContext, type TestContext } from '../harness';
import {
  type Crashes,
  collectedFor,
  crashInjector,
  FT_LIST,
  type LedgerItem,
  type MoneyApi,
  moneyApi,
} from '../money/money-kit';
import { postStripeEvent, type StripeProduct, saveStripeMethod, startStripeProduct } from '../stripe-product';

/**
 * Money where the newer features cross the older paths (SPEC §4 MS1–MS6 with RC1, RC6 and the sweeper of
 * MS5): an attempt whose gateway answer is still unknown — `processing` until the payments sweeper asks the
 * gateway (ATTEMPT_LEASE_MS, 5 minutes) — while an administrator reschedules the installment it collects
 * (RC6), ignores the entry (FT6), or the due run charges the installment that received its amount. Each test
 * drives the public API and the jobs, with the answer lost by the crash drill of money-kit (the worker died
 * after the gateway answered), and asserts the money invariant itself: an invoice is never collected beyond
 * its amount, a payment never refunded beyond it, and the gateway and the ledger agree (brokenInvariants).
 * The interleavings are sequential (deterministic on both databases); the attempts in flight are real rows
 * the sweeper finishes, exactly as after a crash. The last part runs the product on the Stripe adapter against
 * the local Stripe-shaped server, whose `holdNext` keeps one request waiting at the server so that a webhook
 * job runs in the middle of the sweeper's lookup (or a late request lands after it).
 */

let t: TestContext;
let crashes: Crashes;

beforeAll(async () => {
  t = await createTestContext();
  crashes = crashInjector(t.c.gateway);
});
afterAll(async () => t?.close());

const fresh = () => moneyApi(t);

async function expectNoBrokenInvariants(m: MoneyApi) {
  expect(await m.brokenInvariants()).toEqual([]);
}

/** Posted card payments of the account, in the ledger. */
const gatewayCollected = async (m: MoneyApi) => {
  let total = 0;
  for (const op of await m.gatewayOps())
    if (op.kind === 'charge' && op.status === 'succeeded') total += op.amount;
  return total;
};

/**
 * An invoice of 10,000 in two card installments of 5,000, due April 1 and April 2; the first is declined
 * (a soft decline: the policy retries it automatically the next day, RC1). One open entry.
 */
async function declinedInstallment(m: MoneyApi) {
  await m.setClock('2026-03-02T15:00:00Z');
  const account = await m.account('Odile Paquette');
  const card = await m.card(account.id);
  const invoice = await m.invoice(account.id, 10_000, '2026-03-01');
  const plan = await m.plan(account.id, invoice.id, card.id, [
    { dueDate: '2026-04-01', amount: 5000 },
    { dueDate: '2026-04-02', amount: 5000 },
  ]);
  await m.setClock('2026-04-01T15:00:00Z');
  await m.nextOutcome(card.id, 'card_declined');
  expect(await m.job('payments-due')).toMatchObject({ failed: 1 });
  const entry = await m.entryOf(account.id);
  expect(entry).toMatchObject({ type: 'installment', status: 'open', amount: 5000 });
  expect(entry.nextRetryAt).not.toBeNull();
  return { account, card, invoiceId: invoice.id, plan, entry };
}

type Lost = 'portal payment' | 'automatic retry';

/**
 * The first installment's money is collected at the gateway but the answer is lost: the attempt stays
 * `processing` (the gateway charged 5,000). Through the portal (the owner pays the entry; the entry stays
 * open, FT7) or through the automatic-retries run (RC1).
 */
async function loseCollection(m: MoneyApi, how: Lost, s: Awaited<ReturnType<typeof declinedInstallment>>) {
  await m.setClock(s.entry.nextRetryAt);
  if (how === 'portal payment') {
    const portal = await m.portalToken(s.account.ownerEmail);
    expect(portal).not.toBeNull();
    crashes.arm('after');
    const paid = await call(
      t.app,
      null,
      'POST',
      `/api/v1/portal/pay?token=${encodeURIComponent(portal!)}`,
      { failedTransactionId: s.entry.id, paymentMethodId: s.card.id },
      {},
    );
    expect(paid.status, JSON.stringify(paid.body)).toBe(503);
  } else {
    crashes.arm('after');
    expect(await m.job('automatic-retries')).toMatchObject({ claimed: 1 });
  }
  expect(await m.attemptsInFlight()).toHaveLength(1);
  expect(await gatewayCollected(m)).toBe(5000);
}

describe('RC6 × MS5: a failed installment rescheduled while its collection is in flight', () => {
  const modes = ['next_installment', 'spread', 'new_installment'] as const;
  for (const how of ['portal payment', 'automatic retry'] as const) {
    for (const mode of modes) {
      it(`(${how}, ${mode}) RC6, MS1, MS2: the rescheduled amount is not collected a second time; the invoice's 10,000 once`, async () => {
        const m = await fresh();
        const s = await declinedInstallment(m);
        await loseCollection(m, how, s);

        // Within the sweeper's lease, the administrator reschedules the failed installment.
        const moved = await m.req('POST', `${FT_LIST}/${s.entry.id}/reschedule`, {
          mode,
          ...(mode === 'new_installment' ? { date: '2026-04-02' } : {}),
        });
        expect
          .soft(
            moved.status,
            `MS1: the installment's money is being collected: ${JSON.stringify(moved.body)}`,
          )
          .toBe(409);

        // The day's due run (still within the lease), then the sweeper finishes the lost attempt.
        const at = new Date(new Date(s.entry.nextRetryAt).getTime() + 3 * 60_000).toISOString();
        await m.setClock(at);
        await m.job('payments-due');
        await m.setClock(new Date(new Date(at).getTime() + 10 * 60_000).toISOString());
        expect(await m.job('payments-sweeper')).toMatchObject({ finished: 1 });
        await m.drain();
        // Whatever is still due later is charged now (a new installment, or what was left).
        await m.setClock('2026-06-01T15:00:00Z');
        await m.job('payments-due');
        await m.drain();

        const ledger = await m.ledger(s.account.id);
        expect(collectedFor(ledger, s.invoiceId), 'collected for the 10,000 invoice').toBeLessThanOrEqual(
          10_000,
        );
        expect(await m.gatewayNet(), await m.gatewaySummary()).toBe(10_000);
        // RC6: what the plan's installments collected (paid) never exceeds its invoice.
        const [paidOnPlan] = await rows<{ total: string }>(
          t.c.db,
          sql`select coalesce(sum(amount_minor), 0)::text as total from scheduled_payments
               where organization_id = ${m.orgId} and installment_plan_id = ${s.plan.id} and status = 'paid'`,
        );
        expect(Number(paidOnPlan!.total), 'RC6: paid by the plan').toBeLessThanOrEqual(10_000);
        await expectNoBrokenInvariants(m);
      });
    }
  }
});

describe('RC6 × MS1, at once (meaningful on PostgreSQL; PGlite runs them one after the other)', () => {
  for (const round of [1, 2, 3]) {
    it(`(round ${round}) a reschedule, a manual retry, the automatic-retries run, a portal payment and the due run of the next installment collect the invoice once`, async () => {
      const m = await fresh();
      const s = await declinedInstallment(m);
      // The automatic retry of the first installment is due, and so is the second installment.
      await m.setClock(s.entry.nextRetryAt);
      const actor = { organizationId: m.orgId, userId: m.org.adminId, locale: 'en-CA' as const };
      const started = await Promise.allSettled([
        m.req('POST', `${FT_LIST}/${s.entry.id}/reschedule`, { mode: 'next_installment' }),
        t.c.failedTransactions
          .requestRetry(actor, s.entry.id)
          .then(() => t.c.failedTransactions.runRetry(m.orgId, s.entry.id)),
        t.c.recovery.runAutomaticRetries(m.orgId),
        t.c.payments.payFailedTransaction(m.orgId, s.entry.id, s.card.id),
        t.c.queue.runNow('payments-due', { organizationId: m.orgId }),
      ]);
      for (const r of started) {
        if (r.status === 'rejected')
          expect((r.reason as { status?: number }).status, String(r.reason)).toBe(409);
      }
      await m.drain();
      await m.setClock('2026-06-01T15:00:00Z');
      await m.job('payments-sweeper');
      await m.job('payments-due');
      await m.drain();

      const ledger = await m.ledger(s.account.id);
      expect(collectedFor(ledger, s.invoiceId)).toBe(10_000);
      expect(await m.gatewayNet(), await m.gatewaySummary()).toBe(10_000);
      const [paidOnPlan] = await rows<{ total: string }>(
        t.c.db,
        sql`select coalesce(sum(amount_minor), 0)::text as total from scheduled_payments
             where organization_id = ${m.orgId} and installment_plan_id = ${s.plan.id} and status = 'paid'`,
      );
      expect(Number(paidOnPlan!.total), `RC6: paid by the plan ${JSON.stringify(started)}`).toBe(10_000);
      await expectNoBrokenInvariants(m);
    });
  }
});

describe('MS2 × FT6 × MS5: the entry ignored while its portal payment is in flight, its amount moved by hand', () => {
  it('MS2, RC6: the next installment cannot be raised to carry money already on its way; the invoice is collected once', async () => {
    const m = await fresh();
    const s = await declinedInstallment(m);
    await loseCollection(m, 'portal payment', s);

    // The administrator ignores the entry (no money moves, FT6) and raises the last installment by hand.
    expect((await m.req('POST', `${FT_LIST}/${s.entry.id}/ignore`, { note: 'moved to May' })).status).toBe(
      200,
    );
    const last = s.plan.installments[1]!;
    const raised = await m.req('PATCH', `/api/v1/scheduled-payments/${last.id}`, { amount: 10_000 });
    expect
      .soft(raised.status, `MS2: 5,000 is in flight for the invoice: ${JSON.stringify(raised.body)}`)
      .toBe(422);

    const at = new Date(new Date(s.entry.nextRetryAt).getTime() + 3 * 60_000).toISOString();
    await m.setClock(at);
    await m.job('payments-due');
    await m.setClock(new Date(new Date(at).getTime() + 10 * 60_000).toISOString());
    expect(await m.job('payments-sweeper')).toMatchObject({ finished: 1 });
    await m.drain();

    const ledger = await m.ledger(s.account.id);
    expect(collectedFor(ledger, s.invoiceId), 'collected for the 10,000 invoice').toBeLessThanOrEqual(10_000);
    expect(await m.gatewayNet(), await m.gatewaySummary()).toBe(10_000);
    await expectNoBrokenInvariants(m);
  });
});

describe('MS3 × MS5: a failed refund retried, its answer lost, then ignored', () => {
  it('MS3, FT6: the entry cannot be ignored while its refund is in flight; the payment is never refunded beyond it', async () => {
    const m = await fresh();
    await m.setClock('2026-03-02T15:00:00Z');
    const account = await m.account('Réjean Lavoie');
    const card = await m.card(account.id);
    const paid = await m.pay(account.id, { amount: 10_000, method: 'card', paymentMethodId: card.id });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    const payment = (await m.ledger(account.id)).find((d) => d.kind === 'payment')!;

    // The merchant account is empty: the refund is refused and becomes a failed-refund entry (reserved).
    await m.ok(200, 'PUT', '/api/v1/sandbox/merchant-balance', { amount: 0 });
    const refused = await m.refund(account.id, payment.id, 10_000);
    expect(refused.body, JSON.stringify(refused.body)).toMatchObject({ status: 'failed' });
    const entry = await m.entryOf(account.id);
    expect(entry).toMatchObject({ type: 'refund', status: 'open', amount: 10_000 });
    await m.ok(200, 'PUT', '/api/v1/sandbox/merchant-balance', { amount: 1_000_000 });

    // The administrator retries it; the retry job's refund reaches the gateway but its answer is lost.
    expect((await m.retry(entry.id)).status).toBe(202);
    crashes.arm('after');
    await expect(
      t.c.queue.runNow('failed-transaction-retry', {
        organizationId: m.orgId,
        failedTransactionId: entry.id,
      }),
    ).rejects.toMatchObject({ status: 503 });
    expect(await m.attemptsInFlight()).toHaveLength(1);

    // The refund is on its way: ignoring the entry would give its reservation back (MS3).
    const ignored = await m.req('POST', `${FT_LIST}/${entry.id}/ignore`, { note: 'refunded by hand' });
    expect.soft(ignored.status, JSON.stringify(ignored.body)).toBe(409);

    await m.setClock('2026-03-02T15:10:00Z');
    expect(await m.job('payments-sweeper')).toMatchObject({ finished: 1 });
    await m.drain();
    const again = await m.refund(account.id, payment.id, 10_000);
    expect.soft(again.status, JSON.stringify(again.body)).toBe(422);

    const refunds = (await m.ledger(account.id)).filter(
      (d) => d.kind === 'refund' && d.status === 'posted' && d.refundedPaymentId === payment.id,
    );
    expect(
      refunds.reduce((sum, d) => sum + d.amount, 0),
      'MS3: refunded of the 10,000 payment',
    ).toBeLessThanOrEqual(10_000);
    expect(await m.gatewayNet(), await m.gatewaySummary()).toBe(0);
    await expectNoBrokenInvariants(m);
  });
});

describe('MS5 × MS6 with Stripe: a charge webhook and the fence the sweeper holds on its key', () => {
  const SECRET = 'whsec_crossings0123456789';
  let p: StripeProduct;
  let stripeCrashes: Crashes;
  beforeAll(async () => {
    p = await startStripeProduct({ webhookSecret: SECRET });
    stripeCrashes = crashInjector(p.t.c.gateway);
  });
  afterAll(async () => p?.close());

  it('MS5, MS6: a charge the sweeper finds is recorded and kept; the webhook that saw its key fenced meanwhile does not refund it', async () => {
    const { t: st, org, fake } = p;
    await st.c.sandboxClock!.set(new Date('2026-03-02T15:00:00Z'));
    const { account, method } = await saveStripeMethod(p, 'card');
    const invoice = await apiInvoice(st.app, org.adminToken, account.id, 4000);

    // The card is charged at Stripe; the worker dies before recording the answer (the attempt stays processing).
    stripeCrashes.arm('after');
    const paid = await call(st.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payments`, {
      amount: 4000,
      date: '2026-03-02',
      method: 'card',
      paymentMethodId: method.id,
      invoiceId: invoice.id,
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(503);
    const pi = [...fake.paymentIntents.values()].at(-1)!;
    expect(pi.status).toBe('succeeded');

    // Stripe's `payment_intent.succeeded` is delivered (stored, its job queued) while the process restarts.
    await postStripeEvent(p, 'payment_intent.succeeded', { ...pi });

    // The sweeper fences the key and lists the customer's PaymentIntents; the webhook job runs meanwhile.
    await st.c.sandboxClock!.set(new Date('2026-03-02T15:06:00Z'));
    const listing = fake.holdNext(/^GET \/v1\/payment_intents$/);
    const sweep = st.c.payments.sweep(org.organizationId);
    await listing.reached;
    await st.c.queue.drain();
    listing.release();
    expect(await sweep).toMatchObject({ finished: 1 });
    await st.c.queue.drain();

    const refunds = [...fake.refunds.values()].filter((r) => r.payment_intent === pi.id) as {
      amount: number;
      metadata: unknown;
    }[];
    const ledger = await ledgerOf(st.app, org.adminToken, account.id);
    const payments = ledger.filter((d) => d.kind === 'payment' && d.status === 'posted');
    const ledgerRefunds = ledger.filter((d) => d.kind === 'refund' && d.status === 'posted');
    // MS6: what Stripe kept of the charge is what the ledger says was paid.
    const keptAtStripe = pi.amount - refunds.reduce((s, r) => s + r.amount, 0);
    const ledgerNet =
      payments.reduce((s, d) => s + d.amount, 0) - ledgerRefunds.reduce((s, d) => s + d.amount, 0);
    expect(ledgerNet, `Stripe refunds ${JSON.stringify(refunds.map((r) => r.metadata))}`).toBe(keptAtStripe);
    expect(refunds, 'a charge Recoup recorded is not given back').toEqual([]);
    expect(ledger.find((d) => d.id === invoice.id)).toMatchObject({ openAmount: 0 });
  });
  it('MS5, MS6: a request that reaches Stripe after the sweeper released its attempt is refunded by its webhook', async () => {
    const { t: st, org, fake } = p;
    await st.c.sandboxClock!.set(new Date('2026-03-03T15:00:00Z'));
    const { account, method } = await saveStripeMethod(p, 'card');
    const invoice = await apiInvoice(st.app, org.adminToken, account.id, 2500);

    // The request is on the wire (past the fence check) and reaches Stripe only after the sweeper ran.
    const creating = fake.holdNext(/^POST \/v1\/payment_intents$/);
    const paying = call(st.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payments`, {
      amount: 2500,
      date: '2026-03-03',
      method: 'card',
      paymentMethodId: method.id,
      invoiceId: invoice.id,
    });
    await creating.reached;
    await st.c.sandboxClock!.set(new Date('2026-03-03T15:06:00Z'));
    expect(await st.c.payments.sweep(org.organizationId)).toMatchObject({ released: 1 });
    creating.release();
    expect((await paying).status).toBeLessThan(500);
    const pi = [...fake.paymentIntents.values()].at(-1)!;
    expect(pi.status).toBe('succeeded');

    await postStripeEvent(p, 'payment_intent.succeeded', { ...pi });
    await st.c.queue.drain();

    const refunds = [...fake.refunds.values()].filter((r) => r.payment_intent === pi.id) as {
      amount: number;
    }[];
    expect(
      refunds.map((r) => r.amount),
      'the late charge is given back',
    ).toEqual([2500]);
    const ledger = await ledgerOf(st.app, org.adminToken, account.id);
    expect(
      ledger.filter((d) => (d.kind === 'payment' || d.kind === 'refund') && d.status === 'posted'),
    ).toEqual([]);
    expect(ledger.find((d) => d.id === invoice.id)).toMatchObject({ openAmount: 2500 });
  });
  it('MS3, MS6: a refund that fails after a second one was accepted — its retry, its ignore, a new refund and the replayed failure at once — never refunds beyond the payment', async () => {
    const { t: st, org, fake } = p;
    await st.c.sandboxClock!.set(new Date('2026-03-04T15:00:00Z'));
    const { account, method } = await saveStripeMethod(p, 'card');
    const api = (m: 'GET' | 'POST', url: string, body?: unknown) =>
      call(st.app, org.adminToken, m, url, body);
    const paid = await api('POST', `/api/v1/accounts/${account.id}/payments`, {
      amount: 10_000,
      date: '2026-03-04',
      method: 'card',
      paymentMethodId: method.id,
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    const pi = [...fake.paymentIntents.values()].at(-1)!;
    const refund = (amount: number) =>
      api('POST', `/api/v1/accounts/${account.id}/refunds`, { amount, paymentId: paid.body.id });
    expect((await refund(6000)).body).toMatchObject({ status: 'succeeded' });
    const first = [...fake.refunds.values()].at(-1)!;
    expect((await refund(4000)).body).toMatchObject({ status: 'succeeded' });
    expect((await refund(1)).status).toBe(422);

    const deliverFailure = (type: string, r: unknown) => postStripeEvent(p, type, r);
    // Days later the first refund fails at Stripe: a failed-refund entry of 6,000 (its amount still reserved).
    const failed = fake.failRefund(first.id);
    await deliverFailure('refund.failed', { ...failed });
    await st.c.queue.drain();
    const entry = (await api('GET', `${FT_LIST}?type=refund`)).body.items.find(
      (i: { accountId: string }) => i.accountId === account.id,
    );
    expect(entry).toMatchObject({ type: 'refund', amount: 6000, status: 'open' });

    const actor = { organizationId: org.organizationId, userId: org.adminId, locale: 'en-CA' as const };
    const started = await Promise.allSettled([
      st.c.failedTransactions
        .requestRetry(actor, entry.id)
        .then(() => st.c.failedTransactions.runRetry(org.organizationId, entry.id)),
      api('POST', `${FT_LIST}/${entry.id}/ignore`, { note: 'paid back by cheque' }),
      refund(6000),
      deliverFailure('charge.refund.updated', { ...failed }).then(() => st.c.queue.drain()),
    ]);
    for (const r of started) {
      if (r.status === 'rejected')
        expect((r.reason as { status?: number }).status, String(r.reason)).toBe(409);
    }
    await st.c.queue.drain();

    // Whatever won, the ledger's refunds are Stripe's refunds that went out, and never more than the payment.
    const atStripe = [...fake.refunds.values()]
      .filter((r) => r.payment_intent === pi.id && r.status !== 'failed')
      .reduce((sum, r) => sum + (r.amount as number), 0);
    const ledger = (await ledgerOf(st.app, org.adminToken, account.id)) as unknown as LedgerItem[];
    const posted = ledger
      .filter((d) => d.kind === 'refund' && d.status === 'posted' && d.refundedPaymentId === paid.body.id)
      .reduce((sum, d) => sum + d.amount, 0);
    expect(
      posted,
      `MS3 ${JSON.stringify(started.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason))))}`,
    ).toBeLessThanOrEqual(10_000);
    expect(atStripe, 'MS6: refunds at Stripe = refunds in the ledger').toBe(posted);
    // What the payment still shows as refundable never lets a refund beyond it through.
    const left = 10_000 - posted;
    expect((await refund(left + 1)).status).toBe(422);
  });
});
