import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAccount, ledgerOf, setClock } from '../billing';
import { createOrg, type TestOrg } from '../factories';
import { call, createTestContext, type TestContext } from '../harness';
import { StripeFake } from '../stripe-fake';

/**
 * The failed-transaction and money-safety stories of the sandbox, told again with RECOUP_GATEWAY=stripe against
 * the local Stripe-shaped server (test/stripe-fake.ts): a subscription charge declined by Stripe becomes an
 * entry, its retry charges once and resolves it; a crash after Stripe charged is finished by the sweeper from
 * Stripe's record; a crash before Stripe saw the request is released and its key fenced.
 */
let fake: StripeFake;
let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  fake = await new StripeFake().start();
  t = await createTestContext({
    env: {
      RECOUP_GATEWAY: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_flows0000000000',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_flows0000000000',
      STRIPE_WEBHOOK_SECRET: 'whsec_flows0000000000',
      STRIPE_API_BASE: `http://127.0.0.1:${fake.port}`,
    },
  });
  org = await createOrg(t.c);
});
afterAll(async () => {
  await t?.close();
  await fake?.stop();
});

async function stripeCard(opts: { decline?: string } = {}) {
  const account = await apiAccount(t.app, org.adminToken);
  const si = await call(
    t.app,
    org.adminToken,
    'POST',
    `/api/v1/accounts/${account.id}/payment-methods/setup-intent`,
    {
      type: 'card',
    },
  );
  const customer = fake.setupIntents.get(si.body.setupIntentId)!.customer as string;
  const pm = fake.addCard(customer, opts);
  const method = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payment-methods`, {
    type: 'card',
    gatewayToken: pm,
    saveToWallet: true,
  });
  expect(method.status, JSON.stringify(method.body)).toBe(201);
  return { account, method: method.body as { id: string }, pm };
}

describe('failed transactions through Stripe', () => {
  it('a declined subscription charge is an entry; its retry charges once and resolves it (FT3, FT4)', async () => {
    const { account, method, pm } = await stripeCard({ decline: 'insufficient_funds' });
    const today = (await call(t.app, org.adminToken, 'GET', '/api/v1/sandbox/clock')).body.now.slice(0, 10);
    const sub = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/subscriptions`, {
      amount: 4200,
      interval: 'month',
      startDate: today,
      paymentMethodId: method.id,
    });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    await call(t.app, org.adminToken, 'POST', '/api/v1/sandbox/jobs/payments-due');
    await t.c.queue.drain();
    const list = await call(
      t.app,
      org.adminToken,
      'GET',
      '/api/v1/action-center/failed-transactions?type=subscription',
    );
    const entry = list.body.items.find((i: { accountId: string }) => i.accountId === account.id);
    expect(entry).toMatchObject({
      type: 'subscription',
      amount: 4200,
      reason: { code: 'insufficient_funds' },
      attempts: 1,
    });

    // The customer topped up their card: Stripe now accepts it.
    (fake.paymentMethods.get(pm)!._fake as { decline?: string }).decline = undefined;
    const before = fake.paymentIntentsCreated;
    const retry = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/action-center/failed-transactions/${entry.id}/retry`,
    );
    expect(retry.status).toBe(202);
    const again = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/action-center/failed-transactions/${entry.id}/retry`,
    );
    expect(again.status).toBe(409);
    await t.c.queue.drain();
    expect(fake.paymentIntentsCreated).toBe(before + 1);
    const after = await call(
      t.app,
      org.adminToken,
      'GET',
      '/api/v1/action-center/failed-transactions?type=subscription',
    );
    expect(after.body.items.some((i: { id: string }) => i.id === entry.id)).toBe(false);
    const invoice = (await ledgerOf(t.app, org.adminToken, account.id)).find((d) => d.kind === 'invoice')!;
    expect(invoice.openAmount).toBe(0);
  });

  it('a hard decline from Stripe (lost_card) cannot be retried (FT12)', async () => {
    const { account, method } = await stripeCard({ decline: 'lost_card' });
    const today = (await call(t.app, org.adminToken, 'GET', '/api/v1/sandbox/clock')).body.now.slice(0, 10);
    await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/subscriptions`, {
      amount: 1000,
      interval: 'month',
      startDate: today,
      paymentMethodId: method.id,
    });
    await call(t.app, org.adminToken, 'POST', '/api/v1/sandbox/jobs/payments-due');
    await t.c.queue.drain();
    const list = await call(
      t.app,
      org.adminToken,
      'GET',
      '/api/v1/action-center/failed-transactions?type=subscription',
    );
    const entry = list.body.items.find((i: { accountId: string }) => i.accountId === account.id);
    expect(entry).toMatchObject({ reason: { code: 'lost_card' }, actions: { retry: false } });
    const retry = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/action-center/failed-transactions/${entry.id}/retry`,
    );
    expect(retry.status).toBe(409);
  });
});

describe('money safety through Stripe (MS5)', () => {
  async function sweepLater() {
    const now = (await call(t.app, org.adminToken, 'GET', '/api/v1/sandbox/clock')).body.now as string;
    await setClock(t.app, org.adminToken, new Date(Date.parse(now) + 6 * 60_000).toISOString());
    const res = await call(t.app, org.adminToken, 'POST', '/api/v1/sandbox/jobs/payments-sweeper');
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  }

  it('Stripe charged but every answer was lost: 503 now, the sweeper records the one charge later', async () => {
    const { account, method } = await stripeCard();
    const before = fake.paymentIntentsCreated;
    fake.failNext(/^POST \/v1\/payment_intents$/, 'reset-after', 4);
    const res = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payments`, {
      amount: 2500,
      date: '2026-03-02',
      method: 'card',
      paymentMethodId: method.id,
    });
    expect(res.status).toBe(503);
    fake.clearFaults();
    expect(fake.paymentIntentsCreated).toBe(before + 1);
    await sweepLater();
    const payment = (await ledgerOf(t.app, org.adminToken, account.id)).find((d) => d.kind === 'payment');
    expect(payment).toMatchObject({ amount: 2500 });
    expect(fake.paymentIntentsCreated).toBe(before + 1);
  });

  it('Stripe never received it: the sweeper releases the attempt and fences the key', async () => {
    const { account, method } = await stripeCard();
    const before = fake.paymentIntentsCreated;
    fake.failNext(/^POST \/v1\/payment_intents$/, 'reset-before', 4);
    const res = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payments`, {
      amount: 2500,
      date: '2026-03-02',
      method: 'card',
      paymentMethodId: method.id,
    });
    expect(res.status).toBe(503);
    fake.clearFaults();
    await sweepLater();
    expect(fake.paymentIntentsCreated).toBe(before);
    expect((await ledgerOf(t.app, org.adminToken, account.id)).some((d) => d.kind === 'payment')).toBe(false);
    expect(t.c.stripeWebhooks).not.toBeNull();
    const fenced = await t.c.stripeWebhooks!.fencedKeys(org.organizationId);
    expect(fenced.length).toBeGreaterThan(0);
  });
});
