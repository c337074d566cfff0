import { expect } from 'vitest';
import { apiAccount } from './billing';
import { createOrg, type TestOrg } from './factories';
import { call, createTestContext, type TestContext } from './harness';
import { StripeFake, stripeEvent, stripeSignature } from './stripe-fake';

/** The product with RECOUP_GATEWAY=stripe in front of the local Stripe-shaped server, and one organization. */
export interface StripeProduct {
  fake: StripeFake;
  t: TestContext;
  org: TestOrg;
  publishableKey: string;
  webhookSecret: string;
  close(): Promise<void>;
}

/** Starts the fake, then the product configured for it (the keys only need Stripe's prefixes). */
export async function startStripeProduct(opts: {
  webhookSecret: string;
  timezone?: string;
}): Promise<StripeProduct> {
  const fake = await new StripeFake().start();
  const publishableKey = 'pk_test_recoup000000000';
  const t = await createTestContext({
    env: {
      RECOUP_GATEWAY: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_recoup000000000',
      STRIPE_PUBLISHABLE_KEY: publishableKey,
      STRIPE_WEBHOOK_SECRET: opts.webhookSecret,
      STRIPE_API_BASE: `http://127.0.0.1:${fake.port}`,
    },
  });
  const org = await createOrg(t.c, opts.timezone ? { timezone: opts.timezone } : {});
  return {
    fake,
    t,
    org,
    publishableKey,
    webhookSecret: opts.webhookSecret,
    close: async () => {
      await t.close();
      await fake.stop();
    },
  };
}

/**
 * A method the owner saved through Stripe.js: the SetupIntent, the PaymentMethod the fake attaches to its
 * customer, then only its pm_… ID sent to Recoup. A new account unless one is given.
 */
export async function saveStripeMethod(
  p: StripeProduct,
  kind: 'card' | 'acss_debit',
  opts: { decline?: string; account?: { id: string } } = {},
) {
  const { t, org, fake } = p;
  const account = opts.account ?? (await apiAccount(t.app, org.adminToken));
  const type = kind === 'card' ? 'card' : 'echeck';
  const si = await call(
    t.app,
    org.adminToken,
    'POST',
    `/api/v1/accounts/${account.id}/payment-methods/setup-intent`,
    { type },
  );
  expect(si.status, JSON.stringify(si.body)).toBe(201);
  expect(si.body.publishableKey).toBe(p.publishableKey);
  const customer = fake.setupIntents.get(si.body.setupIntentId)!.customer as string;
  const pm =
    kind === 'card'
      ? fake.addCard(customer, opts.decline ? { decline: opts.decline } : {})
      : fake.addBank(customer, { kind: 'acss_debit' });
  const res = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payment-methods`, {
    type,
    gatewayToken: pm,
    saveToWallet: true,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { account, method: res.body as { id: string } & Record<string, unknown>, pm };
}

/**
 * A Stripe event as Stripe sends it to the product's webhook, signed with the product's secret; asserts the
 * 200. Its job is only queued: the caller drains the queue when the interleaving it tests wants it run.
 */
export async function postStripeEvent(p: StripeProduct, type: string, object: unknown) {
  const payload = JSON.stringify(stripeEvent(type, object));
  const res = await p.t.app.inject({
    method: 'POST',
    url: '/api/v1/webhooks/stripe',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': stripeSignature(payload, p.webhookSecret),
    },
    payload,
  });
  expect(res.statusCode, res.body).toBe(200);
}
