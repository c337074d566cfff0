import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../../../test/databases';
import { AppError } from '../../lib/errors';
import type { Database } from '../../platform/db/db';
import { sandboxGatewayOperations, sandboxNextOutcomes } from './sandbox.table';
import { DEFAULT_MERCHANT_BALANCE_MINOR, SandboxGateway } from './sandbox-gateway';
import { tokenizeBankAccount, tokenizeCard } from './sandbox-instruments';

let database: Database & { drop(): Promise<void> };
let gw: SandboxGateway;

beforeAll(async () => {
  database = await createTestDatabase(inject('dbTemplate'));
  gw = new SandboxGateway({ db: database.db });
});
afterAll(async () => {
  await database?.drop();
});

// The sandbox tables reference no other table: a fresh organization ID isolates each test.
const newOrg = () => `org_test_${randomBytes(6).toString('hex')}`;
const key = () => `key_${randomBytes(6).toString('hex')}`;
const cardToken = (number = '4242424242424242') =>
  tokenizeCard({ number, expMonth: 12, expYear: 2030, cvc: '123' }, { now: new Date(), timeZone: 'UTC' })
    .token;
const bankToken = (accountNumber = '000123456789') =>
  tokenizeBankAccount({ routingNumber: '110000000', accountNumber, holderName: 'Jean Roy' }).token;
const money = (organizationId: string, token: string, amountMinor: bigint, idempotencyKey = key()) => ({
  organizationId,
  token,
  amountMinor,
  currency: 'CAD',
  idempotencyKey,
});

async function operations(organizationId: string) {
  return database.db
    .select()
    .from(sandboxGatewayOperations)
    .where(eq(sandboxGatewayOperations.organizationId, organizationId));
}

describe('card charges', () => {
  it('charges the success card and adds the amount to the merchant balance', async () => {
    const org = newOrg();
    const res = await gw.charge(money(org, cardToken(), 2500n));
    expect(res).toEqual({ status: 'succeeded', gatewayRef: expect.stringMatching(/^ch_[0-9a-z]{26}$/) });
    expect(await gw.merchantBalance(org)).toBe(DEFAULT_MERCHANT_BALANCE_MINOR + 2500n);
    expect(await gw.chargeCount(org)).toBe(1);
  });

  it.each([
    ['4000000000000002', 'card_declined'],
    ['4000000000009995', 'insufficient_funds'],
    ['4000000000000069', 'expired_card'],
    ['4000000000000119', 'processing_error'],
    ['4000000000009987', 'lost_card'],
    ['4000000000009979', 'stolen_card'],
  ])('declines the test card %s with %s and moves no money', async (number, code) => {
    const org = newOrg();
    const res = await gw.charge(money(org, cardToken(number), 1000n));
    expect(res).toEqual({ status: 'failed', gatewayRef: expect.stringMatching(/^ch_/), code });
    expect(await gw.merchantBalance(org)).toBe(DEFAULT_MERCHANT_BALANCE_MINOR);
    expect(await gw.chargeCount(org)).toBe(1);
  });

  it('fails with invalid_account for a token it never issued or a bank token', async () => {
    const org = newOrg();
    expect(await gw.charge(money(org, 'tok_live_abc', 100n))).toMatchObject({
      status: 'failed',
      code: 'invalid_account',
    });
    expect(await gw.charge(money(org, bankToken(), 100n))).toMatchObject({
      status: 'failed',
      code: 'invalid_account',
    });
  });

  it('refuses a zero or negative amount', async () => {
    const org = newOrg();
    await expect(gw.charge(money(org, cardToken(), 0n))).rejects.toMatchObject({ kind: 'validation' });
    await expect(gw.charge(money(org, cardToken(), -5n))).rejects.toMatchObject({ kind: 'validation' });
    expect(await operations(org)).toHaveLength(0);
  });
});

