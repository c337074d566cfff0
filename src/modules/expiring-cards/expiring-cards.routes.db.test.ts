import { describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call } from '../../../test/harness';
import {
  insertAccount,
  insertCard,
  insertInstallmentPlan,
  insertSubscription,
  repoint,
} from '../../../test/schedule-fixtures';
import { setUpDatabase, t } from '../../../test/suite';
import type { ExpiringCard } from './expiring-cards.routes';

setUpDatabase();

const URL = '/api/v1/action-center/expiring-cards';
const setClock = (iso: string) => t.c.sandboxClock!.set(new Date(iso));

async function list(token: string, query = ''): Promise<ExpiringCard[]> {
  const res = await call(t.app, token, 'GET', `${URL}${query}`);
  expect(res.status).toBe(200);
  return res.body.items;
}

/** An owner with a card and one subscription payment on it. */
async function cardWithPayment(
  org: TestOrg,
  card: { expMonth: number; expYear: number; inWallet?: boolean },
  dueDate: string,
  ownerName = 'Marie Tremblay',
) {
  const accountId = await insertAccount(t.c, org.organizationId, { ownerName });
  const pm = await insertCard(t.c, org.organizationId, accountId, card);
  const sub = await insertSubscription(t.c, org.organizationId, accountId, pm, [{ dueDate, amount: 2500n }]);
  return { accountId, pm, subscriptionId: sub.subscriptionId };
}

