import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAccount, apiInvoice, ledgerOf } from '../../../../test/billing';
import type { TestOrg } from '../../../../test/factories';
import { call, type TestContext } from '../../../../test/harness';
import type { StripeFake } from '../../../../test/stripe-fake';
import { stripeEvent, stripeSignature } from '../../../../test/stripe-fake';
import { type StripeProduct, saveStripeMethod, startStripeProduct } from '../../../../test/stripe-product';
import { stripeWebhookEvents } from '../stripe.table';

/**
 * The product with RECOUP_GATEWAY=stripe against the local Stripe-shaped server: live tokens only (no card number
 * reaches the server), charges through the adapter, and webhooks signed with the SDK's own test helper
 * (`stripe.webhooks.generateTestHeaderString`) — stored once, processed in the job queue, settling or returning
 * pending bank debits exactly as the sandbox's settlement job does.
 */
const SECRET = 'whsec_testsecret0123456789';
let fake: StripeFake;
let t: TestContext;
let org: TestOrg;
let product: StripeProduct;

beforeAll(async () => {
  product = await startStripeProduct({ webhookSecret: SECRET });
  ({ fake, t, org } = product);
});
afterAll(async () => product?.close());

const event = stripeEvent;
async function deliver(ev: unknown, opts: { secret?: string; tamper?: boolean } = {}) {
  const payload = JSON.stringify(ev);
  const header = stripeSignature(payload, opts.secret ?? SECRET);
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/webhooks/stripe',
    headers: { 'content-type': 'application/json', 'stripe-signature': header },
    payload: opts.tamper ? payload.replace('"livemode":false', '"livemode":true') : payload,
  });
}
async function storedEvents() {
  return t.c.db.select().from(stripeWebhookEvents);
}

/** An account whose owner saved a method through Stripe.js: the SetupIntent, then the pm_… ID. */
const savedMethod = (kind: 'card' | 'acss_debit', opts: { decline?: string } = {}) =>
  saveStripeMethod(product, kind, opts);

describe('Stripe.js is allowed by the Content-Security-Policy with the live gateway on', () => {
  it("lets js.stripe.com's script and frames and api.stripe.com through, and nothing else", async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self' https://js.stripe.com https://*.js.stripe.com;");
    expect(csp).toContain(
      "frame-src 'self' https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com;",
    );
    expect(csp).toMatch(/connect-src 'self' https:\/\/api\.stripe\.com(;|$)/);
    expect(csp).toContain("default-src 'self';");
  });
});

