import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { apiAccount, apiCard } from '../../../test/billing';
import { call } from '../../../test/harness';
import { org, other, setUpOrgs, t } from '../../../test/suite';
import { paymentMethods } from './payment-methods.table';

setUpOrgs();

const card = (over: Record<string, unknown> = {}) => ({
  type: 'card',
  number: '4242 4242 4242 4242',
  expMonth: 11,
  expYear: 2031,
  cvc: '314',
  saveToWallet: true,
  ...over,
});

describe('happy', () => {
  it('tokenises a card: only token, brand, last 4 and expiry are kept', async () => {
    const account = await apiAccount(t.app, org.adminToken);
    const res = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/accounts/${account.id}/payment-methods`,
      card(),
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      type: 'card',
      brand: 'visa',
      last4: '4242',
      expMonth: 11,
      expYear: 2031,
      inWallet: true,
      bankName: null,
    });
    const [row] = await t.c.db.select().from(paymentMethods).where(eq(paymentMethods.id, res.body.id));
    const stored = JSON.stringify(row);
    expect(stored).not.toContain('4242424242424242');
    expect(stored).not.toContain('314');
    expect(row!.gatewayToken).toMatch(/^sbx_card_/);
  });

  it('tokenises an eCheck bank account with its bank and holder', async () => {
    const account = await apiAccount(t.app, org.adminToken);
    const res = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payment-methods`, {
      type: 'echeck',
      routingNumber: '12345-003',
      accountNumber: '00123456789',
      holderName: 'Marie Tremblay',
      saveToWallet: false,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      type: 'echeck',
      brand: null,
      last4: '6789',
      bankName: 'RBC',
      holderName: 'Marie Tremblay',
      inWallet: false,
      expMonth: null,
    });
  });

  it('lists the methods; DELETE takes one out of the wallet but keeps it for its schedules', async () => {
    const account = await apiAccount(t.app, org.adminToken);
    const kept = await apiCard(t.app, org.adminToken, account.id);
    const removed = await apiCard(t.app, org.adminToken, account.id, '5555555555554444');
    const del = await call(t.app, org.adminToken, 'DELETE', `/api/v1/payment-methods/${removed.id}`);
    expect(del.status).toBe(204);
    const list = await call(t.app, org.adminToken, 'GET', `/api/v1/accounts/${account.id}/payment-methods`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((m: { id: string; inWallet: boolean }) => [m.id, m.inWallet])).toEqual([
      [kept.id, true],
      [removed.id, false],
    ]);
    const audit = await call(t.app, org.adminToken, 'GET', `/api/v1/audit-log?subjectId=${removed.id}`);
    expect(audit.body.items[0].action).toBe('payment_method.removed_from_wallet');
  });
});

describe('errors', () => {
  it('a card number that fails Luhn is a 400 with a field error', async () => {
    const account = await apiAccount(t.app, org.adminToken);
    const res = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/accounts/${account.id}/payment-methods`,
      card({ number: '4242424242424241' }),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'body.number' })]);
  });

  it('refuses expired cards, bad routing numbers, unknown shapes, live tokens in the sandbox', async () => {
    const account = await apiAccount(t.app, org.adminToken);
    const post = (body: object) =>
      call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payment-methods`, body);
    expect((await post(card({ expYear: 2020 }))).status).toBe(400);
    expect((await post(card({ cvc: '12' }))).status).toBe(400);
    expect((await post(card({ expMonth: '11' }))).status).toBe(400);
    const bank = await post({ type: 'echeck', routingNumber: '123', accountNumber: '1234', holderName: 'A' });
    expect(bank.status).toBe(400);
    expect(bank.body.errors[0].field).toBe('body.routingNumber');
    expect((await post({ type: 'paypal' })).status).toBe(400);
    expect((await post({ type: 'card', gatewayToken: 'tok_live_123' })).status).toBe(400);
    expect(
      (await call(t.app, org.adminToken, 'GET', `/api/v1/accounts/${account.id}/payment-methods`)).body.items,
    ).toEqual([]);
    expect(
      (await call(t.app, org.adminToken, 'POST', '/api/v1/accounts/acc_unknown/payment-methods', card()))
        .status,
    ).toBe(404);
    expect((await call(t.app, org.adminToken, 'DELETE', '/api/v1/payment-methods/pm_unknown')).status).toBe(
      404,
    );
  });
});

describe('authz', () => {
  it('lets staff list methods but not add or remove them', async () => {
    const account = await apiAccount(t.app, org.adminToken);
    const method = await apiCard(t.app, org.adminToken, account.id);
    const staff = await org.tokenFor('staff');
    expect(
      (await call(t.app, staff.token, 'GET', `/api/v1/accounts/${account.id}/payment-methods`)).status,
    ).toBe(200);
    expect(
      (await call(t.app, staff.token, 'POST', `/api/v1/accounts/${account.id}/payment-methods`, card()))
        .status,
    ).toBe(403);
    expect((await call(t.app, staff.token, 'DELETE', `/api/v1/payment-methods/${method.id}`)).status).toBe(
      403,
    );
  });

  it("answers 404 for another organization's account and method", async () => {
    const account = await apiAccount(t.app, org.adminToken);
    const method = await apiCard(t.app, org.adminToken, account.id);
    const theirs = other.adminToken;
    expect((await call(t.app, theirs, 'GET', `/api/v1/accounts/${account.id}/payment-methods`)).status).toBe(
      404,
    );
    expect(
      (await call(t.app, theirs, 'POST', `/api/v1/accounts/${account.id}/payment-methods`, card())).status,
    ).toBe(404);
    expect((await call(t.app, theirs, 'DELETE', `/api/v1/payment-methods/${method.id}`)).status).toBe(404);
    const [row] = await t.c.db.select().from(paymentMethods).where(eq(paymentMethods.id, method.id));
    expect(row!.inWallet).toBe(true);
  });
});
