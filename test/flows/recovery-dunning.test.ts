/**
 * Recovery automation, second half, through the public API and the real jobs: the dunning e-mails (the
 * failure notice with the next attempt, the reminder before a retry, the final notice, each in the owner's
 * language, deduplicated, with the update-and-pay link, each turned on or off by the policy, none under a
 * dunning pause: RC5), a failure that needs a new card retried at once when the schedule's method changes or
 * the owner saves a card in the portal (RC2), and an automatic retry's claim left by a stopped run put back.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInOrganization } from '../../src/lib/organization-context';
import { FailedTransactionEntries } from '../../src/modules/failed-transactions/failed-transactions.entries';
import { failedTransactions } from '../../src/modules/failed-transactions/failed-transactions.table';
import { emails } from '../../src/modules/notifications/notifications.table';
import { apiCard, setClock } from '../billing';
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
  card: { offsetsDays: [1, 3], localHour: 10, preferPaydays: false },
  echeck: { maxRepresentments: 2, minBusinessDaysApart: 3, returnFeeAmount: 0 },
  afterLastRetry: 'cancel',
  emails: { failureNotice: true, reminderBeforeRetry: true, finalNotice: true },
};

async function putPolicy(patch: Partial<typeof POLICY> = {}) {
  const res = await call(t.app, org.adminToken, 'PUT', '/api/v1/organization/retry-policy', {
    ...POLICY,
    ...patch,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
async function run(job: string) {
  const res = await call(t.app, org.adminToken, 'POST', `/api/v1/sandbox/jobs/${job}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await t.c.queue.drain();
  return res.body.result;
}
async function decline(methodId: string, outcome = 'card_declined') {
  const res = await call(
    t.app,
    org.adminToken,
    'POST',
    `/api/v1/sandbox/payment-methods/${methodId}/next-outcome`,
    { outcome },
  );
  expect(res.status).toBe(200);
}
async function account(name: string, locale: 'fr-CA' | 'en-CA') {
  const res = await call(t.app, org.adminToken, 'POST', '/api/v1/accounts', {
    ownerName: name,
    ownerEmail: `${name
      .normalize('NFD')
      .toLowerCase()
      .replace(/[^a-z]+/g, '.')
      .replace(/^\.|\.$/g, '')}@example.ca`,
    locale,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; ownerEmail: string };
}
async function failedSubscription(name: string, locale: 'fr-CA' | 'en-CA', code = 'card_declined') {
  const acc = await account(name, locale);
  const card = await apiCard(t.app, org.adminToken, acc.id);
  const sub = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${acc.id}/subscriptions`, {
    amount: 4500,
    interval: 'month',
    startDate: todayOf(orgNow()),
    paymentMethodId: card.id,
  });
  expect(sub.status, JSON.stringify(sub.body)).toBe(201);
  await decline(card.id, code);
  await run('payments-due');
  const entry = await entryOf(acc.id);
  return { account: acc, card, subscriptionId: sub.body.id as string, entry };
}
/** The organization's own instant (its sandbox clock; outside any organization the clock is another). */
const orgNow = () => runInOrganization(org.organizationId, () => t.c.clock.now());
const todayOf = (d: Date) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Toronto' }).format(d).slice(0, 10);
async function entryOf(accountId: string) {
  const [entry] = await t.c.db
    .select()
    .from(failedTransactions)
    .where(
      and(
        eq(failedTransactions.organizationId, org.organizationId),
        eq(failedTransactions.accountId, accountId),
      ),
    );
  return entry!;
}
async function mailsTo(to: string) {
  const found = await t.c.db
    .select()
    .from(emails)
    .where(and(eq(emails.organizationId, org.organizationId), eq(emails.to, to)));
  return found.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
}

