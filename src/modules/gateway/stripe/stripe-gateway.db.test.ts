import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../../../../test/databases';
import { StripeFake } from '../../../../test/stripe-fake';
import { AppError } from '../../../lib/errors';
import type { Database } from '../../../platform/db/db';
import { createStripeClient, StripeGateway } from './stripe-gateway';

/**
 * The Stripe adapter through the official SDK against a local Stripe-shaped server (test/stripe-fake.ts): what
 * Recoup sends and how it reads Stripe's documented answers. It does not prove Stripe behaves like the fake —
 * `npm run check:stripe` does that against a real test account.
 */
let database: Database & { drop(): Promise<void> };
let fake: StripeFake;
let gw: StripeGateway;

beforeAll(async () => {
  database = await createTestDatabase(inject('dbTemplate'));
  fake = await new StripeFake().start();
  gw = new StripeGateway({
    db: database.db,
    clock: { now: () => new Date() },
    stripe: createStripeClient({
      secretKey: 'sk_test_fake000000',
      apiBase: fake.apiBase,
      maxNetworkRetries: 2,
    }),
    publishableKey: 'pk_test_fake000000',
  });
});
afterAll(async () => {
  await fake?.stop();
  await database?.drop();
});

const newOrg = () => `org_test_${randomBytes(6).toString('hex')}`;
const key = () => `sp:sp_${randomBytes(6).toString('hex')}:1`;
const account = () => ({
  id: `acc_${randomBytes(6).toString('hex')}`,
  ownerName: 'Jeanne Roy',
  ownerEmail: 'j@example.test',
});
const money = (organizationId: string, token: string, amountMinor = 2500n, idempotencyKey = key()) => ({
  organizationId,
  token,
  amountMinor,
  currency: 'CAD',
  idempotencyKey,
});

async function customerCard(opts: Parameters<StripeFake['addCard']>[1] = {}) {
  const org = newOrg();
  const acc = account();
  const customer = await gw.customerFor(org, acc);
  return { org, acc, customer, pm: fake.addCard(customer, opts) };
}