describe('errors: no card number reaches the server with the live gateway on', () => {
  it('answers 400 to a card number and to a bank account number, and stores nothing', async () => {
    const account = await apiAccount(t.app, org.adminToken);
    const card = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payment-methods`, {
      type: 'card',
      number: '4242424242424242',
      expMonth: 12,
      expYear: 2040,
      cvc: '123',
    });
    expect(card.status).toBe(400);
    expect(card.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(card.body)).not.toContain('4242424242424242');
    const bank = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payment-methods`, {
      type: 'echeck',
      routingNumber: '011000015',
      accountNumber: '12345678',
      holderName: 'Marie',
    });
    expect(bank.status).toBe(400);
    const list = await call(t.app, org.adminToken, 'GET', `/api/v1/accounts/${account.id}/payment-methods`);
    expect(list.body.items).toEqual([]);
    expect(fake.requests.some((r) => r.path.includes('4242'))).toBe(false);
  });

  it("refuses a pm_… that is not attached to this account's customer", async () => {
    const other = await savedMethod('card');
    const account = await apiAccount(t.app, org.adminToken);
    const res = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payment-methods`, {
      type: 'card',
      gatewayToken: other.pm,
    });
    expect(res.status).toBe(400);
  });
});

describe('happy: cards through Stripe', () => {
  it('saves the card Stripe describes and charges it off-session; a decline answers 402', async () => {
    const { account, method } = await savedMethod('card');
    expect(method).toMatchObject({ type: 'card', brand: 'visa', last4: '4242', inWallet: true });
    const invoice = await apiInvoice(t.app, org.adminToken, account.id, 5000);
    const paid = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payments`, {
      amount: 5000,
      date: '2026-03-02',
      method: 'card',
      paymentMethodId: method.id,
      invoiceId: invoice.id,
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect(paid.body.status).toBe('succeeded');

    const declined = await savedMethod('card', { decline: 'insufficient_funds' });
    const res = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/accounts/${declined.account.id}/payments`,
      {
        amount: 5000,
        date: '2026-03-02',
        method: 'card',
        paymentMethodId: declined.method.id,
      },
    );
    expect(res.status).toBe(402);
    expect(res.body.code).toBe('insufficient_funds');
  });
});

describe('webhooks', () => {
  it('400 and nothing stored when the signature does not verify (wrong secret, tampered body, none)', async () => {
    const before = (await storedEvents()).length;
    const ev = event('payment_intent.succeeded', { id: 'pi_x', object: 'payment_intent', metadata: {} });
    expect((await deliver(ev, { secret: 'whsec_wrongsecret000000' })).statusCode).toBe(400);
    expect((await deliver(ev, { tamper: true })).statusCode).toBe(400);
    const none = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/stripe',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(ev),
    });
    expect(none.statusCode).toBe(400);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect((await storedEvents()).length).toBe(before);
  });

  it('settles a pending bank debit once, whatever the replays and the order of deliveries', async () => {
    const { account, method } = await savedMethod('acss_debit');
    const invoice = await apiInvoice(t.app, org.adminToken, account.id, 7000);
    const debit = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payments`, {
      amount: 7000,
      date: '2026-03-02',
      method: 'echeck',
      paymentMethodId: method.id,
      invoiceId: invoice.id,
    });
    expect(debit.status, JSON.stringify(debit.body)).toBe(201);
    expect(debit.body.status).toBe('pending');
    const pi = [...fake.paymentIntents.values()].at(-1)!;
    expect(pi.status).toBe('processing');

    // The "processing" event arrives late, after Stripe already decided: harmless.
    const processing = event('payment_intent.processing', { ...pi });
    fake.settle(pi.id, { status: 'succeeded' });
    const succeeded = event('payment_intent.succeeded', { ...pi, status: 'succeeded' });
    expect((await deliver(succeeded)).json()).toEqual({ received: true, duplicate: false });
    expect((await deliver(succeeded)).json()).toEqual({ received: true, duplicate: true });
    expect((await deliver(processing)).statusCode).toBe(200);
    await t.c.queue.drain();

    const payment = (await ledgerOf(t.app, org.adminToken, account.id)).find((d) => d.kind === 'payment')!;
    expect(payment).toMatchObject({ amount: 7000, status: 'posted' });
    const inv = (await ledgerOf(t.app, org.adminToken, account.id)).find((d) => d.id === invoice.id)!;
    expect(inv.openAmount).toBe(0);
    const rows = (await storedEvents()).filter((r) => r.objectId === pi.id);
    expect(rows).toHaveLength(2);
    // Both read Stripe's current state (succeeded): whichever ran first settled it, the other found it recorded.
    expect(rows.map((r) => r.outcome).sort()).toEqual(['applied: already_recorded', 'applied: settled']);
  });

  it('a returned bank debit becomes a failed eCheck entry with its NACHA code', async () => {
    const { account, method } = await savedMethod('acss_debit');
    await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payments`, {
      amount: 3000,
      date: '2026-03-02',
      method: 'echeck',
      paymentMethodId: method.id,
    });
    const pi = [...fake.paymentIntents.values()].at(-1)!;
    const failed = fake.settle(pi.id, { status: 'failed', code: 'bank_account_closed' });
    expect((await deliver(event('payment_intent.payment_failed', { ...failed }))).statusCode).toBe(200);
    await t.c.queue.drain();
    const list = await call(
      t.app,
      org.adminToken,
      'GET',
      '/api/v1/action-center/failed-transactions?type=echeck_payment',
    );
    const entry = list.body.items.find((i: { accountId: string }) => i.accountId === account.id);
    expect(entry).toMatchObject({ type: 'echeck_payment', amount: 3000, reason: { code: 'R02' } });
    expect(entry.actions.retry).toBe(false); // FT12: R02 is never re-presented
  });

  it('a refund Stripe accepted that fails later becomes a failed-refund entry, reversed once (MS3, MS6)', async () => {
    const { account, method } = await savedMethod('card');
    const invoice = await apiInvoice(t.app, org.adminToken, account.id, 6000);
    const paid = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payments`, {
      amount: 6000,
      date: '2026-03-02',
      method: 'card',
      paymentMethodId: method.id,
      invoiceId: invoice.id,
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    const refunded = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/refunds`, {
      amount: 2500,
      paymentId: paid.body.id,
    });
    expect(refunded.status, JSON.stringify(refunded.body)).toBe(201);
    expect(refunded.body.status).toBe('succeeded');
    const byId = async (id: string) =>
      (await ledgerOf(t.app, org.adminToken, account.id)).find((d) => d.id === id)!;
    const refundDoc = (await ledgerOf(t.app, org.adminToken, account.id)).find((d) => d.kind === 'refund')!;
    expect(refundDoc).toMatchObject({ amount: 2500, status: 'posted' });
    expect((await byId(invoice.id)).openAmount).toBe(2500); // the money went back: the invoice is open again

    const re = [...fake.refunds.values()].at(-1)!;
    const accepted = { ...re }; // the event copy Stripe sent when it accepted the refund (status succeeded)
    const failed = fake.failRefund(re.id, 'expired_or_canceled_card');
    const failedEvent = event('refund.failed', { ...failed });
    // The same failure told three ways (refund.failed twice, charge.refund.updated), plus a late
    // refund.updated whose copy still says succeeded: each reads the Refund's current state from Stripe.
    expect((await deliver(failedEvent)).json()).toEqual({ received: true, duplicate: false });
    expect((await deliver(failedEvent)).json()).toEqual({ received: true, duplicate: true });
    expect((await deliver(event('charge.refund.updated', { ...failed }))).statusCode).toBe(200);
    expect((await deliver(event('refund.updated', accepted))).statusCode).toBe(200);
    await t.c.queue.drain();

    const list = await call(
      t.app,
      org.adminToken,
      'GET',
      '/api/v1/action-center/failed-transactions?type=refund',
    );
    const entries = list.body.items.filter((i: { accountId: string }) => i.accountId === account.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ type: 'refund', amount: 2500, reason: { code: 'expired_card' } });
    // The refund's ledger effect is undone once: its debit void, the payment back on its invoice.
    expect((await byId(refundDoc.id)).status).toBe('void');
    expect((await byId(invoice.id)).openAmount).toBe(0);
    expect((await byId(paid.body.id)).openAmount).toBe(0);
    const rows = (await storedEvents()).filter((r) => r.objectId === re.id);
    expect(rows.map((r) => r.outcome).sort()).toEqual([
      'applied: failed refund already_recorded',
      'applied: failed refund already_recorded',
      'applied: failed refund recorded',
    ]);

    // MS3: the failed entry still holds its amount on the payment, as a refund Stripe refused at once does…
    const over = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/refunds`, {
      amount: 3501,
      paymentId: paid.body.id,
    });
    expect(over.status).toBe(422);
    // …and gives it back once ignored: the whole payment may be refunded again.
    const ignored = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/action-center/failed-transactions/${entries[0].id}/ignore`,
      { note: 'refunded by cheque' },
    );
    expect(ignored.status, JSON.stringify(ignored.body)).toBe(200);
    const again = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/refunds`, {
      amount: 6000,
      paymentId: paid.body.id,
    });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.status).toBe('succeeded');
  });

  it('the card updater changes the saved card’s expiry and last 4', async () => {
    const { account, pm } = await savedMethod('card');
    const stored = fake.paymentMethods.get(pm)!;
    const updated = { ...stored, card: { ...stored.card, last4: '0005', exp_month: 9, exp_year: 2033 } };
    expect((await deliver(event('payment_method.automatically_updated', updated))).statusCode).toBe(200);
    await t.c.queue.drain();
    const list = await call(t.app, org.adminToken, 'GET', `/api/v1/accounts/${account.id}/payment-methods`);
    expect(list.body.items[0]).toMatchObject({ last4: '0005', expMonth: 9, expYear: 2033 });
  });

  it('an event about an object Recoup never made is stored, ignored and logged', async () => {
    const ev = event('payment_intent.succeeded', {
      id: 'pi_elsewhere',
      object: 'payment_intent',
      metadata: {},
    });
    expect((await deliver(ev)).statusCode).toBe(200);
    await t.c.queue.drain();
    const [row] = (await storedEvents()).filter((r) => r.eventId === ev.id);
    expect(row?.outcome).toBe('ignored: not a Recoup PaymentIntent');
  });

  it('Settings: the active gateway, the webhook URL and the last webhook received', async () => {
    const res = await call(t.app, org.adminToken, 'GET', '/api/v1/organization/gateway');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      gateway: 'stripe',
      mode: 'test',
      publishableKey: 'pk_test_recoup000000000',
      webhookUrl: 'http://recoup.test/api/v1/webhooks/stripe',
      lastWebhook: { type: expect.any(String), receivedAt: expect.any(String) },
    });
  });
});
