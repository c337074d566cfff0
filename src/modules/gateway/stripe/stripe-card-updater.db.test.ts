import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAccount } from '../../../../test/billing';
import type { TestOrg } from '../../../../test/factories';
import { call, type TestContext } from '../../../../test/harness';
import type { StripeFake } from '../../../../test/stripe-fake';
import { type StripeProduct, startStripeProduct } from '../../../../test/stripe-product';
import { todayIn } from '../../../lib/dates';

/**
 * RC2 through Stripe's card updater (`payment_method.automatically_updated`, issue 13 item 4): the wallet shows
 * the new expiry and last 4, the card leaves the expiring-cards list, and the open failure that needed a new
 * card is retried at once on the updated card — once, however often the event is delivered — unless the
 * account is under a dunning pause (RC5). Signed with the SDK's own test helper, against the local
 * Stripe-shaped server (test/stripe-fake.ts).
 */
const SECRET = 'whsec_cardupdater0123456789';
let fake: StripeFake;
let t: TestContext;
let org: TestOrg;
let product: StripeProduct;
const signer = new Stripe('sk_test_signer00000000');

beforeAll(async () => {
  product = await startStripeProduct({ webhookSecret: SECRET, timezone: 'America/Toronto' });
  ({ fake, t, org } = product);
});
afterAll(async () => product?.close());

let seq = 0;
function deliver(type: string, object: unknown) {
  const payload = JSON.stringify({
    id: `evt_updater_${Date.now()}_${++seq}`,
    object: 'event',
    api_version: '2026-10-28',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  });
  const header = signer.webhooks.generateTestHeaderString({ payload, secret: SECRET });
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/webhooks/stripe',
    headers: { 'content-type': 'application/json', 'stripe-signature': header },
    payload,
  });
}

