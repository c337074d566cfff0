/**
 * Recovery automation through the public API, moving the sandbox clock through a whole retry policy:
 * the automatic retries at their offsets and local hour (RC1), what the administrator sees (RC4), a manual
 * retry that does not consume an automatic one, a dunning pause (RC5), the step after the last retry, and a
 * failed installment rescheduled onto its plan (RC6).
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriptions } from '../../src/modules/schedules/schedules.table';
import { apiAccount, apiCard, apiInvoice, setClock } from '../billing';
import { createOrg, type TestOrg } from '../factories';
import { call, createTestContext, type TestContext } from '../harness';

let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c, { timezone: 'America/Toronto' });
});
afterAll(async () => t?.close());

const POLICY = {
  card: { offsetsDays: [1, 3], localHour: 10, preferPaydays: true },
  echeck: { maxRepresentments: 2, minBusinessDaysApart: 3, returnFeeAmount: 1500 },
  afterLastRetry: 'pause',
  emails: { failureNotice: true, reminderBeforeRetry: false, finalNotice: true },
};

async function run(job: string) {
  const res = await call(t.app, org.adminToken, 'POST', `/api/v1/sandbox/jobs/${job}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.result;
}
async function list(query = '') {
  const res = await call(t.app, org.adminToken, 'GET', `/api/v1/action-center/failed-transactions${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as any[];
}
async function decline(methodId: string, outcome = 'card_declined') {
  const res = await call(
    t.app,
    org.adminToken,
    'POST',
    `/api/v1/sandbox/payment-methods/${methodId}/next-outcome`,
    {
      outcome,
    },
  );
  expect(res.status).toBe(200);
}

describe('a soft decline through a whole policy (RC1, RC4, RC5)', () => {
  it('retries at the offsets, shows when, lets a manual retry be free, pauses, then pauses the subscription', async () => {
    const token = org.adminToken;
    const bad = await call(t.app, token, 'PUT', '/api/v1/organization/retry-policy', {
      ...POLICY,
      card: { ...POLICY.card, offsetsDays: [3, 1] },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.errors)).toContain('card.offsetsDays');
    const hour = await call(t.app, token, 'PUT', '/api/v1/organization/retry-policy', {
      ...POLICY,
      card: { ...POLICY.card, localHour: 24 },
    });
    expect(hour.status).toBe(400);
    const put = await call(t.app, token, 'PUT', '/api/v1/organization/retry-policy', POLICY);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect((await call(t.app, token, 'GET', '/api/v1/organization/retry-policy')).body).toEqual(POLICY);

    await setClock(t.app, token, '2026-03-02T15:00:00Z');
    const account = await apiAccount(t.app, token, 'Nadia Gagnon');
    const card = await apiCard(t.app, token, account.id);
    const sub = await call(t.app, token, 'POST', `/api/v1/accounts/${account.id}/subscriptions`, {
      amount: 4500,
      interval: 'month',
      startDate: '2026-03-02',
      paymentMethodId: card.id,
    });
    expect(sub.status).toBe(201);
    await decline(card.id);
    expect(await run('payments-due')).toMatchObject({ failed: 1 });

    // RC4: when and how many; it is in the "automatic" filter, not in "needs you".
    let [entry] = await list();
    expect(entry).toMatchObject({
      nextRetryAt: '2026-03-03T15:00:00.000Z',
      automaticRetriesLeft: 2,
      afterLastRetry: 'pause',
      dunningPause: null,
      attempts: 1,
    });
    expect((await list('?retry=automatic')).map((e) => e.id)).toEqual([entry.id]);
    expect(await list('?retry=manual')).toEqual([]);

    // Not due before the local hour.
    await setClock(t.app, token, '2026-03-03T14:30:00Z');
    expect(await run('automatic-retries')).toMatchObject({ claimed: 0 });

    // Day 1 at 10:00: the first automatic retry, declined again.
    await setClock(t.app, token, '2026-03-03T15:05:00Z');
    await decline(card.id);
    expect(await run('automatic-retries')).toMatchObject({ claimed: 1, failed: 1 });
    [entry] = await list();
    expect(entry).toMatchObject({
      attempts: 2,
      automaticRetriesLeft: 1,
      nextRetryAt: '2026-03-05T15:00:00.000Z',
    });

    // A manual retry (declined) does not consume the automatic one that is left.
    await decline(card.id);
    const manual = await call(
      t.app,
      token,
      'POST',
      `/api/v1/action-center/failed-transactions/${entry.id}/retry`,
    );
    expect(manual.status).toBe(202);
    await t.c.queue.drain();
    [entry] = await list();
    expect(entry).toMatchObject({
      attempts: 3,
      automaticRetriesLeft: 1,
      nextRetryAt: '2026-03-05T15:00:00.000Z',
    });

    // RC5: a dunning pause through March 5 holds the retry back; the list shows the badge and the new time.
    const pause = await call(t.app, token, 'PUT', `/api/v1/accounts/${account.id}/dunning-pause`, {
      until: '2026-03-05',
      reason: 'Entente de paiement',
    });
    expect(pause.status, JSON.stringify(pause.body)).toBe(200);
    expect(pause.body.endsAt).toBe('2026-03-06T05:00:00.000Z');
    const past = await call(t.app, token, 'PUT', `/api/v1/accounts/${account.id}/dunning-pause`, {
      until: '2026-03-02',
      reason: 'x',
    });
    expect(past.status).toBe(400);
    [entry] = await list();
    expect(entry).toMatchObject({
      dunningPause: { until: '2026-03-05', reason: 'Entente de paiement' },
      nextRetryAt: '2026-03-06T05:00:00.000Z',
    });
    await setClock(t.app, token, '2026-03-05T15:30:00Z');
    expect(await run('automatic-retries')).toMatchObject({ claimed: 0 });

    // The pause ends by itself; the last automatic retry runs, fails, and the policy pauses the subscription.
    await setClock(t.app, token, '2026-03-06T05:30:00Z');
    await decline(card.id);
    expect(await run('automatic-retries')).toMatchObject({ claimed: 1, failed: 1, afterLastRetry: 1 });
    [entry] = await list();
    expect(entry).toMatchObject({
      attempts: 4,
      automaticRetriesLeft: 0,
      nextRetryAt: null,
      dunningPause: null,
    });
    expect((await list('?retry=manual')).map((e) => e.id)).toEqual([entry.id]);
    const subNow = await call(t.app, token, 'GET', `/api/v1/accounts/${account.id}/upcoming-payments`);
    expect(subNow.body.items.filter((u: any) => u.status === 'scheduled')).toEqual([]);
    const [paused] = await t.c.db
      .select({ status: subscriptions.status })
      .from(subscriptions)
      .where(and(eq(subscriptions.organizationId, org.organizationId), eq(subscriptions.id, sub.body.id)));
    expect(paused?.status).toBe('paused');

    // Audited.
    const audit = await call(t.app, token, 'GET', '/api/v1/audit-log?limit=200');
    const actions = audit.body.items.map((a: { action: string }) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'retry_policy.updated',
        'account.dunning_paused',
        'subscription.paused',
        'failed_transaction.retry_failed',
      ]),
    );
  });

  it('recovers by an automatic retry; never retries a hard decline by itself', async () => {
    const token = org.adminToken;
    await setClock(t.app, token, '2026-04-06T15:00:00Z');
    const account = await apiAccount(t.app, token, 'Hugo Lavoie');
    const card = await apiCard(t.app, token, account.id);
    const stolen = await apiCard(t.app, token, account.id, '4000000000009979');
    for (const pm of [card.id, stolen.id]) {
      const sub = await call(t.app, token, 'POST', `/api/v1/accounts/${account.id}/subscriptions`, {
        amount: 2000,
        interval: 'month',
        startDate: '2026-04-06',
        paymentMethodId: pm,
      });
      expect(sub.status).toBe(201);
    }
    await decline(card.id, 'insufficient_funds');
    expect(await run('payments-due')).toMatchObject({ failed: 2 });
    const mine = (await list()).filter((e) => e.customerName === 'Hugo Lavoie');
    const soft = mine.find((e) => e.reason.code === 'insufficient_funds')!;
    const hard = mine.find((e) => e.reason.code === 'stolen_card')!;
    expect(hard).toMatchObject({ nextRetryAt: null, automaticRetriesLeft: 0 });
    // insufficient_funds: offset 1 → April 7; no payday before offset 3 (April 9).
    expect(soft).toMatchObject({ nextRetryAt: '2026-04-07T14:00:00.000Z', automaticRetriesLeft: 2 });

    await setClock(t.app, token, '2026-04-07T14:10:00Z');
    expect(await run('automatic-retries')).toMatchObject({ claimed: 1, succeeded: 1 });
    const after = (await list()).filter((e) => e.customerName === 'Hugo Lavoie');
    expect(after.map((e) => e.id)).toEqual([hard.id]);
    const audit = await call(t.app, token, 'GET', '/api/v1/audit-log?limit=200');
    const resolved = audit.body.items.find(
      (a: any) => a.action === 'failed_transaction.resolved' && a.subjectId === soft.id,
    );
    expect(resolved.details).toMatchObject({ origin: 'automatic' });
  });
});

describe('a failed installment rescheduled onto its plan (RC6)', () => {
  async function failedInstallment(name: string) {
    const token = org.adminToken;
    await setClock(t.app, token, '2026-05-04T15:00:00Z');
    const account = await apiAccount(t.app, token, name);
    const card = await apiCard(t.app, token, account.id);
    const invoice = await apiInvoice(t.app, token, account.id, 30_000, '2026-05-01');
    const plan = await call(t.app, token, 'POST', `/api/v1/accounts/${account.id}/installment-plans`, {
      invoiceId: invoice.id,
      paymentMethodId: card.id,
      installments: [
        { dueDate: '2026-05-04', amount: 10_000 },
        { dueDate: '2026-06-04', amount: 10_000 },
        { dueDate: '2026-07-04', amount: 10_000 },
      ],
    });
    expect(plan.status, JSON.stringify(plan.body)).toBe(201);
    await decline(card.id, 'lost_card');
    await run('payments-due');
    const entry = (await list()).find((e) => e.customerName === name)!;
    expect(entry).toMatchObject({ type: 'installment', amount: 10_000 });
    return { account, entry, invoice };
  }
  const upcoming = async (accountId: string) =>
    (await call(t.app, org.adminToken, 'GET', `/api/v1/accounts/${accountId}/upcoming-payments`)).body.items
      .filter((u: any) => u.status === 'scheduled')
      .map((u: any) => [u.dueDate, u.amount]);

  it('spreads it over the remaining installments; the plan stays within its invoice; audited', async () => {
    const { account, entry } = await failedInstallment('Léa Spread');
    const res = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/action-center/failed-transactions/${entry.id}/reschedule`,
      { mode: 'spread' },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('rescheduled');
    expect(await upcoming(account.id)).toEqual([
      ['2026-06-04', 15_000],
      ['2026-07-04', 15_000],
    ]);
    expect((await list()).find((e) => e.id === entry.id)).toBeUndefined();
    const again = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/action-center/failed-transactions/${entry.id}/reschedule`,
      { mode: 'spread' },
    );
    expect(again.status).toBe(409);
    const audit = await call(t.app, org.adminToken, 'GET', '/api/v1/audit-log?limit=200');
    expect(
      audit.body.items.some(
        (a: any) => a.action === 'failed_transaction.rescheduled' && a.subjectId === entry.id,
      ),
    ).toBe(true);
  });

  it('moves it onto the next installment, or onto a new date', async () => {
    const one = await failedInstallment('Léa Next');
    const next = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/action-center/failed-transactions/${one.entry.id}/reschedule`,
      { mode: 'next_installment' },
    );
    expect(next.status, JSON.stringify(next.body)).toBe(200);
    expect(await upcoming(one.account.id)).toEqual([
      ['2026-06-04', 20_000],
      ['2026-07-04', 10_000],
    ]);

    const two = await failedInstallment('Léa New');
    const noDate = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/action-center/failed-transactions/${two.entry.id}/reschedule`,
      { mode: 'new_installment' },
    );
    expect(noDate.status).toBe(400);
    const dated = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/action-center/failed-transactions/${two.entry.id}/reschedule`,
      { mode: 'new_installment', date: '2026-05-20' },
    );
    expect(dated.status, JSON.stringify(dated.body)).toBe(200);
    expect(await upcoming(two.account.id)).toEqual([
      ['2026-05-20', 10_000],
      ['2026-06-04', 10_000],
      ['2026-07-04', 10_000],
    ]);
  });

  it('refuses a subscription entry (422)', async () => {
    const sub = (await list()).find((e) => e.type === 'subscription')!;
    const res = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/action-center/failed-transactions/${sub.id}/reschedule`,
      { mode: 'spread' },
    );
    expect(res.status).toBe(422);
  });
});