describe('happy: customers, SetupIntents, saved methods', () => {
  it('creates one Stripe customer per account', async () => {
    const org = newOrg();
    const acc = account();
    const first = await gw.customerFor(org, acc);
    expect(first).toMatch(/^cus_/);
    expect(await gw.customerFor(org, acc)).toBe(first);
  });

  it('creates a SetupIntent for a card, and one for a Canadian pre-authorized debit', async () => {
    const org = newOrg();
    const acc = account();
    const card = await gw.createSetupIntent(org, acc, 'card', 'CAD');
    expect(card.clientSecret).toMatch(/^seti_.+_secret_/);
    expect(card.mandate).toBeNull();
    const bank = await gw.createSetupIntent(org, acc, 'echeck', 'CAD', {
      locale: 'en-CA',
      organization: { name: 'Club de soccer Laval', contactEmail: 'tresorier@example.test' },
    });
    expect(fake.setupIntents.get(bank.setupIntentId)?.payment_method_types).toEqual(['acss_debit']);
    expect(bank.mandate).toMatchObject({ kind: 'acss_debit', version: expect.any(String) });
    expect(bank.mandate?.text).toContain('Club de soccer Laval');
    const us = await gw.createSetupIntent(org, acc, 'echeck', 'USD');
    expect(fake.setupIntents.get(us.setupIntentId)?.payment_method_types).toEqual(['us_bank_account']);
    expect(us.mandate?.kind).toBe('us_bank_account');
  });

  it("sends the PAD mandate options Stripe's API documents for acss_debit SetupIntents", async () => {
    // Stripe API (SetupIntent create, payment_method_options.acss_debit.mandate_options): payment_schedule is
    // one of combined | interval | sporadic, interval_description is required for interval and combined,
    // transaction_type is business | personal; currency cad | usd. Recoup debits on schedule dates and also
    // sporadically (retries, owner payments): combined, with the schedule described in the owner's language.
    for (const locale of ['fr-CA', 'en-CA'] as const) {
      const si = await gw.createSetupIntent(newOrg(), account(), 'echeck', 'CAD', { locale });
      const sent = fake.setupIntents.get(si.setupIntentId)!.payment_method_options;
      expect(sent).toEqual({
        acss_debit: {
          currency: 'cad',
          mandate_options: {
            payment_schedule: 'combined',
            interval_description: expect.any(String),
            transaction_type: 'personal',
          },
        },
      });
      const description = sent.acss_debit.mandate_options.interval_description as string;
      expect(description.length).toBeGreaterThan(0);
      expect(description.length).toBeLessThanOrEqual(500);
      expect(description).toMatch(locale === 'fr-CA' ? /abonnement/ : /subscription/);
    }
    // ACH takes no mandate options: Stripe.js shows and records its own authorization.
    const us = await gw.createSetupIntent(newOrg(), account(), 'echeck', 'USD');
    expect(fake.setupIntents.get(us.setupIntentId)!.payment_method_options).toEqual({});
  });

  it('checks the SetupIntent the browser confirmed: this account, succeeded, this payment method', async () => {
    const org = newOrg();
    const acc = account();
    const si = await gw.createSetupIntent(org, acc, 'echeck', 'CAD');
    const early = fake.addBank(si.customerId, { kind: 'acss_debit' });
    await expect(gw.confirmedSetup(org, acc, si.setupIntentId, early)).rejects.toMatchObject({
      kind: 'validation',
    });
    const pm = fake.confirmSetup(si.setupIntentId, { kind: 'acss_debit' });
    expect(await gw.confirmedSetup(org, acc, si.setupIntentId, pm)).toEqual({
      mandateId: expect.stringMatching(/^mandate_/),
      kind: 'acss_debit',
    });
    await expect(gw.confirmedSetup(org, acc, si.setupIntentId, early)).rejects.toMatchObject({
      kind: 'validation',
    });
    await expect(gw.confirmedSetup(org, account(), si.setupIntentId, pm)).rejects.toMatchObject({
      kind: 'validation',
    });
    await expect(gw.confirmedSetup(org, acc, 'seti_missing', pm)).rejects.toMatchObject({
      kind: 'validation',
    });
  });

  it("describes a saved card from Stripe's PaymentMethod", async () => {
    const { org, acc, pm } = await customerCard({ last4: '1881', expMonth: 4, expYear: 2031 });
    expect(await gw.describe(org, acc, pm, 'card')).toMatchObject({
      type: 'card',
      brand: 'visa',
      last4: '1881',
      expMonth: 4,
      expYear: 2031,
    });
  });
});

describe('errors: tokens that are not this account’s', () => {
  it('refuses a PaymentMethod attached to another customer, a missing one and a non-pm token', async () => {
    const { org } = await customerCard();
    const other = await customerCard();
    await expect(gw.describe(org, account(), other.pm, 'card')).rejects.toMatchObject({ kind: 'validation' });
    await expect(gw.describe(org, account(), 'pm_doesnotexist', 'card')).rejects.toMatchObject({
      kind: 'validation',
    });
    await expect(gw.describe(org, account(), '4242424242424242', 'card')).rejects.toMatchObject({
      kind: 'validation',
    });
  });
});