describe('idempotency', () => {
  it('MS5: lookup fences a key it never saw; a late charge or eCheck debit with it is refused and moves no money', async () => {
    const org = newOrg();
    const card = money(org, cardToken(), 700n);
    const bank = money(org, bankToken(), 900n);
    expect(await gw.lookup({ ...card, kind: 'charge' })).toBeNull();
    expect(await gw.lookup({ ...bank, kind: 'echeck_debit' })).toBeNull();
    expect((await gw.charge(card)).status).toBe('failed');
    expect((await gw.echeckDebit(bank)).status).toBe('failed');
    expect(await gw.chargeCount(org)).toBe(0);
    expect(await gw.merchantBalance(org)).toBe(DEFAULT_MERCHANT_BALANCE_MINOR);
    // A key the gateway did see answers its recorded result.
    const seen = money(org, cardToken(), 500n);
    const charged = await gw.charge(seen);
    expect(await gw.lookup({ ...seen, kind: 'charge' })).toEqual(charged);
  });

  it('answers the recorded result for a key seen before and moves no money', async () => {
    const org = newOrg();
    const req = money(org, cardToken(), 700n);
    const first = await gw.charge(req);
    const second = await gw.charge(req);
    expect(second).toEqual(first);
    expect(await operations(org)).toHaveLength(1);
    expect(await gw.merchantBalance(org)).toBe(DEFAULT_MERCHANT_BALANCE_MINOR + 700n);
    expect(await gw.chargeCount(org)).toBe(1);
  });

  it('replays a decline too', async () => {
    const org = newOrg();
    const req = money(org, cardToken('4000000000000002'), 700n);
    const first = await gw.charge(req);
    expect(await gw.charge(req)).toEqual(first);
    expect(await gw.chargeCount(org)).toBe(1);
  });

  it('makes one operation out of 20 concurrent charges with one key', async () => {
    const org = newOrg();
    const req = money(org, cardToken(), 1234n);
    const results = await Promise.all(Array.from({ length: 20 }, () => gw.charge({ ...req })));
    const refs = new Set(results.map((r) => r.gatewayRef));
    expect(refs.size).toBe(1);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(await operations(org)).toHaveLength(1);
    expect(await gw.chargeCount(org)).toBe(1);
    expect(await gw.merchantBalance(org)).toBe(DEFAULT_MERCHANT_BALANCE_MINOR + 1234n);
  });

  it('makes one refund out of 20 concurrent refunds with one key', async () => {
    const org = newOrg();
    const req = money(org, cardToken(), 300n);
    const results = await Promise.all(Array.from({ length: 20 }, () => gw.refund({ ...req })));
    expect(new Set(results.map((r) => r.gatewayRef)).size).toBe(1);
    expect(await gw.merchantBalance(org)).toBe(DEFAULT_MERCHANT_BALANCE_MINOR - 300n);
  });

  it('keeps keys per organization', async () => {
    const [a, b] = [newOrg(), newOrg()];
    const k = key();
    const ra = await gw.charge(money(a, cardToken(), 100n, k));
    const rb = await gw.charge(money(b, cardToken(), 100n, k));
    expect(ra.gatewayRef).not.toBe(rb.gatewayRef);
    expect(await gw.chargeCount(a)).toBe(1);
    expect(await gw.chargeCount(b)).toBe(1);
  });

  it('throws idempotency_conflict when a key is reused for another request', async () => {
    const org = newOrg();
    const token = cardToken();
    const k = key();
    await gw.charge(money(org, token, 100n, k));
    const other = gw.charge(money(org, token, 200n, k));
    await expect(other).rejects.toBeInstanceOf(AppError);
    await expect(gw.charge(money(org, token, 200n, k))).rejects.toMatchObject({
      kind: 'idempotency_conflict',
    });
    await expect(gw.refund(money(org, token, 100n, k))).rejects.toMatchObject({
      kind: 'idempotency_conflict',
    });
    await expect(gw.charge(money(org, cardToken(), 100n, k))).rejects.toMatchObject({
      kind: 'idempotency_conflict',
    });
    expect(await operations(org)).toHaveLength(1);
  });
});

