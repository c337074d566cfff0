import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg } from '../../../test/factories';
import { ftAccount, ftCard, ftEntry } from '../../../test/failed-transaction-fixtures';
import { call, createTestContext, type TestContext } from '../../../test/harness';

let t: TestContext;
const HOUR = 3_600_000;

beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => t?.close());

describe('happy', () => {
  it('FT1, RA7: the summary counts the failed list; reconcilable accounts only with reconciliations.manage', async () => {
    const org = await createOrg(t.c);
    const accountId = await ftAccount(t.c, org.organizationId);
    const pm = await ftCard(t.c, org.organizationId, accountId);
    await ftEntry(t.c, org.organizationId, { accountId, paymentMethodId: pm });
    await ftEntry(t.c, org.organizationId, { accountId, paymentMethodId: pm, status: 'retrying' });
    await ftEntry(t.c, org.organizationId, { accountId, paymentMethodId: pm, status: 'ignored' });
    await ftEntry(t.c, org.organizationId, { accountId, paymentMethodId: pm, status: 'resolved' });
    // RA1: one debit and one credit open on the account.
    await t.c.db.transaction(async (tx) => {
      for (const kind of ['invoice', 'payment'] as const) {
        await t.c.ledger.createDocument(tx, {
          organizationId: org.organizationId,
          accountId,
          kind,
          amountMinor: 1_000n,
          currency: 'CAD',
          date: '2026-01-10',
        });
      }
    });
    const admin = await call(t.app, org.adminToken, 'GET', '/api/v1/action-center/summary');
    expect(admin.status).toBe(200);
    expect(admin.body).toEqual({ failedTransactions: 2, expiringCards: 0, reconcilableAccounts: 1 });
    const staff = await org.tokenFor('staff');
    const seen = await call(t.app, staff.token, 'GET', '/api/v1/action-center/summary');
    expect(seen.status).toBe(200);
    expect(seen.body).toEqual({ failedTransactions: 2, expiringCards: 0 });
  });

  it('charts: what is on the list by reason, and failures and recoveries per local day for 30 days', async () => {
    await t.c.sandboxClock!.set(new Date('2026-04-15T16:00:00.000Z'));
    const org = await createOrg(t.c);
    const accountId = await ftAccount(t.c, org.organizationId);
    const pm = await ftCard(t.c, org.organizationId, accountId);
    const now = t.c.clock.now().getTime();
    const at = (iso: string) => new Date(iso);
    // 2026-04-14 01:30 UTC is still April 13 in Toronto (EDT).
    await ftEntry(t.c, org.organizationId, {
      accountId,
      paymentMethodId: pm,
      amount: 1_000n,
      reasonCode: 'card_declined',
      failedAt: at('2026-04-14T01:30:00.000Z'),
    });
    await ftEntry(t.c, org.organizationId, {
      accountId,
      paymentMethodId: pm,
      amount: 2_500n,
      reasonCode: 'card_declined',
      failedAt: new Date(now - HOUR),
    });
    await ftEntry(t.c, org.organizationId, {
      accountId,
      paymentMethodId: pm,
      amount: 9_000n,
      reasonCode: 'expired_card',
      failedAt: new Date(now - 2 * HOUR),
    });
    await ftEntry(t.c, org.organizationId, {
      accountId,
      paymentMethodId: pm,
      amount: 7_777n,
      status: 'resolved',
      failedAt: at('2026-04-10T15:00:00.000Z'),
      resolvedAt: at('2026-04-12T15:00:00.000Z'),
    });
    // Older than 30 days: not in the daily series.
    await ftEntry(t.c, org.organizationId, {
      accountId,
      paymentMethodId: pm,
      status: 'ignored',
      failedAt: at('2026-02-01T15:00:00.000Z'),
    });
    const res = await call(t.app, org.adminToken, 'GET', '/api/v1/action-center/charts', undefined, {
      'accept-language': 'en-CA',
    });
    expect(res.status).toBe(200);
    expect(res.body.currency).toBe('CAD');
    expect(res.body.failedByReason).toEqual([
      { code: 'card_declined', message: 'The card was declined.', amount: 3_500, count: 2 },
      { code: 'expired_card', message: 'The card has expired.', amount: 9_000, count: 1 },
    ]);
    expect(res.body.daily).toHaveLength(30);
    expect(res.body.daily[0].date).toBe('2026-03-17');
    expect(res.body.daily[29]).toEqual({ date: '2026-04-15', failures: 2, recoveries: 0 });
    const byDate = Object.fromEntries(res.body.daily.map((d: any) => [d.date, d]));
    expect(byDate['2026-04-13']).toEqual({ date: '2026-04-13', failures: 1, recoveries: 0 });
    expect(byDate['2026-04-14']).toEqual({ date: '2026-04-14', failures: 0, recoveries: 0 });
    expect(byDate['2026-04-12']).toEqual({ date: '2026-04-12', failures: 0, recoveries: 1 });
    expect(byDate['2026-04-10']).toEqual({ date: '2026-04-10', failures: 1, recoveries: 0 });
    const total = res.body.daily.reduce((n: number, d: any) => n + d.failures, 0);
    expect(total).toBe(4);
  });
});

describe('authz', () => {
  it('needs a signed-in user; each organization sees only its own counts', async () => {
    expect((await call(t.app, null, 'GET', '/api/v1/action-center/summary')).status).toBe(401);
    expect((await call(t.app, null, 'GET', '/api/v1/action-center/charts')).status).toBe(401);
    const empty = await createOrg(t.c);
    const res = await call(t.app, empty.adminToken, 'GET', '/api/v1/action-center/summary');
    expect(res.body).toEqual({ failedTransactions: 0, expiringCards: 0, reconcilableAccounts: 0 });
    const charts = await call(t.app, empty.adminToken, 'GET', '/api/v1/action-center/charts');
    expect(charts.body.failedByReason).toEqual([]);
  });
});
