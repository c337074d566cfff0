/**
 * Recovery analytics (RC7) against a scenario computed by hand: seven failed payments over two weeks, each
 * recovered (or not) by a different path, through the public API and the real jobs; the figures come from
 * the entries and the ledger.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAccount, apiBank, apiCard, apiInvoice, apiPayment, setClock, settleEChecksAt } from '../billing';
import { createOrg, type TestOrg } from '../factories';
import { call, createTestContext, type TestContext } from '../harness';

let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c, { timezone: 'America/Toronto' });
});
afterAll(async () => t?.close());

const FT = '/api/v1/action-center/failed-transactions';

async function ok(method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, body?: unknown) {
  const res = await call(t.app, org.adminToken, method, url, body);
  expect(res.status, `${method} ${url} ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}
async function failing(name: string, amount: number, code: string, startDate: string) {
  const account = await apiAccount(t.app, org.adminToken, name);
  const card = await apiCard(t.app, org.adminToken, account.id);
  const sub = await ok('POST', `/api/v1/accounts/${account.id}/subscriptions`, {
    amount,
    interval: 'month',
    startDate,
    paymentMethodId: card.id,
  });
  await ok('POST', `/api/v1/sandbox/payment-methods/${card.id}/next-outcome`, { outcome: code });
  return { account, card, subscriptionId: sub.id as string };
}
async function entryOf(name: string) {
  const items = (await ok('GET', `${FT}?limit=200`)).items as any[];
  return items.find((e) => e.customerName === name)!;
}

describe('GET /action-center/recovery (RC7)', () => {
  it('matches the hand-computed scenario', async () => {
    await ok('PUT', '/api/v1/organization/retry-policy', {
      card: { offsetsDays: [1, 3], localHour: 10, preferPaydays: false },
      echeck: { maxRepresentments: 2, minBusinessDaysApart: 3, returnFeeAmount: 0 },
      afterLastRetry: 'leave_open',
      emails: { failureNotice: false, reminderBeforeRetry: false, finalNotice: false },
    });
    // Week of Monday March 2 (EST): A auto-retried, B card updated, C ignored.
    await setClock(t.app, org.adminToken, '2026-03-02T15:00:00Z');
    await failing('A Auto', 4500, 'card_declined', '2026-03-02');
    const b = await failing('B Card', 3000, 'expired_card', '2026-03-02');
    await failing('C Ignored', 2000, 'lost_card', '2026-03-02');
    await ok('POST', '/api/v1/sandbox/jobs/payments-due');
    await setClock(t.app, org.adminToken, '2026-03-03T15:05:00Z');
    expect((await ok('POST', '/api/v1/sandbox/jobs/automatic-retries')).result).toMatchObject({
      succeeded: 1,
    });
    await setClock(t.app, org.adminToken, '2026-03-04T15:00:00Z');
    const fresh = await apiCard(t.app, org.adminToken, b.account.id, '5555555555554444');
    await ok('PATCH', `/api/v1/subscriptions/${b.subscriptionId}`, { paymentMethodId: fresh.id });
    await t.c.queue.drain();
    await setClock(t.app, org.adminToken, '2026-03-05T15:00:00Z');
    await ok('POST', `${FT}/${(await entryOf('C Ignored')).id}/ignore`, { note: 'card lost' });

    // Week of Monday March 9 (EDT): D manual retry, E rescheduled, F paid in the portal, G still open.
    await setClock(t.app, org.adminToken, '2026-03-09T14:00:00Z');
    const d = await failing('D Manual', 1000, 'card_declined', '2026-03-09');
    const e = await apiAccount(t.app, org.adminToken, 'E Resched');
    const eCard = await apiCard(t.app, org.adminToken, e.id);
    const invoice = await apiInvoice(t.app, org.adminToken, e.id, 30_000, '2026-03-09');
    await ok('POST', `/api/v1/accounts/${e.id}/installment-plans`, {
      invoiceId: invoice.id,
      paymentMethodId: eCard.id,
      installments: [
        { dueDate: '2026-03-09', amount: 10_000 },
        { dueDate: '2026-04-09', amount: 10_000 },
        { dueDate: '2026-05-09', amount: 10_000 },
      ],
    });
    await ok('POST', `/api/v1/sandbox/payment-methods/${eCard.id}/next-outcome`, { outcome: 'lost_card' });
    const f = await failing('F Portal', 2500, 'lost_card', '2026-03-09');
    const fOther = await apiCard(t.app, org.adminToken, f.account.id, '5555555555554444');
    await failing('G Open', 1500, 'card_declined', '2026-03-09');
    await ok('POST', '/api/v1/sandbox/jobs/payments-due');

    await setClock(t.app, org.adminToken, '2026-03-09T16:00:00Z');
    void d;
    await ok('POST', `${FT}/${(await entryOf('D Manual')).id}/retry`);
    await t.c.queue.drain();
    await ok('POST', `${FT}/${(await entryOf('E Resched')).id}/reschedule`, { mode: 'spread' });
    await setClock(t.app, org.adminToken, '2026-03-10T14:00:00Z');
    const fEntry = await entryOf('F Portal');
    const token = encodeURIComponent(
      (
        await t.c.portalLinks.issue(t.c.db, {
          organizationId: org.organizationId,
          accountId: f.account.id,
          purpose: 'failed_payment',
          failedTransactionId: fEntry.id,
        })
      ).token,
    );
    const paid = await call(t.app, null, 'POST', `/api/v1/portal/pay?token=${token}`, {
      failedTransactionId: fEntry.id,
      paymentMethodId: fOther.id,
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);

    const r = await ok('GET', '/api/v1/action-center/recovery?from=2026-03-01&to=2026-03-15');
    const rated = (
      failedCount: number,
      failedAmount: number,
      recoveredCount: number,
      recoveredAmount: number,
    ) => ({
      failedCount,
      failedAmount,
      recoveredCount,
      recoveredAmount,
      rate: Math.floor((recoveredAmount / failedAmount) * 10_000) / 10_000,
    });
    // By hand: failed 4500+3000+2000+1000+10000+2500+1500 = 24500; recovered A+B+D+F = 11000.
    expect(r).toMatchObject({
      currency: 'CAD',
      from: '2026-03-01',
      to: '2026-03-15',
      ...rated(7, 24_500, 4, 11_000),
      openCount: 1,
      // A 1.003 d, B 2 d, D 0.083 d, F 1 d → (1 + 1.003) / 2
      medianDaysToRecover: 1,
    });
    expect(r.byWeek).toEqual([
      { week: '2026-03-02', ...rated(3, 9_500, 2, 7_500) },
      { week: '2026-03-09', ...rated(4, 15_000, 2, 3_500) },
    ]);
    expect(r.byPath).toEqual([
      { path: 'automatic_retry', collected: true, count: 1, amount: 4_500 },
      { path: 'manual_retry', collected: true, count: 1, amount: 1_000 },
      { path: 'card_update', collected: true, count: 1, amount: 3_000 },
      { path: 'portal_payment', collected: true, count: 1, amount: 2_500 },
      { path: 'paid_elsewhere', collected: true, count: 0, amount: 0 },
      { path: 'rescheduled', collected: false, count: 1, amount: 10_000 },
      { path: 'ignored', collected: false, count: 1, amount: 0 },
    ]);
    expect(r.byMethod).toEqual([{ method: 'card', ...rated(7, 24_500, 4, 11_000) }]);
    expect(r.byReason).toEqual(
      expect.arrayContaining([
        { code: 'card_declined', ...rated(3, 7_000, 2, 5_500) },
        { code: 'expired_card', ...rated(1, 3_000, 1, 3_000) },
        { code: 'lost_card', ...rated(3, 14_500, 1, 2_500) },
      ]),
    );

    // Each failure once, in the week it failed: the second week alone.
    const second = await ok('GET', '/api/v1/action-center/recovery?from=2026-03-09&to=2026-03-15');
    expect(second).toMatchObject(rated(4, 15_000, 2, 3_500));

    const csv = await call(
      t.app,
      org.adminToken,
      'GET',
      '/api/v1/action-center/recovery?from=2026-03-01&to=2026-03-15&format=csv',
    );
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.raw.body).toContain('week,2026-03-02,3,95.00,2,75.00');
    expect(csv.raw.body).toContain('path,card_update,1,30.00');

    const bad = await call(
      t.app,
      org.adminToken,
      'GET',
      '/api/v1/action-center/recovery?from=2026-03-15&to=2026-03-01',
    );
    expect(bad.status).toBe(400);
  });

  it('issue 12: the summary hears of every money movement through the account lock, and the automatic-retries run catches it up', async () => {
    const O = org.organizationId;
    const pending = async () =>
      Number(
        (
          (await t.c.db.execute(
            sql`select count(*)::int as n from recovery_changes where organization_id = ${O}`,
          )) as unknown as { rows: { n: number }[] }
        ).rows[0]!.n,
      );
    // A posting (an invoice through the API) reports its account.
    const account = await apiAccount(t.app, org.adminToken, 'H Reported');
    await apiInvoice(t.app, org.adminToken, account.id, 1_000, '2026-03-10');
    expect(await pending()).toBeGreaterThan(0);
    await ok('POST', '/api/v1/sandbox/jobs/automatic-retries');
    expect(await pending()).toBe(0);
  });

  it('RC7 × RA: a failed charge whose invoice a reconcile settles counts as paid elsewhere, and again as open once the reconcile is undone', async () => {
    // A one-off eCheck payment of an invoice that comes back R02 (never re-presented): nothing else covers it.
    await setClock(t.app, org.adminToken, '2026-03-23T15:00:00Z');
    const i = { account: await apiAccount(t.app, org.adminToken, 'I Reconciled') };
    const bank = await apiBank(t.app, org.adminToken, i.account.id, '999002');
    const invoice = await apiInvoice(t.app, org.adminToken, i.account.id, 4_000, '2026-03-23');
    await apiPayment(t.app, org.adminToken, i.account.id, {
      amount: 4_000,
      date: '2026-03-23',
      method: 'echeck',
      paymentMethodId: bank.id,
      invoiceId: invoice.id,
    });
    expect(await settleEChecksAt(t.app, org.adminToken, '2026-03-26T15:00:00Z')).toMatchObject({
      returned: 1,
    });
    const week = '/api/v1/action-center/recovery?from=2026-03-23&to=2026-03-29';
    const path = (r: any, name: string) => r.byPath.find((p: any) => p.path === name);
    const before = await ok('GET', week);
    expect(before).toMatchObject({ failedCount: 1, failedAmount: 4_000, recoveredCount: 0, openCount: 1 });

    await ok('POST', `/api/v1/accounts/${i.account.id}/credit-notes`, {
      amount: 4_000,
      date: '2026-03-23',
      reason: 'paid at the front desk',
    });
    const done = await ok('POST', `/api/v1/action-center/reconcilable-accounts/${i.account.id}/reconcile`);
    expect(done.state, JSON.stringify(done)).toBe('reconciled');
    const settled = await ok('GET', week);
    expect(settled).toMatchObject({
      failedCount: 1,
      recoveredCount: 1,
      recoveredAmount: 4_000,
      openCount: 0,
    });
    expect(path(settled, 'paid_elsewhere')).toMatchObject({ count: 1, amount: 4_000 });

    const undo = await call(t.app, org.adminToken, 'DELETE', `/api/v1/reconciliations/${done.batchId}`);
    expect(undo.status).toBe(204);
    const reopened = await ok('GET', week);
    expect(reopened).toMatchObject({ failedCount: 1, recoveredCount: 0, openCount: 1 });
    expect(path(reopened, 'paid_elsewhere')).toMatchObject({ count: 0 });
  });
});
