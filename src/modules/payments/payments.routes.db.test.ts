import { describe, expect, it } from 'vitest';
import { apiAccount, apiBank, apiCard, apiPayment, setClock, settleEChecksAt } from '../../../test/billing';
import { call } from '../../../test/harness';
import { org, other, setUpOrgs, t, token } from '../../../test/suite';

// The account file shows every attempt to collect (or give back) the account's money.
setUpOrgs({ clock: '2026-03-02T15:00:00Z' }); // a Monday, 10:00 in Toronto

const POLICY = {
  card: { offsetsDays: [1, 3], localHour: 10, preferPaydays: false },
  echeck: { maxRepresentments: 2, minBusinessDaysApart: 3, returnFeeAmount: 1500 },
  afterLastRetry: 'leave_open',
  emails: { failureNotice: true, reminderBeforeRetry: false, finalNotice: true },
};

const attemptsUrl = (accountId: string, query = '') =>
  `/api/v1/accounts/${accountId}/payment-attempts${query}`;

async function attempts(accountId: string, locale: 'fr-CA' | 'en-CA' = 'en-CA', as = token) {
  const res = await call(t.app, as, 'GET', attemptsUrl(accountId, '?limit=200'), undefined, {
    'accept-language': locale,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.nextCursor).toBeNull();
  return res.body.items as any[];
}

async function run(job: string) {
  const res = await call(t.app, token, 'POST', `/api/v1/sandbox/jobs/${job}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.result;
}

async function drain() {
  expect((await call(t.app, token, 'POST', '/api/v1/sandbox/queue/drain')).status).toBe(200);
}

async function decline(methodId: string, outcome: string) {
  const res = await call(t.app, token, 'POST', `/api/v1/sandbox/payment-methods/${methodId}/next-outcome`, {
    outcome,
  });
  expect(res.status).toBe(200);
}

async function subscribe(accountId: string, paymentMethodId: string, amount: number) {
  const res = await call(t.app, token, 'POST', `/api/v1/accounts/${accountId}/subscriptions`, {
    amount,
    interval: 'month',
    startDate: '2026-03-02',
    paymentMethodId,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}

async function entryOf(accountId: string) {
  const res = await call(t.app, token, 'GET', '/api/v1/action-center/failed-transactions?limit=200');
  return (res.body.items as { id: string; accountId: string; reason: { code: string } }[]).find(
    (e) => e.accountId === accountId,
  )!;
}

describe('happy', () => {
  it('lists every attempt newest first: what for, how much, the method, the outcome and the failure reason', async () => {
    expect((await call(t.app, token, 'PUT', '/api/v1/organization/retry-policy', POLICY)).status).toBe(200);
    const account = await apiAccount(t.app, token, 'Rosalie Bergeron');
    const card = await apiCard(t.app, token, account.id);
    expect(await attempts(account.id)).toEqual([]);

    // A subscription charge declined, its automatic retry declined, a manual retry that collects.
    await subscribe(account.id, card.id, 4500);
    await decline(card.id, 'card_declined');
    expect(await run('payments-due')).toMatchObject({ failed: 1 });
    const entry = await entryOf(account.id);
    await setClock(t.app, token, '2026-03-03T15:05:00Z');
    await decline(card.id, 'insufficient_funds');
    expect(await run('automatic-retries')).toMatchObject({ claimed: 1, failed: 1 });
    const retry = await call(
      t.app,
      token,
      'POST',
      `/api/v1/action-center/failed-transactions/${entry.id}/retry`,
    );
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    await drain();

    // A one-off card payment, part of it refunded, and an eCheck that waits to settle.
    const paid = await apiPayment(t.app, token, account.id, {
      amount: 2000,
      method: 'card',
      paymentMethodId: card.id,
      date: '2026-03-03',
    });
    const refund = await call(t.app, token, 'POST', `/api/v1/accounts/${account.id}/refunds`, {
      amount: 500,
      paymentId: paid.id,
    });
    expect(refund.body.status).toBe('succeeded');
    const bank = await apiBank(t.app, token, account.id, '12345678');
    await apiPayment(t.app, token, account.id, {
      amount: 3000,
      method: 'echeck',
      paymentMethodId: bank.id,
      date: '2026-03-03',
    });

    const visa = { type: 'card', brand: 'visa', last4: '4242' };
    const items = await attempts(account.id);
    expect(items.map((a) => [a.purpose, a.retryOrigin, a.kind, a.status, a.amount])).toEqual([
      ['one_off', null, 'echeck_debit', 'pending', 3000],
      ['refund', null, 'refund', 'succeeded', 500],
      ['one_off', null, 'charge', 'succeeded', 2000],
      ['retry', 'manual', 'charge', 'succeeded', 4500],
      ['retry', 'automatic', 'charge', 'failed', 4500],
      ['subscription', null, 'charge', 'failed', 4500],
    ]);
    const [echeck, , , manual, automatic, first] = items;
    expect(first).toMatchObject({
      currency: 'CAD',
      paymentMethodId: card.id,
      method: visa,
      failureCode: 'card_declined',
      reason: { code: 'card_declined', message: 'The card was declined.' },
      failedTransactionId: entry.id,
      createdAt: expect.stringMatching(/^2026-03-02T15:/),
      // A card's answer is recorded at once.
      settledAt: expect.stringMatching(/^2026-03-02T15:/),
    });
    expect(automatic).toMatchObject({
      reason: { code: 'insufficient_funds', message: 'The card has insufficient funds or credit.' },
      failedTransactionId: entry.id,
      createdAt: expect.stringMatching(/^2026-03-03T15:/),
    });
    expect(manual).toMatchObject({ failureCode: null, reason: null, failedTransactionId: entry.id });
    expect(echeck).toMatchObject({
      method: { type: 'echeck', brand: null, last4: '5678' },
      reason: null,
      failedTransactionId: null,
      settledAt: null,
    });
    // Keyset order: newest first, IDs breaking ties.
    const keys = items.map((a) => `${a.createdAt}|${a.id}`);
    expect([...keys].sort().reverse()).toEqual(keys);

    // The reason in the viewer's language, from the Action Center's catalogue.
    const fr = await attempts(account.id, 'fr-CA');
    expect(fr.at(-1).reason).toEqual({ code: 'card_declined', message: 'La carte a été refusée.' });
    expect(fr.at(-2).reason.message).toBe(
      'Les fonds ou le crédit disponibles sur la carte sont insuffisants.',
    );

    // The eCheck settles two business days later: settled, with the instant.
    expect(await settleEChecksAt(t.app, token, '2026-03-05T15:00:00Z')).toMatchObject({ settled: 1 });
    const [settled] = await attempts(account.id);
    expect(settled).toMatchObject({
      id: echeck.id,
      status: 'settled',
      settledAt: expect.stringMatching(/^2026-03-05T15:/),
    });
  });

  it('names a retry a new card started (RC2), and a returned eCheck with its return reason and entry', async () => {
    await setClock(t.app, token, '2026-03-02T15:00:00Z');
    const account = await apiAccount(t.app, token, 'Gilles Paquette');
    const expired = await apiCard(t.app, token, account.id, '4000000000000069');
    const sub = await subscribe(account.id, expired.id, 3900);
    expect(await run('payments-due')).toMatchObject({ failed: 1 });
    const entry = await entryOf(account.id);
    expect(entry.reason.code).toBe('expired_card');
    const fresh = await apiCard(t.app, token, account.id, '5555555555554444');
    const patch = await call(t.app, token, 'PATCH', `/api/v1/subscriptions/${sub.id}`, {
      paymentMethodId: fresh.id,
    });
    expect(patch.status).toBe(200);
    await drain();
    const [retried, failed] = await attempts(account.id);
    expect(retried).toMatchObject({
      purpose: 'retry',
      retryOrigin: 'card_update',
      status: 'succeeded',
      method: { type: 'card', brand: 'mastercard', last4: '4444' },
      failedTransactionId: entry.id,
    });
    expect(failed).toMatchObject({ purpose: 'subscription', reason: { code: 'expired_card' } });

    const returned = await apiAccount(t.app, token, 'Mireille Ouellet');
    const bank = await apiBank(t.app, token, returned.id, '999001');
    await apiPayment(t.app, token, returned.id, {
      amount: 6000,
      method: 'echeck',
      paymentMethodId: bank.id,
      date: '2026-03-02',
    });
    expect(await settleEChecksAt(t.app, token, '2026-03-04T15:00:00Z')).toMatchObject({ returned: 1 });
    const [back] = await attempts(returned.id, 'fr-CA');
    const ftEntry = await entryOf(returned.id);
    expect(back).toMatchObject({
      kind: 'echeck_debit',
      status: 'returned',
      failureCode: 'R01',
      reason: { code: 'R01' },
      failedTransactionId: ftEntry.id,
    });
    expect(back.reason.message).toBe('Fonds insuffisants dans le compte bancaire.');
  });

  it('pages with the cursor of the previous page, without repeating or skipping an attempt', async () => {
    const account = await apiAccount(t.app, token, 'Léa Boucher');
    const card = await apiCard(t.app, token, account.id);
    for (const amount of [1000, 1100, 1200, 1300, 1400]) {
      await apiPayment(t.app, token, account.id, { amount, method: 'card', paymentMethodId: card.id });
    }
    const all = (await attempts(account.id)).map((a) => a.id);
    expect(all).toHaveLength(5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(
        t.app,
        token,
        'GET',
        attemptsUrl(account.id, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`),
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((a: { id: string }) => a.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
    expect((await attempts(account.id)).map((a) => a.amount)).toEqual([1400, 1300, 1200, 1100, 1000]);
  });
});

