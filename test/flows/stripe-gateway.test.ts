import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentMethods } from '../../src/modules/payment-methods/payment-methods.table';
import { apiAccount, apiInvoice, ledgerOf, localToday, setClock } from '../billing';
import type { TestOrg } from '../factories';
import { call, type TestContext } from '../harness';
import type { StripeFake } from '../stripe-fake';
import { postStripeEvent, type StripeProduct, saveStripeMethod, startStripeProduct } from '../stripe-product';

/**
 * The failed-transaction and money-safety stories of the sandbox, told again with RECOUP_GATEWAY=stripe against
 * the local Stripe-shaped server (test/stripe-fake.ts): a subscription charge declined by Stripe becomes an
 * entry, its retry charges once and resolves it; a crash after Stripe charged is finished by the sweeper from
 * Stripe's record; a crash before Stripe saw the request is released and its key fenced.
 */
const WEBHOOK_SECRET = 'whsec_flows0000000000';
let fake: StripeFake;
let t: TestContext;
let org: TestOrg;
let product: StripeProduct;

beforeAll(async () => {
  product = await startStripeProduct({ webhookSecret: WEBHOOK_SECRET });
  ({ fake, t, org } = product);
});
afterAll(async () => product?.close());

const stripeCard = (opts: { decline?: string } = {}, existing?: { id: string }) =>
  saveStripeMethod(product, 'card', { ...opts, ...(existing ? { account: existing } : {}) });