describe('dunning e-mails (issue 12 item 3, RC5)', () => {
  it('failure notice with the next attempt, reminder the day before, final notice; each once, in French', async () => {
    await setClock(t.app, org.adminToken, '2026-03-02T15:00:00Z');
    await putPolicy();
    const { account: acc, card } = await failedSubscription('Éloïse Fortin', 'fr-CA');
    let mails = await mailsTo(acc.ownerEmail);
    expect(mails.map((m) => m.kind)).toEqual(['customer_payment_failed']);
    // The next attempt: March 3 at 10:00 in Toronto, in French.
    expect(mails[0]!.text).toContain('Nous réessaierons automatiquement le mardi 3 mars 2026');
    expect(mails[0]!.text).toMatch(/10 h 00|10:00/);
    expect(mails[0]!.html).toContain('/portal/pay?token=');

    // Day 1: the reminder went out in the previous run (within 24 h); the retry fails again.
    await setClock(t.app, org.adminToken, '2026-03-02T16:00:00Z');
    expect((await run('automatic-retries')).reminders).toMatchObject({ sent: 1 });
    expect((await run('automatic-retries')).reminders).toMatchObject({ sent: 0 });
    await setClock(t.app, org.adminToken, '2026-03-03T15:05:00Z');
    await decline(card.id);
    expect(await run('automatic-retries')).toMatchObject({ claimed: 1, failed: 1 });
    mails = await mailsTo(acc.ownerEmail);
    expect(mails.map((m) => m.kind)).toEqual([
      'customer_payment_failed',
      'customer_retry_reminder',
      'customer_payment_failed',
    ]);
    expect(mails[1]!.subject).toMatch(/^Rappel/);
    expect(mails[2]!.text).toContain('jeudi 5 mars 2026');

    // The last automatic retry fails: the final notice instead of a plain failure notice, once.
    await setClock(t.app, org.adminToken, '2026-03-04T16:00:00Z');
    expect((await run('automatic-retries')).reminders).toMatchObject({ sent: 1 });
    await setClock(t.app, org.adminToken, '2026-03-05T15:05:00Z');
    await decline(card.id);
    expect(await run('automatic-retries')).toMatchObject({ claimed: 1, failed: 1, afterLastRetry: 1 });
    mails = await mailsTo(acc.ownerEmail);
    expect(mails.map((m) => m.kind).slice(3)).toEqual(['customer_retry_reminder', 'customer_final_notice']);
    const final = mails[4]!;
    expect(final.subject).toMatch(/^Dernier avis/);
    expect(final.text).toContain('Votre abonnement est annulé');
    expect(final.html).toContain('/portal/pay?token=');
    await t.c.failedTransactionNotices.customerNotice(org.organizationId, (await entryOf(acc.id)).id);
    expect(await mailsTo(acc.ownerEmail)).toHaveLength(5);
  });

  it('RC5: no failure notice and no reminder while the account is paused; flags turn each off', async () => {
    await setClock(t.app, org.adminToken, '2026-04-06T15:00:00Z');
    await putPolicy();
    const acc = await account('Paused Owner', 'en-CA');
    const pause = await call(t.app, org.adminToken, 'PUT', `/api/v1/accounts/${acc.id}/dunning-pause`, {
      until: '2026-04-30',
      reason: 'Hardship arrangement',
    });
    expect(pause.status).toBe(200);
    const card = await apiCard(t.app, org.adminToken, acc.id);
    await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${acc.id}/subscriptions`, {
      amount: 2000,
      interval: 'month',
      startDate: '2026-04-06',
      paymentMethodId: card.id,
    });
    await decline(card.id);
    await run('payments-due');
    await setClock(t.app, org.adminToken, '2026-04-06T16:00:00Z');
    expect((await run('automatic-retries')).reminders).toMatchObject({ sent: 0, paused: 1 });
    expect(await mailsTo(acc.ownerEmail)).toEqual([]);

    // Flags off: neither the failure notice nor the reminder.
    await putPolicy({ emails: { failureNotice: false, reminderBeforeRetry: false, finalNotice: false } });
    const other = await failedSubscription('Flags Off', 'en-CA');
    expect((await run('automatic-retries')).reminders).toMatchObject({ sent: 0 });
    expect(await mailsTo(other.account.ownerEmail)).toEqual([]);
  });

  it('previews each e-mail in either language; the link opens nothing', async () => {
    for (const [kind, subject] of [
      ['failure-notice', /did not go through/],
      ['reminder-before-retry', /^Reminder/],
      ['final-notice', /^Final notice/],
    ] as const) {
      const res = await call(
        t.app,
        org.adminToken,
        'GET',
        `/api/v1/organization/retry-policy/preview/${kind}?locale=en-CA`,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.subject).toMatch(subject);
      expect(res.body.html).toContain('token=preview');
    }
    const fr = await call(
      t.app,
      org.adminToken,
      'GET',
      '/api/v1/organization/retry-policy/preview/final-notice?locale=fr-CA',
    );
    expect(fr.body.subject).toMatch(/^Dernier avis/);
    const bad = await call(t.app, org.adminToken, 'GET', '/api/v1/organization/retry-policy/preview/nope');
    expect(bad.status).toBe(400);
  });
});

describe('RC2: a failure that needs a new card is retried at once on the new method', () => {
  it('when an administrator changes the subscription method', async () => {
    await setClock(t.app, org.adminToken, '2026-05-04T15:00:00Z');
    await putPolicy();
    const {
      account: acc,
      subscriptionId,
      entry,
    } = await failedSubscription('Expired Admin', 'en-CA', 'expired_card');
    expect(entry).toMatchObject({ status: 'open', nextRetryAt: null, reasonCode: 'expired_card' });
    const fresh = await apiCard(t.app, org.adminToken, acc.id, '5555555555554444');
    const before = await t.c.sandboxGateway!.chargeCount(org.organizationId);
    const res = await call(t.app, org.adminToken, 'PATCH', `/api/v1/subscriptions/${subscriptionId}`, {
      paymentMethodId: fresh.id,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await entryOf(acc.id)).status).toBe('retrying');
    await t.c.queue.drain();
    const after = await entryOf(acc.id);
    expect(after).toMatchObject({
      status: 'resolved',
      recoveredBy: 'card_update',
      retryOrigin: 'card_update',
    });
    expect((await t.c.sandboxGateway!.chargeCount(org.organizationId)) - before).toBe(1);
    // Changing it again starts nothing (the entry is resolved).
    await call(t.app, org.adminToken, 'PATCH', `/api/v1/subscriptions/${subscriptionId}`, {
      paymentMethodId: (await apiCard(t.app, org.adminToken, acc.id)).id,
    });
    await t.c.queue.drain();
    expect((await t.c.sandboxGateway!.chargeCount(org.organizationId)) - before).toBe(1);
  });

  it('when the owner saves a new card in the portal; a soft decline keeps its policy', async () => {
    await setClock(t.app, org.adminToken, '2026-05-11T15:00:00Z');
    const hard = await failedSubscription('Lost Portal', 'fr-CA', 'lost_card');
    const token = encodeURIComponent(
      (
        await t.c.portalLinks.issue(t.c.db, {
          organizationId: org.organizationId,
          accountId: hard.account.id,
          purpose: 'failed_payment',
          failedTransactionId: hard.entry.id,
        })
      ).token,
    );
    const saved = await call(t.app, null, 'POST', `/api/v1/portal/payment-methods?token=${token}`, {
      number: '4242424242424242',
      expMonth: 6,
      expYear: 2032,
      cvc: '999',
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect((await entryOf(hard.account.id)).status).toBe('retrying');
    // While that retry is in flight, a portal payment of the same amount is refused (MS1).
    const pay = await call(t.app, null, 'POST', `/api/v1/portal/pay?token=${token}`, {
      failedTransactionId: hard.entry.id,
      paymentMethodId: saved.body.id,
    });
    expect(pay.status).toBe(409);
    await t.c.queue.drain();
    expect(await entryOf(hard.account.id)).toMatchObject({ status: 'resolved', recoveredBy: 'card_update' });

    const soft = await failedSubscription('Soft Portal', 'en-CA', 'card_declined');
    const softToken = encodeURIComponent(
      (
        await t.c.portalLinks.issue(t.c.db, {
          organizationId: org.organizationId,
          accountId: soft.account.id,
          purpose: 'failed_payment',
          failedTransactionId: soft.entry.id,
        })
      ).token,
    );
    await call(t.app, null, 'POST', `/api/v1/portal/payment-methods?token=${softToken}`, {
      number: '4242424242424242',
      expMonth: 6,
      expYear: 2032,
      cvc: '999',
    });
    expect((await entryOf(soft.account.id)).status).toBe('open');
  });
});

describe('the crash gap: an automatic retry claimed by a run that stopped before its attempt', () => {
  it('is put back after the stale delay and retried by the next run, once', async () => {
    // An organization of its own: no other entry is due.
    org = await createOrg(t.c, { timezone: 'America/Toronto' });
    await setClock(t.app, org.adminToken, '2026-06-01T15:00:00Z');
    await putPolicy({ emails: { failureNotice: false, reminderBeforeRetry: false, finalNotice: false } });
    const { account: acc, entry } = await failedSubscription('Crash Gap', 'en-CA');
    await setClock(t.app, org.adminToken, '2026-06-02T14:05:00Z');
    // A run claims the entry, then "dies" before writing the attempt.
    const entries = new FailedTransactionEntries({ clock: t.c.clock, audit: t.c.audit, queue: t.c.queue });
    const claimed = await entries.claimDueRetries(t.c.db, org.organizationId, orgNow(), 10);
    expect(claimed).toEqual([entry.id]);
    expect(await entryOf(acc.id)).toMatchObject({ status: 'retrying', automaticRetries: 1 });

    // Too early: a live run may still be about to make the attempt.
    await setClock(t.app, org.adminToken, '2026-06-02T14:10:00Z');
    expect(await run('automatic-retries')).toMatchObject({ reclaimed: 0, claimed: 0 });
    const before = await t.c.sandboxGateway!.chargeCount(org.organizationId);
    await setClock(t.app, org.adminToken, '2026-06-02T14:20:00Z');
    expect(await run('automatic-retries')).toMatchObject({ reclaimed: 1, claimed: 1, succeeded: 1 });
    expect(await entryOf(acc.id)).toMatchObject({ status: 'resolved', automaticRetries: 1 });
    expect((await t.c.sandboxGateway!.chargeCount(org.organizationId)) - before).toBe(1);
  });
});

describe('the daily digest with recovery (issue 12 item 2)', () => {
  it("lists today's automatic retries and yesterday's recoveries, grouped by recommended action", async () => {
    org = await createOrg(t.c, { timezone: 'America/Toronto' });
    await setClock(t.app, org.adminToken, '2026-03-02T15:00:00Z');
    await putPolicy({ emails: { failureNotice: false, reminderBeforeRetry: false, finalNotice: false } });
    const waiting = await failedSubscription('Waiting Retry', 'en-CA', 'insufficient_funds');
    const back = await failedSubscription('Back Today', 'en-CA', 'card_declined');
    await setClock(t.app, org.adminToken, '2026-03-02T16:00:00Z');
    const retried = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/action-center/failed-transactions/${back.entry.id}/retry`,
    );
    expect(retried.status).toBe(202);
    await t.c.queue.drain();
    expect((await entryOf(back.account.id)).status).toBe('resolved');
    // 07:05 in Toronto the next morning.
    await setClock(t.app, org.adminToken, '2026-03-03T12:05:00Z');
    await run('daily-digest');
    const [digest] = await t.c.db
      .select()
      .from(emails)
      .where(
        and(eq(emails.organizationId, org.organizationId), eq(emails.kind, 'failed_transactions_digest')),
      );
    expect(digest).toBeDefined();
    // The billing contact reads French (the organization's language).
    expect(digest!.text).toContain(
      'Nouvelles tentatives automatiques prévues dans les prochaines 24 heures : 1',
    );
    expect(digest!.text).toContain('Recouvrées dans les dernières 24 heures : 1');
    expect(digest!.text).toMatch(/• .+ — Waiting Retry/);
    expect(digest!.text).toMatch(/• .+ — Back Today/);
    expect(waiting.entry.reasonCode).toBe('insufficient_funds');
  });
});