describe('errors', () => {
  it('answers 404 for an unknown account and 400 for a bad ID, page size or cursor (problem+json)', async () => {
    const unknown = await call(t.app, token, 'GET', attemptsUrl('acc_0000000000nothere0000000000'));
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
    const account = await apiAccount(t.app, token, 'Hugo Caron');
    for (const url of [
      attemptsUrl('not an id'),
      attemptsUrl(account.id, '?limit=0'),
      attemptsUrl(account.id, '?limit=201'),
      attemptsUrl(account.id, '?cursor=bm9wZQ'),
      attemptsUrl(account.id, `?cursor=${Buffer.from(JSON.stringify([1, 'pay_x'])).toString('base64url')}`),
      attemptsUrl(account.id, '?status=failed'),
    ]) {
      const res = await call(t.app, token, 'GET', url);
      expect(res.status, url).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });
});

describe('authz', () => {
  it('needs to be signed in; every role that reads the ledger reads the attempts', async () => {
    const account = await apiAccount(t.app, token, 'Carole Dion');
    const card = await apiCard(t.app, token, account.id);
    await apiPayment(t.app, token, account.id, { amount: 1500, method: 'card', paymentMethodId: card.id });
    const anonymous = await call(t.app, null, 'GET', attemptsUrl(account.id));
    expect(anonymous.status).toBe(401);
    for (const role of ['staff', 'accountant'] as const) {
      const { token: reader } = await org.tokenFor(role);
      const ledger = await call(t.app, reader, 'GET', `/api/v1/accounts/${account.id}/ledger`);
      expect(ledger.status).toBe(200);
      expect((await attempts(account.id, 'en-CA', reader)).map((a) => a.amount)).toEqual([1500]);
    }
  });
});

describe('tenant isolation', () => {
  it("answers 404 for another organization's account, and lists only the account's own attempts", async () => {
    const mine = await apiAccount(t.app, token, 'Nathalie Perron');
    const card = await apiCard(t.app, token, mine.id);
    await apiPayment(t.app, token, mine.id, { amount: 2500, method: 'card', paymentMethodId: card.id });
    const theirs = await apiAccount(t.app, other.adminToken, 'Yves Gauthier');
    const theirCard = await apiCard(t.app, other.adminToken, theirs.id);
    await apiPayment(t.app, other.adminToken, theirs.id, {
      amount: 9900,
      method: 'card',
      paymentMethodId: theirCard.id,
    });

    const cross = await call(t.app, token, 'GET', attemptsUrl(theirs.id));
    expect(cross.status).toBe(404);
    expect(cross.headers['content-type']).toContain('application/problem+json');
    expect((await call(t.app, other.adminToken, 'GET', attemptsUrl(mine.id))).status).toBe(404);

    const neighbour = await apiAccount(t.app, token, 'Sylvie Demers');
    expect(await attempts(neighbour.id)).toEqual([]);
    expect((await attempts(mine.id)).map((a) => a.amount)).toEqual([2500]);
  });
});