describe('merchant balance and refunds', () => {
  it('starts at the default balance and can be set', async () => {
    const org = newOrg();
    expect(await gw.merchantBalance(org)).toBe(1_000_000n);
    await gw.setMerchantBalance(org, 5000n);
    expect(await gw.merchantBalance(org)).toBe(5000n);
    await gw.setMerchantBalance(org, 0n);
    expect(await gw.merchantBalance(org)).toBe(0n);
    await expect(gw.setMerchantBalance(org, -1n)).rejects.toMatchObject({ kind: 'validation' });
  });

  it('pays a refund up to the balance, exactly, and subtracts it', async () => {
    const org = newOrg();
    await gw.setMerchantBalance(org, 5000n);
    expect(await gw.refund(money(org, cardToken(), 5000n))).toEqual({
      status: 'succeeded',
      gatewayRef: expect.stringMatching(/^re_[0-9a-z]{26}$/),
    });
    expect(await gw.merchantBalance(org)).toBe(0n);
  });

  it('fails a refund larger than the balance with insufficient_merchant_funds and takes nothing', async () => {
    const org = newOrg();
    await gw.setMerchantBalance(org, 5000n);
    const req = money(org, cardToken(), 5001n);
    const res = await gw.refund(req);
    expect(res).toEqual({
      status: 'failed',
      gatewayRef: expect.stringMatching(/^re_/),
      code: 'insufficient_merchant_funds',
    });
    expect(await gw.merchantBalance(org)).toBe(5000n);
    // The same key answers the same failure even after the funds arrive: a retry needs a new key.
    await gw.setMerchantBalance(org, 10_000n);
    expect(await gw.refund(req)).toEqual(res);
    expect((await gw.refund({ ...req, idempotencyKey: key() })).status).toBe('succeeded');
    expect(await gw.merchantBalance(org)).toBe(10_000n - 5001n);
  });

  it('fails a refund above the default balance when no balance was ever set', async () => {
    const org = newOrg();
    expect(await gw.refund(money(org, cardToken(), DEFAULT_MERCHANT_BALANCE_MINOR + 1n))).toMatchObject({
      status: 'failed',
      code: 'insufficient_merchant_funds',
    });
  });

  it('lets a charge fund a later refund', async () => {
    const org = newOrg();
    await gw.setMerchantBalance(org, 0n);
    expect((await gw.refund(money(org, cardToken(), 800n))).status).toBe('failed');
    await gw.charge(money(org, cardToken(), 800n));
    expect((await gw.refund(money(org, cardToken(), 800n))).status).toBe('succeeded');
    expect(await gw.merchantBalance(org)).toBe(0n);
  });

  it('never lets concurrent refunds spend the same funds', async () => {
    const org = newOrg();
    await gw.setMerchantBalance(org, 1000n);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => gw.refund(money(org, cardToken(), 300n))),
    );
    expect(results.filter((r) => r.status === 'succeeded')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'failed')).toHaveLength(7);
    expect(await gw.merchantBalance(org)).toBe(100n);
  });
});

describe('next outcome', () => {
  it('forces the next charge of a method, once', async () => {
    const org = newOrg();
    const token = cardToken();
    await gw.setNextOutcome(org, 'pm_1', 'insufficient_funds');
    const declined = await gw.charge({ ...money(org, token, 100n), paymentMethodId: 'pm_1' });
    expect(declined).toMatchObject({ status: 'failed', code: 'insufficient_funds' });
    const next = await gw.charge({ ...money(org, token, 100n), paymentMethodId: 'pm_1' });
    expect(next.status).toBe('succeeded');
  });

  it('only applies to its own method and organization', async () => {
    const [org, other] = [newOrg(), newOrg()];
    await gw.setNextOutcome(org, 'pm_1', 'do_not_honor');
    expect((await gw.charge({ ...money(org, cardToken(), 100n), paymentMethodId: 'pm_2' })).status).toBe(
      'succeeded',
    );
    expect((await gw.charge({ ...money(other, cardToken(), 100n), paymentMethodId: 'pm_1' })).status).toBe(
      'succeeded',
    );
    expect(await gw.charge({ ...money(org, cardToken(), 100n), paymentMethodId: 'pm_1' })).toMatchObject({
      code: 'do_not_honor',
    });
  });

  it('can force a decline card to succeed, and replaces an earlier forced outcome', async () => {
    const org = newOrg();
    await gw.setNextOutcome(org, 'pm_x', 'lost_card');
    await gw.setNextOutcome(org, 'pm_x', 'succeed');
    const res = await gw.charge({
      ...money(org, cardToken('4000000000000002'), 100n),
      paymentMethodId: 'pm_x',
    });
    expect(res.status).toBe('succeeded');
    const after = await gw.charge({
      ...money(org, cardToken('4000000000000002'), 100n),
      paymentMethodId: 'pm_x',
    });
    expect(after).toMatchObject({ status: 'failed', code: 'card_declined' });
  });

  it('may be keyed by token when there is no payment method ID', async () => {
    const org = newOrg();
    const token = cardToken();
    await gw.setNextOutcome(org, token, 'card_declined');
    expect(await gw.charge(money(org, token, 100n))).toMatchObject({ code: 'card_declined' });
  });

  it('is not consumed by a replayed key', async () => {
    const org = newOrg();
    const req = { ...money(org, cardToken(), 100n), paymentMethodId: 'pm_r' };
    await gw.charge(req);
    await gw.setNextOutcome(org, 'pm_r', 'card_declined');
    expect((await gw.charge(req)).status).toBe('succeeded');
    const rows = await database.db
      .select()
      .from(sandboxNextOutcomes)
      .where(
        and(eq(sandboxNextOutcomes.organizationId, org), eq(sandboxNextOutcomes.paymentMethodId, 'pm_r')),
      );
    expect(rows).toHaveLength(1);
  });

  it('refuses an unknown outcome, listing the allowed ones', async () => {
    const err = await gw.setNextOutcome(newOrg(), 'pm_1', 'bogus').catch((e) => e);
    expect(err).toMatchObject({ kind: 'validation', errors: [{ field: 'outcome' }] });
    expect(err.errors[0].message).toContain('card_declined');
  });
});

