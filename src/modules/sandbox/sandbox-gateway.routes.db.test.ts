import { describe, expect, it } from 'vitest';
import { apiAccount, apiCard } from '../../../test/billing';
import { createOrg } from '../../../test/factories';
import { call, createTestContext } from '../../../test/harness';
import { org, other, setUpOrgs, t } from '../../../test/suite';

setUpOrgs();

describe('happy', () => {
  it("sets the organization's merchant balance", async () => {
    const res = await call(t.app, org.adminToken, 'PUT', '/api/v1/sandbox/merchant-balance', {
      amount: 2_500,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ amount: 2_500 });
    expect((await call(t.app, org.adminToken, 'GET', '/api/v1/sandbox/merchant-balance')).body).toEqual({
      amount: 2_500,
    });
    expect(await t.c.sandboxGateway!.merchantBalance(other.organizationId)).not.toBe(2_500n);
  });

  it("forces the outcome of a method's next charge, once", async () => {
    const account = await apiAccount(t.app, org.adminToken);
    const card = await apiCard(t.app, org.adminToken, account.id);
    const res = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/sandbox/payment-methods/${card.id}/next-outcome`,
      {
        outcome: 'do_not_honor',
      },
    );
    expect(res.status).toBe(200);
    const pay = (n: number) =>
      call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/payments`, {
        amount: n,
        date: '2026-03-01',
        method: 'card',
        paymentMethodId: card.id,
      });
    const declined = await pay(100);
    expect(declined.status).toBe(402);
    expect(declined.body.code).toBe('do_not_honor');
    expect((await pay(100)).status).toBe(201);
  });
});

describe('errors', () => {
  it('refuses an unknown outcome (listing the allowed ones) and a negative balance', async () => {
    const account = await apiAccount(t.app, org.adminToken);
    const card = await apiCard(t.app, org.adminToken, account.id);
    const res = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/sandbox/payment-methods/${card.id}/next-outcome`,
      {
        outcome: 'not_a_code',
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toContain('card_declined');
    expect(
      (await call(t.app, org.adminToken, 'PUT', '/api/v1/sandbox/merchant-balance', { amount: -1 })).status,
    ).toBe(400);
    expect(
      (await call(t.app, org.adminToken, 'PUT', '/api/v1/sandbox/merchant-balance', { amount: '5' })).status,
    ).toBe(400);
  });
});

describe('authz', () => {
  it("answers 404 for another organization's payment method, 401 when not signed in", async () => {
    const account = await apiAccount(t.app, org.adminToken);
    const card = await apiCard(t.app, org.adminToken, account.id);
    const res = await call(
      t.app,
      other.adminToken,
      'POST',
      `/api/v1/sandbox/payment-methods/${card.id}/next-outcome`,
      {
        outcome: 'succeed',
      },
    );
    expect(res.status).toBe(404);
    expect((await call(t.app, null, 'PUT', '/api/v1/sandbox/merchant-balance', { amount: 1 })).status).toBe(
      401,
    );
  });

  it('is not there when the sandbox is off; money-moving calls answer 503 without a gateway', async () => {
    const live = await createTestContext({ env: { RECOUP_SANDBOX: 'false' } });
    try {
      const liveOrg = await createOrg(live.c);
      expect(
        (await call(live.app, liveOrg.adminToken, 'PUT', '/api/v1/sandbox/merchant-balance', { amount: 1 }))
          .status,
      ).toBe(404);
      const account = await apiAccount(live.app, liveOrg.adminToken);
      const method = await call(
        live.app,
        liveOrg.adminToken,
        'POST',
        `/api/v1/accounts/${account.id}/payment-methods`,
        {
          type: 'card',
          gatewayToken: 'tok_123',
        },
      );
      expect(method.status).toBe(503);
      expect(method.body.detail).toBe('no payment gateway configured');
      const cash = await call(
        live.app,
        liveOrg.adminToken,
        'POST',
        `/api/v1/accounts/${account.id}/payments`,
        {
          amount: 100,
          date: '2026-03-01',
          method: 'cash',
        },
      );
      expect(cash.status).toBe(201);
    } finally {
      await live.close();
    }
  });
});
