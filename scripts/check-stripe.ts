// `npm run check:stripe`: the Stripe adapter against a REAL Stripe test account, end to end through the official
// SDK — what the local Stripe-shaped server in the tests cannot prove. Needs STRIPE_SECRET_KEY=sk_test_…;
// without it, prints a notice and exits 0 (no machine of the project's CI reaches Stripe).
// Uses Stripe's documented test PaymentMethods (pm_card_visa, pm_card_chargeDeclinedInsufficientFunds, …) and an
// embedded, throw-away database. Nothing is sent to a live account: a live key is refused.
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import Stripe from 'stripe';
import { createStripeClient, StripeGateway } from '../src/modules/gateway/stripe/stripe-gateway';
import { createDb, migrateDb } from '../src/platform/db/db';

const key = process.env.STRIPE_SECRET_KEY?.trim();
if (!key?.startsWith('sk_test_')) {
  console.log(
    key
      ? 'check:stripe: STRIPE_SECRET_KEY is not a test-mode key (sk_test_…): refused, nothing was sent.'
      : 'check:stripe: skipped — set STRIPE_SECRET_KEY=sk_test_… (a Stripe test account) to run it. Nothing was verified against Stripe.',
  );
  process.exit(0);
}

const checks: { name: string; ok: boolean; detail?: string }[] = [];
async function check(name: string, run: () => Promise<unknown>) {
  try {
    const detail = await run();
    checks.push({ name, ok: true, detail: typeof detail === 'string' ? detail : undefined });
  } catch (err) {
    checks.push({ name, ok: false, detail: (err as Error).message });
  }
}
function expect(cond: boolean, message: string) {
  if (!cond) throw new Error(message);
}

const database = await createDb({ pglite: await PGlite.create() });
await migrateDb(database);
const stripe = createStripeClient({ secretKey: key });
const gw = new StripeGateway({
  db: database.db,
  clock: { now: () => new Date() },
  stripe,
  publishableKey: 'pk_test_unused',
});
const org = `org_check_${randomBytes(5).toString('hex')}`;
const account = {
  id: `acc_check_${randomBytes(5).toString('hex')}`,
  ownerName: 'Recoup check',
  ownerEmail: 'check@example.com',
};
const k = (name: string) => `check:${name}:${randomBytes(4).toString('hex')}`;
const attach = async (testPm: string) => {
  const customer = await gw.customerFor(org, account);
  return (await stripe.paymentMethods.attach(testPm, { customer })).id;
};

let charged = '';
let visa = '';
await check('customer and card SetupIntent', async () => {
  const si = await gw.createSetupIntent(org, account, 'card', 'CAD');
  expect(si.clientSecret.includes('_secret_'), 'no client secret');
  visa = await attach('pm_card_visa');
  const d = await gw.describe(org, account, visa, 'card');
  return `${d.brand} ${d.last4} ${d.expMonth}/${d.expYear}`;
});
// The PAD mandate options (payment_schedule combined + interval_description, transaction_type personal) are
// only asserted against the local server in the tests: Stripe itself accepting them is checked here.
await check(
  'PAD (acss_debit) and ACH (us_bank_account) SetupIntents with their mandate options',
  async () => {
    for (const [currency, locale] of [
      ['CAD', 'fr-CA'],
      ['CAD', 'en-CA'],
      ['USD', 'en-CA'],
    ] as const) {
      const si = await gw.createSetupIntent(org, account, 'echeck', currency, {
        locale,
        organization: { name: 'Recoup check', contactEmail: null },
      });
      expect(si.clientSecret.includes('_secret_') && si.mandate !== null, `no SetupIntent for ${currency}`);
    }
    return 'accepted by Stripe';
  },
);
await check('off-session card charge, and its replay charges nothing more', async () => {
  const req = {
    organizationId: org,
    token: visa,
    amountMinor: 1234n,
    currency: 'CAD',
    idempotencyKey: k('charge'),
  };
  const first = await gw.charge(req);
  expect(first.status === 'succeeded', `charge ${JSON.stringify(first)}`);
  const again = await gw.charge(req);
  expect(again.gatewayRef === first.gatewayRef, 'the replay made another PaymentIntent');
  charged = first.gatewayRef;
  return first.gatewayRef;
});
for (const [pm, code] of [
  ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
  ['pm_card_chargeDeclinedLostCard', 'lost_card'],
  ['pm_card_chargeDeclinedStolenCard', 'stolen_card'],
  ['pm_card_chargeDeclinedExpiredCard', 'expired_card'],
] as const) {
  await check(`decline ${code}`, async () => {
    const token = await attach(pm);
    const res = await gw.charge({
      organizationId: org,
      token,
      amountMinor: 500n,
      currency: 'CAD',
      idempotencyKey: k(code),
    });
    expect(res.status === 'failed' && 'code' in res && res.code === code, `got ${JSON.stringify(res)}`);
  });
}
await check('refund', async () => {
  const res = await gw.refund({
    organizationId: org,
    token: visa,
    amountMinor: 234n,
    currency: 'CAD',
    idempotencyKey: k('refund'),
    paymentRef: charged,
  });
  expect(res.status === 'succeeded', JSON.stringify(res));
  return res.gatewayRef;
});
await check('lookup finds a charge by its key; an unknown key is fenced', async () => {
  const req = {
    organizationId: org,
    token: visa,
    amountMinor: 777n,
    currency: 'CAD',
    idempotencyKey: k('lookup'),
  };
  const made = await gw.charge(req);
  const found = await gw.lookup({ ...req, kind: 'charge' });
  expect(found?.gatewayRef === made.gatewayRef, `lookup answered ${JSON.stringify(found)}`);
  const never = { ...req, idempotencyKey: k('never') };
  expect((await gw.lookup({ ...never, kind: 'charge' })) === null, 'an unknown key was found');
  expect((await gw.charge(never)).status === 'failed', 'a fenced key was charged');
});
await check('webhook signature helper agrees with constructEvent', async () => {
  const secret = `whsec_${randomBytes(12).toString('hex')}`;
  const payload = JSON.stringify({ id: 'evt_check', object: 'event', type: 'ping', data: { object: {} } });
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret });
  expect(stripe.webhooks.constructEvent(payload, header, secret).id === 'evt_check', 'did not verify');
  let refused = false;
  try {
    stripe.webhooks.constructEvent(payload, header, `${secret}x`);
  } catch (err) {
    refused = err instanceof Stripe.errors.StripeSignatureVerificationError;
  }
  expect(refused, 'a wrong secret verified');
});

await database.close();
for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.detail ? ` — ${c.detail}` : ''}`);
console.log(
  'Not checked here: bank debits (acss_debit / us_bank_account need a confirmed mandate from Stripe.js) and webhooks delivered by Stripe (use `stripe listen --forward-to <PUBLIC_URL>/api/v1/webhooks/stripe`).',
);
process.exit(checks.every((c) => c.ok) ? 0 : 1);