describe('eCheck debits', () => {
  it('is pending, then settles and credits the merchant account once', async () => {
    const org = newOrg();
    const res = await gw.echeckDebit(money(org, bankToken(), 4000n));
    expect(res).toEqual({ status: 'pending', gatewayRef: expect.stringMatching(/^py_[0-9a-z]{26}$/) });
    expect(await gw.merchantBalance(org)).toBe(DEFAULT_MERCHANT_BALANCE_MINOR);
    const outcome = await gw.echeckOutcome({ organizationId: org, gatewayRef: res.gatewayRef });
    expect(outcome).toEqual({ status: 'settled' });
    expect(await gw.echeckOutcome({ organizationId: org, gatewayRef: res.gatewayRef })).toEqual({
      status: 'settled',
    });
    expect(await gw.merchantBalance(org)).toBe(DEFAULT_MERCHANT_BALANCE_MINOR + 4000n);
    expect(await gw.chargeCount(org)).toBe(1);
  });

  it.each(['01', '02', '09', '16', '33'])('account 9990%s comes back returned R%s', async (nn) => {
    const org = newOrg();
    const res = await gw.echeckDebit(money(org, bankToken(`9990${nn}`), 4000n));
    expect(res.status).toBe('pending');
    expect(await gw.echeckOutcome({ organizationId: org, gatewayRef: res.gatewayRef })).toEqual({
      status: 'returned',
      code: `R${nn}`,
    });
    expect(await gw.merchantBalance(org)).toBe(DEFAULT_MERCHANT_BALANCE_MINOR);
  });

  it('settles once when the outcome is asked concurrently', async () => {
    const org = newOrg();
    const res = await gw.echeckDebit(money(org, bankToken(), 900n));
    await Promise.all(
      Array.from({ length: 10 }, () => gw.echeckOutcome({ organizationId: org, gatewayRef: res.gatewayRef })),
    );
    expect(await gw.merchantBalance(org)).toBe(DEFAULT_MERCHANT_BALANCE_MINOR + 900n);
  });

  it('replays a debit for a key seen before', async () => {
    const org = newOrg();
    const req = money(org, bankToken(), 500n);
    const first = await gw.echeckDebit(req);
    await gw.echeckOutcome({ organizationId: org, gatewayRef: first.gatewayRef });
    expect(await gw.echeckDebit(req)).toEqual(first);
    expect(await gw.chargeCount(org)).toBe(1);
  });

  it('takes a forced R code or success as the next outcome', async () => {
    const org = newOrg();
    await gw.setNextOutcome(org, 'pm_b', 'R01');
    const returned = await gw.echeckDebit({ ...money(org, bankToken(), 500n), paymentMethodId: 'pm_b' });
    expect(await gw.echeckOutcome({ organizationId: org, gatewayRef: returned.gatewayRef })).toEqual({
      status: 'returned',
      code: 'R01',
    });
    await gw.setNextOutcome(org, 'pm_b', 'succeed');
    const settled = await gw.echeckDebit({
      ...money(org, bankToken('999002'), 500n),
      paymentMethodId: 'pm_b',
    });
    expect(await gw.echeckOutcome({ organizationId: org, gatewayRef: settled.gatewayRef })).toEqual({
      status: 'settled',
    });
  });

  it('fails at once for a card token', async () => {
    const org = newOrg();
    expect(await gw.echeckDebit(money(org, cardToken(), 500n))).toMatchObject({
      status: 'failed',
      code: 'invalid_account',
    });
  });

  it('answers 404 for an unknown or another organization’s gateway ref', async () => {
    const org = newOrg();
    const res = await gw.echeckDebit(money(org, bankToken(), 500n));
    await expect(
      gw.echeckOutcome({ organizationId: newOrg(), gatewayRef: res.gatewayRef }),
    ).rejects.toMatchObject({
      kind: 'not_found',
    });
    await expect(gw.echeckOutcome({ organizationId: org, gatewayRef: 'py_nope' })).rejects.toMatchObject({
      kind: 'not_found',
    });
  });
});

describe('inside a caller’s transaction', () => {
  it('commits and rolls back with it', async () => {
    const org = newOrg();
    await database.db
      .transaction(async (tx) => {
        await new SandboxGateway({ db: tx }).charge(money(org, cardToken(), 100n));
        throw new Error('rollback');
      })
      .catch(() => undefined);
    expect(await operations(org)).toHaveLength(0);
    expect(await gw.merchantBalance(org)).toBe(DEFAULT_MERCHANT_BALANCE_MINOR);
    await database.db.transaction(async (tx) => {
      await new SandboxGateway({ db: tx }).charge(money(org, cardToken(), 100n));
    });
    expect(await gw.chargeCount(org)).toBe(1);
  });
});