/** A card expiring next month (Stripe.js, then the pm_… ID) paying a subscription whose charge is declined. */
async function expiredCardFailure(name: string) {
  const token = org.adminToken;
  const account = await apiAccount(t.app, token, name);
  const si = await call(t.app, token, 'POST', `/api/v1/accounts/${account.id}/payment-methods/setup-intent`, {
    type: 'card',
  });
  expect(si.status, JSON.stringify(si.body)).toBe(201);
  const customer = fake.setupIntents.get(si.body.setupIntentId)!.customer as string;
  const now = t.c.clock.now();
  const today = todayIn('America/Toronto', now);
  const [year, month] = today.split('-').map(Number) as [number, number];
  // EC1's window: a card expiring next month that pays a charge due after it.
  const expiry = month === 12 ? { expMonth: 1, expYear: year + 1 } : { expMonth: month + 1, expYear: year };
  const pm = fake.addCard(customer, { decline: 'expired_card', ...expiry, last4: '0341' });
  const saved = await call(t.app, token, 'POST', `/api/v1/accounts/${account.id}/payment-methods`, {
    type: 'card',
    gatewayToken: pm,
    saveToWallet: true,
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(201);
  const sub = await call(t.app, token, 'POST', `/api/v1/accounts/${account.id}/subscriptions`, {
    amount: 4200,
    interval: 'month',
    startDate: today,
    paymentMethodId: saved.body.id,
  });
  expect(sub.status, JSON.stringify(sub.body)).toBe(201);
  await t.c.schedules.runPaymentsDue(org.organizationId);
  await t.c.queue.drain();
  const expiring = await call(t.app, token, 'GET', '/api/v1/action-center/expiring-cards?limit=200');
  expect(expiring.body.items.map((c: { paymentMethodId: string }) => c.paymentMethodId)).toContain(
    saved.body.id,
  );
  const list = await call(t.app, token, 'GET', '/api/v1/action-center/failed-transactions');
  const entry = list.body.items.find((e: { accountId: string }) => e.accountId === account.id);
  expect(entry.reason.code).toBe('expired_card');
  return { account, customer, pm, methodId: saved.body.id as string, entryId: entry.id as string };
}

/** What the card networks' updater does at Stripe: same pm_… ID, new expiry and last 4, and it works again. */
function reissue(pm: string) {
  const stored = fake.paymentMethods.get(pm)!;
  stored._fake = {};
  stored.card = { ...stored.card, last4: '0005', exp_month: 9, exp_year: 2033 };
  return stored;
}

const entryStatus = async (id: string) =>
  (await t.c.failedTransactions.repository.get(t.c.db, org.organizationId, id))!.status;
const succeededIntents = (pm: string) =>
  [...fake.paymentIntents.values()].filter((pi) => pi.payment_method === pm && pi.status === 'succeeded');

describe('RC2: the Stripe card updater', () => {
  it('updates the wallet, takes the card off the expiring list and retries the failure at once, once', async () => {
    const { account, pm, methodId, entryId } = await expiredCardFailure('Updater Family');
    const updated = reissue(pm);
    // Delivered twice (Stripe retries webhooks): one retry, one charge.
    expect((await deliver('payment_method.automatically_updated', updated)).statusCode).toBe(200);
    expect((await deliver('payment_method.automatically_updated', updated)).statusCode).toBe(200);
    await t.c.queue.drain();

    const wallet = await call(t.app, org.adminToken, 'GET', `/api/v1/accounts/${account.id}/payment-methods`);
    expect(wallet.body.items[0]).toMatchObject({ id: methodId, last4: '0005', expMonth: 9, expYear: 2033 });
    const expiring = await call(
      t.app,
      org.adminToken,
      'GET',
      '/api/v1/action-center/expiring-cards?limit=200',
    );
    expect(expiring.body.items.map((c: { paymentMethodId: string }) => c.paymentMethodId)).not.toContain(
      methodId,
    );
    expect(await entryStatus(entryId)).toBe('resolved');
    expect(succeededIntents(pm)).toHaveLength(1);
    const audit = await t.c.audit.list(org.organizationId, { limit: 10, subjectId: entryId });
    expect(audit.find((a) => a.action === 'failed_transaction.retry_requested')).toMatchObject({
      actorId: null,
      details: { trigger: 'card_updated_by_gateway' },
    });
  });

  it('RC5: under a dunning pause the wallet follows, but nothing is retried', async () => {
    const { account, pm, entryId } = await expiredCardFailure('Updater Paused');
    const today = todayIn('America/Toronto', t.c.clock.now());
    const paused = await call(t.app, org.adminToken, 'PUT', `/api/v1/accounts/${account.id}/dunning-pause`, {
      until: today,
      reason: 'Hardship arrangement',
    });
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    expect((await deliver('payment_method.automatically_updated', reissue(pm))).statusCode).toBe(200);
    await t.c.queue.drain();
    const wallet = await call(t.app, org.adminToken, 'GET', `/api/v1/accounts/${account.id}/payment-methods`);
    expect(wallet.body.items[0]).toMatchObject({ last4: '0005' });
    expect(await entryStatus(entryId)).toBe('open');
    expect(succeededIntents(pm)).toHaveLength(0);
  });
});

describe('MS1 with RC2: the card updater, an automatic-retries run and a portal payment of one entry', () => {
  for (const round of [1, 2]) {
    it(`collect it once (round ${round})`, async () => {
      const { account, customer, pm, entryId } = await expiredCardFailure(`Updater Race ${round}`);
      // The owner's other card, used in the portal at the same moment the card updater's event is processed.
      const other = await call(
        t.app,
        org.adminToken,
        'POST',
        `/api/v1/accounts/${account.id}/payment-methods`,
        {
          type: 'card',
          gatewayToken: fake.addCard(customer),
          saveToWallet: false,
        },
      );
      expect(other.status).toBe(201);
      expect((await deliver('payment_method.automatically_updated', reissue(pm))).statusCode).toBe(200);
      const started = await Promise.allSettled([
        t.c.queue.drain(),
        t.c.recovery.runAutomaticRetries(org.organizationId),
        t.c.payments.payFailedTransaction(org.organizationId, entryId, other.body.id),
      ]);
      await t.c.queue.drain();
      for (const s of started) {
        if (s.status === 'rejected') expect((s.reason as { status?: number }).status).toBe(409);
      }
      const charged = [...fake.paymentIntents.values()].filter(
        (pi) => pi.customer === customer && pi.status === 'succeeded',
      );
      expect(charged, JSON.stringify(started)).toHaveLength(1);
    });
  }
});