describe('errors: Stripe unreachable while saving a method', () => {
  it('answers unavailable (503), never a 500', async () => {
    const { org, acc, pm } = await customerCard();
    fake.failNext(/^GET \/v1\/payment_methods\//, { status: 500 }, 3);
    await expect(gw.describe(org, acc, pm, 'card')).rejects.toMatchObject({ kind: 'unavailable' });
    fake.clearFaults();
  });
});

describe('card charges', () => {
  it('charges off-session and answers the PaymentIntent; a replay of the key charges nothing more', async () => {
    const { org, pm } = await customerCard();
    const req = money(org, pm);
    const before = fake.paymentIntentsCreated;
    const first = await gw.charge(req);
    expect(first).toEqual({ status: 'succeeded', gatewayRef: expect.stringMatching(/^pi_/) });
    expect(await gw.charge(req)).toEqual(first);
    expect(fake.paymentIntentsCreated).toBe(before + 1);
    const sent = fake.requests.filter((r) => r.path === '/v1/payment_intents');
    expect(sent.at(-1)?.idempotencyKey).toBe(`recoup:${org}:${req.idempotencyKey}`);
    const pi = fake.paymentIntents.get(first.gatewayRef)!;
    expect(pi).toMatchObject({ amount: 2500, currency: 'cad', metadata: { recoup_key: req.idempotencyKey } });
  });

  it.each([
    ['insufficient_funds', 'insufficient_funds'],
    ['lost_card', 'lost_card'],
    ['stolen_card', 'stolen_card'],
    ['do_not_honor', 'do_not_honor'],
    ['a_code_stripe_added_later', 'stripe:a_code_stripe_added_later'],
  ])('a %s decline (402) is an answer: failed with %s', async (decline, code) => {
    const { org, pm } = await customerCard({ decline });
    expect(await gw.charge(money(org, pm))).toEqual({
      status: 'failed',
      gatewayRef: expect.stringMatching(/^pi_/),
      code,
    });
  });

  it('a charge that needs 3-D Secure fails off-session with authentication_required', async () => {
    const { org, pm } = await customerCard({ requiresAction: true });
    expect(await gw.charge(money(org, pm))).toMatchObject({
      status: 'failed',
      code: 'authentication_required',
    });
  });

  it('a bank account or an unknown token charged as a card fails without reaching PaymentIntents', async () => {
    const org = newOrg();
    const customer = await gw.customerFor(org, account());
    const bank = fake.addBank(customer, { kind: 'acss_debit' });
    expect(await gw.charge(money(org, bank))).toMatchObject({ status: 'failed', code: 'invalid_account' });
    expect(await gw.charge(money(org, 'pm_gone'))).toMatchObject({
      status: 'failed',
      code: 'invalid_account',
    });
  });
});

describe('network errors, 429 and 500: retried with the same key, never charged twice', () => {
  it('a connection reset before Stripe processed the request: the SDK retries, one charge', async () => {
    const { org, pm } = await customerCard();
    const before = fake.paymentIntentsCreated;
    fake.failNext(/^POST \/v1\/payment_intents$/, 'reset-before');
    expect(await gw.charge(money(org, pm))).toMatchObject({ status: 'succeeded' });
    expect(fake.paymentIntentsCreated).toBe(before + 1);
  });

  it('a connection reset after Stripe charged: the retry gets the recorded answer, one charge', async () => {
    const { org, pm } = await customerCard();
    const before = fake.paymentIntentsCreated;
    fake.failNext(/^POST \/v1\/payment_intents$/, 'reset-after');
    const res = await gw.charge(money(org, pm));
    expect(res).toMatchObject({ status: 'succeeded' });
    expect(fake.paymentIntentsCreated).toBe(before + 1);
  });

  it('a 500 is retried by the SDK; a 429 is retried by the adapter', async () => {
    const { org, pm } = await customerCard();
    fake.failNext(/^POST \/v1\/payment_intents$/, { status: 500 });
    expect(await gw.charge(money(org, pm))).toMatchObject({ status: 'succeeded' });
    fake.failNext(/^POST \/v1\/payment_intents$/, { status: 429, shouldRetry: false });
    expect(await gw.charge(money(org, pm))).toMatchObject({ status: 'succeeded' });
  });

  it('Stripe still failing after the retries: no answer (the attempt is left to the sweeper), nothing charged', async () => {
    const { org, pm } = await customerCard();
    const before = fake.paymentIntentsCreated;
    fake.failNext(/^POST \/v1\/payment_intents$/, { status: 500 }, 3);
    const err = await gw.charge(money(org, pm)).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err instanceof AppError && err.status < 500).toBe(false);
    expect(fake.paymentIntentsCreated).toBe(before);
  });
});