describe('failed transactions through Stripe', () => {
  it('a declined subscription charge is an entry; its retry charges once and resolves it (FT3, FT4)', async () => {
    const { account, method, pm } = await stripeCard({ decline: 'insufficient_funds' });
    const today = await localToday(t.app, org.adminToken);
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
    const today = await localToday(t.app, org.adminToken);
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

/** A Stripe event as Stripe sends it, signed, then processed. */
async function deliver(type: string, object: unknown) {
  await postStripeEvent(product, type, object);
  await t.c.queue.drain();
}

async function today() {
  return localToday(t.app, org.adminToken);
}

/** A subscription charged through Stripe whose first charge failed: its Action Center entry. */
async function failedSubscription(decline = 'insufficient_funds', amount = 4200) {
  const card = await stripeCard({ decline });
  const sub = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${card.account.id}/subscriptions`, {
    amount,
    interval: 'month',
    startDate: await today(),
    paymentMethodId: card.method.id,
  });
  expect(sub.status, JSON.stringify(sub.body)).toBe(201);
  await call(t.app, org.adminToken, 'POST', '/api/v1/sandbox/jobs/payments-due');
  await t.c.queue.drain();
  const list = await call(t.app, org.adminToken, 'GET', '/api/v1/action-center/failed-transactions');
  const entry = list.body.items.find((i: { accountId: string }) => i.accountId === card.account.id);
  expect(entry).toBeDefined();
  return { ...card, entry: entry as { id: string; amount: number } };
}

async function portalLink(
  accountId: string,
  subject: { failedTransactionId?: string; paymentMethodId?: string },
) {
  const issued = await t.c.portalLinks.issue(
    t.c.db,
    subject.failedTransactionId
      ? {
          organizationId: org.organizationId,
          accountId,
          purpose: 'failed_payment',
          failedTransactionId: subject.failedTransactionId,
        }
      : {
          organizationId: org.organizationId,
          accountId,
          purpose: 'card_expiry',
          paymentMethodId: subject.paymentMethodId!,
        },
  );
  return { id: issued.id, q: `token=${encodeURIComponent(issued.token)}` };
}

async function methodsOf(accountId: string) {
  return (await t.c.db.select().from(paymentMethods)).filter((m) => m.accountId === accountId);
}

describe('the customer portal with the live gateway (Stripe.js, SetupIntents, mandates)', () => {
  it('a card number posted to the portal is refused (400, in the owner’s language) and nothing is stored or sent', async () => {
    const { account, entry } = await failedSubscription();
    const link = await portalLink(account.id, { failedTransactionId: entry.id });
    const before = await methodsOf(account.id);
    const requests = fake.requests.length;
    const res = await call(t.app, null, 'POST', `/api/v1/portal/payment-methods?${link.q}`, {
      number: '4242424242424242',
      expMonth: 12,
      expYear: 2031,
      cvc: '123',
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors).toEqual([{ field: 'body.number', message: expect.stringContaining('Stripe') }]);
    // apiAccount's owner reads French: the refusal is worded in French
    expect(res.body.detail).toMatch(/numéros de carte/);
    expect(await methodsOf(account.id)).toEqual(before);
    expect(fake.requests.length).toBe(requests);
  });

  it('the session says Stripe; a card entered in the Payment Element is saved by its pm_… and pays the entry once', async () => {
    const { account, entry } = await failedSubscription();
    const link = await portalLink(account.id, { failedTransactionId: entry.id });
    const session = await call(t.app, null, 'GET', `/api/v1/portal/session?${link.q}`);
    expect(session.status).toBe(200);
    expect(session.body.gateway).toEqual({
      name: 'stripe',
      publishableKey: 'pk_test_recoup000000000',
      bankAccounts: true,
    });
    const si = await call(t.app, null, 'POST', `/api/v1/portal/setup-intent?${link.q}`, { type: 'card' });
    expect(si.status, JSON.stringify(si.body)).toBe(201);
    expect(si.body).toMatchObject({ publishableKey: 'pk_test_recoup000000000', mandate: null });
    expect(si.body.clientSecret).toMatch(/^seti_.+_secret_/);
    // The SetupIntent is for the link's account: its Stripe customer.
    const customer = fake.setupIntents.get(si.body.setupIntentId)!.customer;
    expect(
      await t.c.stripeGateway!.customerFor(org.organizationId, {
        id: account.id,
        ownerName: '',
        ownerEmail: '',
      }),
    ).toBe(customer);

    // A pm_… Stripe.js never confirmed with this SetupIntent is refused.
    const stray = fake.addCard(customer as string);
    const refused = await call(t.app, null, 'POST', `/api/v1/portal/payment-methods?${link.q}`, {
      type: 'card',
      gatewayToken: stray,
      setupIntentId: si.body.setupIntentId,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].field).toBe('body.setupIntentId');

    const pm = fake.confirmSetup(si.body.setupIntentId, { last4: '1881' });
    const saved = await call(t.app, null, 'POST', `/api/v1/portal/payment-methods?${link.q}`, {
      type: 'card',
      gatewayToken: pm,
      setupIntentId: si.body.setupIntentId,
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body).toMatchObject({ brand: 'visa', last4: '1881', inWallet: true });

    const created = fake.paymentIntentsCreated;
    const paid = await call(t.app, null, 'POST', `/api/v1/portal/pay?${link.q}`, {
      failedTransactionId: entry.id,
      paymentMethodId: saved.body.id,
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paid.body.status).toBe('succeeded');
    expect(fake.paymentIntentsCreated).toBe(created + 1);
    const pi = [...fake.paymentIntents.values()].at(-1)!;
    expect(pi).toMatchObject({ amount: entry.amount, payment_method: pm, status: 'succeeded' });
    // FT7: the entry stays on the list flagged as paid elsewhere; the link is used up.
    const list = await call(t.app, org.adminToken, 'GET', '/api/v1/action-center/failed-transactions');
    expect(list.body.items.find((i: { id: string }) => i.id === entry.id)).toMatchObject({
      paidElsewhere: true,
    });
    expect((await call(t.app, null, 'GET', `/api/v1/portal/session?${link.q}`)).status).toBe(401);
  });

  it('a bank account: the PAD mandate is shown, must be accepted, and its acceptance is recorded with the link', async () => {
    const { account, entry } = await failedSubscription();
    const link = await portalLink(account.id, { failedTransactionId: entry.id });
    const si = await call(t.app, null, 'POST', `/api/v1/portal/setup-intent?${link.q}`, { type: 'echeck' });
    expect(si.status, JSON.stringify(si.body)).toBe(201);
    expect(si.body.mandate).toMatchObject({ kind: 'acss_debit', version: expect.any(String) });
    expect(si.body.mandate.text).toMatch(/débit préautorisé/); // the owner's language
    expect(
      fake.setupIntents.get(si.body.setupIntentId)!.payment_method_options.acss_debit.mandate_options,
    ).toMatchObject({
      payment_schedule: 'combined',
      transaction_type: 'personal',
    });
    const pm = fake.confirmSetup(si.body.setupIntentId, { kind: 'acss_debit' });
    const body = { type: 'echeck', gatewayToken: pm, setupIntentId: si.body.setupIntentId };

    const unaccepted = await call(t.app, null, 'POST', `/api/v1/portal/payment-methods?${link.q}`, body);
    expect(unaccepted.status).toBe(400);
    expect(unaccepted.body.errors[0].field).toBe('body.mandateAccepted');
    expect(await t.c.stripeGateway!.mandatesOf(org.organizationId, account.id)).toEqual([]);

    const saved = await call(t.app, null, 'POST', `/api/v1/portal/payment-methods?${link.q}`, {
      ...body,
      mandateAccepted: true,
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const [mandate, ...more] = await t.c.stripeGateway!.mandatesOf(org.organizationId, account.id);
    expect(more).toEqual([]);
    expect(mandate).toMatchObject({
      setupIntentId: si.body.setupIntentId,
      paymentMethodToken: pm,
      mandateId: expect.stringMatching(/^mandate_/),
      kind: 'acss_debit',
      locale: 'fr-CA',
      version: si.body.mandate.version,
      text: si.body.mandate.text,
      portalLinkId: link.id,
      acceptedAt: expect.any(Date),
    });
    const method = (await methodsOf(account.id)).find((m) => m.gatewayToken === pm);
    expect(method).toMatchObject({ type: 'echeck', last4: '6789', inWallet: true });
  });

  it('a card_expiry link may replace its card through Stripe but not save a bank account (403)', async () => {
    const { account, method } = await stripeCard();
    const link = await portalLink(account.id, { paymentMethodId: method.id });
    const session = await call(t.app, null, 'GET', `/api/v1/portal/session?${link.q}`);
    expect(session.body.gateway.bankAccounts).toBe(false);
    const bank = await call(t.app, null, 'POST', `/api/v1/portal/setup-intent?${link.q}`, { type: 'echeck' });
    expect(bank.status).toBe(403);
    const si = await call(t.app, null, 'POST', `/api/v1/portal/setup-intent?${link.q}`, { type: 'card' });
    expect(si.status).toBe(201);
    const pm = fake.confirmSetup(si.body.setupIntentId, { last4: '0077' });
    const saved = await call(t.app, null, 'POST', `/api/v1/portal/payment-methods?${link.q}`, {
      type: 'card',
      gatewayToken: pm,
      setupIntentId: si.body.setupIntentId,
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body.last4).toBe('0077');
  });
});

describe('refunds and eCheck returns through Stripe', () => {
  it('a refund Stripe refuses (balance) is a failed-refund entry; its retry refunds once and resolves it', async () => {
    const { account, method } = await stripeCard();
    const invoice = await apiInvoice(t.app, org.adminToken, account.id, 3000);
    const paid = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payments`, {
      amount: 3000,
      date: '2026-03-02',
      method: 'card',
      paymentMethodId: method.id,
      invoiceId: invoice.id,
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    const balance = fake.balance;
    fake.balance = 100;
    const refund = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/refunds`, {
      amount: 3000,
      paymentId: paid.body.id,
    });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect(refund.body).toMatchObject({ status: 'failed', code: 'insufficient_merchant_funds' });
    const entryId = refund.body.failedTransactionId as string;
    expect(entryId).toBeTruthy();
    fake.balance = balance;
    const refundsBefore = fake.refunds.size;
    const retry = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/action-center/failed-transactions/${entryId}/retry`,
    );
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    await t.c.queue.drain();
    expect(fake.refunds.size).toBe(refundsBefore + 1);
    const list = await call(
      t.app,
      org.adminToken,
      'GET',
      '/api/v1/action-center/failed-transactions?type=refund',
    );
    expect(list.body.items.some((i: { id: string }) => i.id === entryId)).toBe(false);
    const docs = await ledgerOf(t.app, org.adminToken, account.id);
    expect(docs.filter((d) => d.kind === 'refund')).toEqual([
      expect.objectContaining({ amount: 3000, status: 'posted' }),
    ]);
  });

  it('a scheduled bank debit pending at Stripe, returned days later (webhook), is a failed eCheck entry like a sandbox return', async () => {
    const account = await apiAccount(t.app, org.adminToken);
    const si = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/accounts/${account.id}/payment-methods/setup-intent`,
      {
        type: 'echeck',
      },
    );
    const pm = fake.confirmSetup(si.body.setupIntentId, { kind: 'acss_debit' });
    const method = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/accounts/${account.id}/payment-methods`,
      {
        type: 'echeck',
        gatewayToken: pm,
        saveToWallet: true,
      },
    );
    expect(method.status, JSON.stringify(method.body)).toBe(201);
    const sub = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/subscriptions`, {
      amount: 5500,
      interval: 'month',
      startDate: await today(),
      paymentMethodId: method.body.id,
    });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    await call(t.app, org.adminToken, 'POST', '/api/v1/sandbox/jobs/payments-due');
    await t.c.queue.drain();
    const payment = (await ledgerOf(t.app, org.adminToken, account.id)).find((d) => d.kind === 'payment')!;
    expect(payment).toMatchObject({ amount: 5500, status: 'pending' });
    const pi = [...fake.paymentIntents.values()].find((x) => x.payment_method === pm)!;
    expect(pi.status).toBe('processing');

    const returned = fake.settle(pi.id, { status: 'failed', code: 'insufficient_funds' });
    await deliver('payment_intent.payment_failed', { ...returned });
    await deliver('payment_intent.payment_failed', { ...returned }); // a second delivery: harmless
    const list = await call(t.app, org.adminToken, 'GET', '/api/v1/action-center/failed-transactions');
    const entries = list.body.items.filter((i: { accountId: string }) => i.accountId === account.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ type: 'subscription', amount: 5500, reason: { code: 'R01' } });
    const after = (await ledgerOf(t.app, org.adminToken, account.id)).find((d) => d.id === payment.id)!;
    expect(after.status).toBe('void');
    const invoice = (await ledgerOf(t.app, org.adminToken, account.id)).find((d) => d.kind === 'invoice')!;
    expect(invoice.openAmount).toBe(5500);
  });
});