describe('expiring cards — happy', () => {
  it('EC1, EC3: one row per wallet card expiring next month, with its upcoming payments and amountAtRisk', async () => {
    await setClock('2026-10-15T16:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const accountId = await insertAccount(t.c, org.organizationId, { ownerName: 'Émile Roy' });
    const pm = await insertCard(t.c, org.organizationId, accountId, {
      expMonth: 11,
      expYear: 2026,
      brand: 'mastercard',
      last4: '4444',
    });
    await insertSubscription(t.c, org.organizationId, accountId, pm, [
      { dueDate: '2026-10-20', amount: 1000n },
      { dueDate: '2026-11-20', amount: 1000n },
      { dueDate: '2026-12-20', amount: 1000n },
      { dueDate: '2026-09-20', amount: 1000n, status: 'paid' },
      { dueDate: '2026-10-01', amount: 1000n, status: 'failed' },
    ]);
    await insertInstallmentPlan(t.c, org.organizationId, accountId, pm, [
      { dueDate: '2026-10-20', amount: 500n },
      { dueDate: '2026-11-30', amount: 600n },
      { dueDate: '2027-01-05', amount: 700n },
      { dueDate: '2027-02-05', amount: 800n, status: 'cancelled' },
    ]);

    const items = await list(org.adminToken);
    expect(items).toEqual([
      {
        accountId,
        customerName: 'Émile Roy',
        paymentMethodId: pm,
        card: { brand: 'mastercard', last4: '4444', expMonth: 11, expYear: 2026 },
        // two payments fall on the next date: nextAmount is what that day charges the card
        upcomingPayments: { count: 6, nextDate: '2026-10-20', nextAmount: 1500 },
        // due in the 3 months after November 2026: 20 December (1000), 5 January (700), and the monthly
        // subscription's periods not scheduled yet, 20 January and 20 February (1000 each)
        amountAtRisk: 3700,
        currency: 'CAD',
        reminderSentAt: null,
      },
    ]);
    expect(await t.c.expiringCards.countExpiringCards(org.organizationId)).toBe(1);
  });

  it('EC1: cards expiring this month or in two months, and cards paying nothing upcoming, are not listed', async () => {
    await setClock('2026-10-15T16:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const listed = await cardWithPayment(org, { expMonth: 11, expYear: 2026 }, '2026-10-25');
    await cardWithPayment(org, { expMonth: 10, expYear: 2026 }, '2026-10-25');
    await cardWithPayment(org, { expMonth: 12, expYear: 2026 }, '2026-10-25');
    await cardWithPayment(org, { expMonth: 11, expYear: 2027 }, '2026-10-25');
    // a card expiring next month with no subscription or plan
    const idle = await insertAccount(t.c, org.organizationId);
    await insertCard(t.c, org.organizationId, idle, { expMonth: 11, expYear: 2026 });
    // a card whose only payments are already paid or withdrawn
    const done = await insertAccount(t.c, org.organizationId);
    const donePm = await insertCard(t.c, org.organizationId, done, { expMonth: 11, expYear: 2026 });
    await insertSubscription(t.c, org.organizationId, done, donePm, [
      { dueDate: '2026-09-25', amount: 100n, status: 'paid' },
      { dueDate: '2026-10-25', amount: 100n, status: 'cancelled' },
      { dueDate: '2026-10-05', amount: 100n, status: 'processing' },
    ]);

    const items = await list(org.adminToken);
    expect(items.map((i) => i.paymentMethodId)).toEqual([listed.pm]);
    expect(await t.c.expiringCards.countExpiringCards(org.organizationId)).toBe(1);
  });

  it('EC2: a card that is not in the wallet never appears', async () => {
    await setClock('2026-10-15T16:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    await cardWithPayment(org, { expMonth: 11, expYear: 2026, inWallet: false }, '2026-10-25');
    expect(await list(org.adminToken)).toEqual([]);
    expect(await t.c.expiringCards.countExpiringCards(org.organizationId)).toBe(0);
  });

  it('EC1: 23:30 on the last day of a month in Toronto is still that month although UTC is the next', async () => {
    // 2026-02-01T04:30Z is 2026-01-31 23:30 in Toronto (EST, UTC−5): next month is February.
    await setClock('2026-02-01T04:30:00Z');
    const toronto = await createOrg(t.c, { timezone: 'America/Toronto' });
    const feb = await cardWithPayment(toronto, { expMonth: 2, expYear: 2026 }, '2026-02-10');
    await cardWithPayment(toronto, { expMonth: 3, expYear: 2026 }, '2026-02-10');
    expect((await list(toronto.adminToken)).map((i) => i.paymentMethodId)).toEqual([feb.pm]);

    // The same instant in UTC is already 1 February: next month is March.
    const utc = await createOrg(t.c, { timezone: 'UTC' });
    await cardWithPayment(utc, { expMonth: 2, expYear: 2026 }, '2026-02-10');
    const mar = await cardWithPayment(utc, { expMonth: 3, expYear: 2026 }, '2026-02-10');
    expect((await list(utc.adminToken)).map((i) => i.paymentMethodId)).toEqual([mar.pm]);

    // Thirty-one minutes later Toronto reaches 1 February too.
    await setClock('2026-02-01T05:01:00Z');
    expect((await list(toronto.adminToken)).map((i) => i.card.expMonth)).toEqual([3]);
  });

  it('EC1: December → January of the next year, including 23:30 on 31 December in Toronto', async () => {
    await setClock('2026-12-15T17:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const jan27 = await cardWithPayment(org, { expMonth: 1, expYear: 2027 }, '2026-12-28');
    await cardWithPayment(org, { expMonth: 1, expYear: 2026 }, '2026-12-28');
    await cardWithPayment(org, { expMonth: 12, expYear: 2027 }, '2026-12-28');
    const feb27 = await cardWithPayment(org, { expMonth: 2, expYear: 2027 }, '2026-12-28');
    expect((await list(org.adminToken)).map((i) => i.paymentMethodId)).toEqual([jan27.pm]);

    await setClock('2027-01-01T04:30:00Z'); // 2026-12-31 23:30 in Toronto
    expect((await list(org.adminToken)).map((i) => i.paymentMethodId)).toEqual([jan27.pm]);
    await setClock('2027-01-01T05:30:00Z'); // 2027-01-01 00:30 in Toronto
    expect((await list(org.adminToken)).map((i) => i.paymentMethodId)).toEqual([feb27.pm]);
  });

  it('EC1: February — a card expiring in February 2028 is at risk from 1 March, not on the 29th', async () => {
    await setClock('2028-01-20T15:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const accountId = await insertAccount(t.c, org.organizationId);
    const pm = await insertCard(t.c, org.organizationId, accountId, { expMonth: 2, expYear: 2028 });
    await insertInstallmentPlan(t.c, org.organizationId, accountId, pm, [
      { dueDate: '2028-01-29', amount: 3000n },
      { dueDate: '2028-02-29', amount: 3000n },
      { dueDate: '2028-03-01', amount: 3100n },
      { dueDate: '2028-03-29', amount: 3200n },
    ]);
    const [item] = await list(org.adminToken);
    expect(item).toMatchObject({
      paymentMethodId: pm,
      card: { expMonth: 2, expYear: 2028 },
      upcomingPayments: { count: 4, nextDate: '2028-01-29', nextAmount: 3000 },
      amountAtRisk: 6300,
    });
    // On 31 January at 23:30 in Toronto it is still January; at 00:00 on 1 February the window is March.
    await setClock('2028-02-01T04:59:00Z');
    expect(await list(org.adminToken)).toHaveLength(1);
    await setClock('2028-02-01T05:00:00Z');
    expect(await list(org.adminToken)).toHaveLength(0);
  });

  it('EC3: ordered by next payment date, then owner name, then payment method, with keyset pages', async () => {
    await setClock('2026-10-15T16:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const late = await cardWithPayment(org, { expMonth: 11, expYear: 2026 }, '2026-11-10', 'Aaron Abel');
    const bob = await cardWithPayment(org, { expMonth: 11, expYear: 2026 }, '2026-10-20', 'Bob Brault');
    const alice = await cardWithPayment(org, { expMonth: 11, expYear: 2026 }, '2026-10-20', 'Alice Aubin');
    // Alice's second card: same date, same name, ordered by payment method ID
    const aliceAccount = alice.accountId;
    const alice2 = await insertCard(t.c, org.organizationId, aliceAccount, {
      expMonth: 11,
      expYear: 2026,
      last4: '1111',
    });
    await insertSubscription(t.c, org.organizationId, aliceAccount, alice2, [
      { dueDate: '2026-10-20', amount: 10n },
    ]);
    const early = await cardWithPayment(org, { expMonth: 11, expYear: 2026 }, '2026-10-16', 'Zoé Zhang');

    const expected = [early.pm, alice.pm, alice2, bob.pm, late.pm];
    expect((await list(org.adminToken)).map((i) => i.paymentMethodId)).toEqual(expected);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const res = await call(t.app, org.adminToken, 'GET', `${URL}${q}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((i: ExpiringCard) => i.paymentMethodId));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expected);
    expect(await t.c.expiringCards.countExpiringCards(org.organizationId)).toBe(5);
  });

  it('replacing the card (a new wallet card, the subscription and plan re-pointed) removes the row on the next read', async () => {
    await setClock('2026-10-15T16:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const accountId = await insertAccount(t.c, org.organizationId);
    const old = await insertCard(t.c, org.organizationId, accountId, { expMonth: 11, expYear: 2026 });
    const sub = await insertSubscription(t.c, org.organizationId, accountId, old, [
      { dueDate: '2026-11-01', amount: 1000n },
    ]);
    const plan = await insertInstallmentPlan(t.c, org.organizationId, accountId, old, [
      { dueDate: '2026-12-01', amount: 2000n },
    ]);
    expect((await list(org.adminToken)).map((i) => i.upcomingPayments.count)).toEqual([2]);

    const replacement = await insertCard(t.c, org.organizationId, accountId, { expMonth: 8, expYear: 2030 });
    await repoint(t.c, org.organizationId, { subscriptionId: sub.subscriptionId }, replacement);
    // Half replaced: the plan still rides on the old card.
    expect(await list(org.adminToken)).toMatchObject([
      { paymentMethodId: old, upcomingPayments: { count: 1, nextDate: '2026-12-01' }, amountAtRisk: 2000 },
    ]);
    await repoint(t.c, org.organizationId, { installmentPlanId: plan.installmentPlanId }, replacement);
    expect(await list(org.adminToken)).toEqual([]);
    expect(await t.c.expiringCards.countExpiringCards(org.organizationId)).toBe(0);
  });

  it('EC3: reminderSentAt shows the manual reminder; the remind answer is 202 and audit-logged', async () => {
    await setClock('2026-10-15T16:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const { pm, accountId } = await cardWithPayment(org, { expMonth: 11, expYear: 2026 }, '2026-10-25');
    const res = await call(t.app, org.adminToken, 'POST', `${URL}/${pm}/remind`);
    expect(res.status).toBe(202);
    expect(res.body.paymentMethodId).toBe(pm);
    const sentAt = new Date(res.body.reminderSentAt).getTime();
    expect(Math.abs(sentAt - new Date('2026-10-15T16:00:00Z').getTime())).toBeLessThan(60_000);
    const [item] = await list(org.adminToken);
    expect(item?.reminderSentAt).toBe(res.body.reminderSentAt);

    const audit = await call(t.app, org.adminToken, 'GET', '/api/v1/audit-log');
    expect(audit.body.items).toContainEqual(
      expect.objectContaining({
        action: 'expiring_card.reminded',
        actorId: org.adminId,
        subjectType: 'payment_method',
        subjectId: pm,
      }),
    );
    const emails = await t.c.notifications.list(org.organizationId, {
      limit: 10,
      kind: 'card_expiry_reminder',
    });
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ subjectId: pm, status: 'queued' });
    expect(emails[0]!.dedupeKey).toMatch(new RegExp(`^card-expiry-manual:${pm}:\\d+$`));
    expect(accountId).toMatch(/^acc_/);
  });

  it('EC4 manual: at most once per 24 hours — 429 with retryAfter and Retry-After, then allowed', async () => {
    await setClock('2026-10-15T16:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const { pm } = await cardWithPayment(org, { expMonth: 11, expYear: 2026 }, '2026-10-25');
    const first = await call(t.app, org.adminToken, 'POST', `${URL}/${pm}/remind`);
    expect(first.status).toBe(202);

    await setClock('2026-10-16T10:00:00Z');
    const second = await call(t.app, org.adminToken, 'POST', `${URL}/${pm}/remind`);
    expect(second.status).toBe(429);
    expect(second.headers['content-type']).toContain('application/problem+json');
    const retryAfter = new Date(second.body.retryAfter).getTime();
    expect(retryAfter).toBe(new Date(first.body.reminderSentAt).getTime() + 24 * 3600 * 1000);
    const header = Number(second.headers['retry-after']);
    expect(header).toBeGreaterThan(5 * 3600);
    expect(header).toBeLessThanOrEqual(6 * 3600 + 60);

    await t.c.sandboxClock!.set(new Date(retryAfter + 1000));
    const third = await call(t.app, org.adminToken, 'POST', `${URL}/${pm}/remind`);
    expect(third.status).toBe(202);
    const emails = await t.c.notifications.list(org.organizationId, {
      limit: 10,
      kind: 'card_expiry_reminder',
    });
    expect(emails).toHaveLength(2);
  });
});

it('Idempotency-Key: the same key replays the 202 without a second e-mail; after a 429 the same key works once the wait is over; another card with it is 409', async () => {
  await setClock('2026-10-15T16:00:00Z');
  const org = await createOrg(t.c, { timezone: 'America/Toronto' });
  const { pm } = await cardWithPayment(org, { expMonth: 11, expYear: 2026 }, '2026-10-25');
  const other = await cardWithPayment(org, { expMonth: 11, expYear: 2026 }, '2026-10-26', 'Luc Roy');
  const reminders = async () =>
    (await t.c.notifications.list(org.organizationId, { limit: 10, kind: 'card_expiry_reminder' })).length;
  const first = await call(t.app, org.adminToken, 'POST', `${URL}/${pm}/remind`, undefined, {
    'idempotency-key': 'remind-1',
  });
  expect(first.status).toBe(202);
  const again = await call(t.app, org.adminToken, 'POST', `${URL}/${pm}/remind`, undefined, {
    'idempotency-key': 'remind-1',
  });
  expect(again.status).toBe(202);
  expect(again.headers['idempotent-replayed']).toBe('true');
  expect(again.body).toEqual(first.body);
  expect(await reminders()).toBe(1);
  const otherCard = await call(t.app, org.adminToken, 'POST', `${URL}/${other.pm}/remind`, undefined, {
    'idempotency-key': 'remind-1',
  });
  expect(otherCard.status).toBe(409);
  expect(otherCard.body.type).toMatch(/idempotency-conflict/);
  expect(await reminders()).toBe(1);

  // A new key within 24 hours: 429 with Retry-After, and that key is not spent on it.
  await setClock('2026-10-16T10:00:00Z');
  const tooSoon = await call(t.app, org.adminToken, 'POST', `${URL}/${pm}/remind`, undefined, {
    'idempotency-key': 'remind-2',
  });
  expect(tooSoon.status).toBe(429);
  expect(Number(tooSoon.headers['retry-after'])).toBeGreaterThan(0);
  await setClock('2026-10-16T16:01:00Z');
  const later = await call(t.app, org.adminToken, 'POST', `${URL}/${pm}/remind`, undefined, {
    'idempotency-key': 'remind-2',
  });
  expect(later.status).toBe(202);
  expect(later.headers['idempotent-replayed']).toBeUndefined();
  expect(await reminders()).toBe(2);
});

describe('expiring cards — errors', () => {
  it('EC1: remind on a card that is not in the list → 409', async () => {
    await setClock('2026-10-15T16:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const later = await cardWithPayment(org, { expMonth: 5, expYear: 2027 }, '2026-10-25');
    const outside = await cardWithPayment(
      org,
      { expMonth: 11, expYear: 2026, inWallet: false },
      '2026-10-25',
    );
    for (const pm of [later.pm, outside.pm]) {
      const res = await call(t.app, org.adminToken, 'POST', `${URL}/${pm}/remind`);
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('remind on an unknown payment method → 404; a malformed ID → 400', async () => {
    const org = await createOrg(t.c);
    expect(
      (await call(t.app, org.adminToken, 'POST', `${URL}/pm_00000000000000000000000000/remind`)).status,
    ).toBe(404);
    expect((await call(t.app, org.adminToken, 'POST', `${URL}/not%20an%20id/remind`)).status).toBe(400);
  });

  it('bad limit or cursor → 400', async () => {
    const org = await createOrg(t.c);
    for (const q of ['?limit=0', '?limit=201', '?limit=abc', '?cursor=nonsense', '?other=1']) {
      const res = await call(t.app, org.adminToken, 'GET', `${URL}${q}`);
      expect(res.status, q).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });
});

describe('expiring cards — authz', () => {
  it('staff may see the list (action_center.view) but not remind (transactions.manage) → 403', async () => {
    await setClock('2026-10-15T16:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const { pm } = await cardWithPayment(org, { expMonth: 11, expYear: 2026 }, '2026-10-25');
    const staff = await org.tokenFor('staff');
    expect((await list(staff.token)).map((i) => i.paymentMethodId)).toEqual([pm]);
    const res = await call(t.app, staff.token, 'POST', `${URL}/${pm}/remind`);
    expect(res.status).toBe(403);
    const accountant = await org.tokenFor('accountant');
    expect((await call(t.app, accountant.token, 'POST', `${URL}/${pm}/remind`)).status).toBe(202);
  });

  it("another organization's payment method → 404, and its cards are not in this list", async () => {
    await setClock('2026-10-15T16:00:00Z');
    const mine = await createOrg(t.c, { timezone: 'America/Toronto' });
    const theirs = await createOrg(t.c, { timezone: 'America/Toronto' });
    const { pm } = await cardWithPayment(theirs, { expMonth: 11, expYear: 2026 }, '2026-10-25');
    expect((await call(t.app, mine.adminToken, 'POST', `${URL}/${pm}/remind`)).status).toBe(404);
    expect(await list(mine.adminToken)).toEqual([]);
    expect((await list(theirs.adminToken)).map((i) => i.paymentMethodId)).toEqual([pm]);
  });

  it('not signed in → 401', async () => {
    expect((await call(t.app, null, 'GET', URL)).status).toBe(401);
    expect((await call(t.app, null, 'POST', `${URL}/pm_00000000000000000000000000/remind`)).status).toBe(401);
  });
});