describe('bank debits (acss_debit, us_bank_account)', () => {
  async function customerBank(opts: Parameters<StripeFake['addBank']>[1]) {
    const org = newOrg();
    const customer = await gw.customerFor(org, account());
    return { org, pm: fake.addBank(customer, opts) };
  }

  it('answers pending while Stripe processes, then settled once the PaymentIntent succeeded', async () => {
    const { org, pm } = await customerBank({ kind: 'acss_debit' });
    const res = await gw.echeckDebit(money(org, pm));
    expect(res).toEqual({ status: 'pending', gatewayRef: expect.stringMatching(/^pi_/) });
    expect(await gw.echeckOutcome({ organizationId: org, gatewayRef: res.gatewayRef })).toEqual({
      status: 'pending',
    });
    fake.settle(res.gatewayRef, { status: 'succeeded' });
    expect(await gw.echeckOutcome({ organizationId: org, gatewayRef: res.gatewayRef })).toEqual({
      status: 'settled',
    });
  });

  it('a debit that comes back failed is returned with the NACHA code of its Stripe reason', async () => {
    const { org, pm } = await customerBank({ kind: 'us_bank_account' });
    const res = await gw.echeckDebit(money(org, pm));
    fake.settle(res.gatewayRef, { status: 'failed', code: 'bank_account_closed' });
    expect(await gw.echeckOutcome({ organizationId: org, gatewayRef: res.gatewayRef })).toEqual({
      status: 'returned',
      code: 'R02',
    });
  });

  it('a debit refused at confirmation fails at once with its mapped code', async () => {
    const { org, pm } = await customerBank({ kind: 'acss_debit', refuse: 'debit_not_authorized' });
    expect(await gw.echeckDebit(money(org, pm))).toMatchObject({ status: 'failed', code: 'R10' });
  });
});

describe('refunds', () => {
  it('refunds the PaymentIntent; a refund larger than the Stripe balance fails as insufficient_merchant_funds', async () => {
    const { org, pm } = await customerCard();
    const paid = await gw.charge(money(org, pm));
    const refund = await gw.refund({
      ...money(org, pm, 1000n, `refund:${key()}`),
      paymentRef: paid.gatewayRef,
    });
    expect(refund).toEqual({ status: 'succeeded', gatewayRef: expect.stringMatching(/^re_/) });
    const saved = fake.balance;
    fake.balance = 10;
    const poor = await gw.refund({
      ...money(org, pm, 1000n, `refund:${key()}`),
      paymentRef: paid.gatewayRef,
    });
    fake.balance = saved;
    expect(poor).toMatchObject({ status: 'failed', code: 'insufficient_merchant_funds' });
  });

  it('refuses to refund a payment Stripe never collected', async () => {
    const { org, pm } = await customerCard();
    await expect(gw.refund({ ...money(org, pm), paymentRef: 'ch_sandbox' })).rejects.toMatchObject({
      kind: 'business_rule',
    });
  });
});

describe('lookup (MS5): the recorded answer by key, or null with the key fenced', () => {
  it('finds a charge Stripe made with the key (the process died before recording it)', async () => {
    const { org, pm } = await customerCard();
    const req = money(org, pm);
    const charged = await gw.charge(req);
    expect(await gw.lookup({ ...req, kind: 'charge' })).toEqual(charged);
    expect(await gw.isFenced(req)).toBe(false);
  });

  it('finds a refund by its payment', async () => {
    const { org, pm } = await customerCard();
    const paid = await gw.charge(money(org, pm));
    const req = { ...money(org, pm, 500n, `refund:${key()}`), paymentRef: paid.gatewayRef };
    const refunded = await gw.refund(req);
    expect(await gw.lookup({ ...req, kind: 'refund' })).toEqual(refunded);
  });

  it('answers null for a key Stripe never saw, and a late request with it moves no money', async () => {
    const { org, pm } = await customerCard();
    const req = money(org, pm);
    const before = fake.paymentIntentsCreated;
    expect(await gw.lookup({ ...req, kind: 'charge' })).toBeNull();
    expect(await gw.isFenced(req)).toBe(true);
    expect(await gw.charge(req)).toMatchObject({ status: 'failed' });
    expect(fake.paymentIntentsCreated).toBe(before);
  });
});
