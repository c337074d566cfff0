import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import { insertAccount, insertCard, insertSubscription } from '../../../test/schedule-fixtures';
import { TestSmtp } from '../../../test/smtp';
import type { Locale } from '../../lib/locale';

let t: TestContext;
const smtp = new TestSmtp();
const received = smtp.received;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

beforeAll(async () => {
  await smtp.start();
  t = await createTestContext({ env: { SMTP_URL: smtp.url } });
});
afterAll(async () => {
  await t?.close();
  await smtp.stop();
});

const setClock = (iso: string) => t.c.sandboxClock!.set(new Date(iso));
const runJob = async (org: TestOrg) =>
  (
    (await t.c.queue.runNow('card-expiry-reminders', { organizationId: org.organizationId })) as {
      sent: number;
    }[]
  )[0]!.sent;
const mailTo = (address: string) => received.filter((m) => m.to && 'text' in m.to && m.to.text === address);

async function owner(org: TestOrg, locale: Locale, card: { expMonth: number; expYear: number }) {
  const ownerEmail = `${locale}-${Math.random().toString(36).slice(2)}@example.ca`;
  const accountId = await insertAccount(t.c, org.organizationId, {
    ownerName: locale === 'fr-CA' ? 'Élodie Gagnon' : 'Liam Smith',
    ownerEmail,
    locale,
  });
  const pm = await insertCard(t.c, org.organizationId, accountId, { ...card, brand: 'visa', last4: '4242' });
  await insertSubscription(t.c, org.organizationId, accountId, pm, [
    { dueDate: '2026-10-20', amount: 4599n },
    { dueDate: '2026-11-20', amount: 4599n },
  ]);
  return { accountId, pm, ownerEmail };
}

describe('card-expiry reminders (EC4) — happy', () => {
  it('EC4: from the first day of the month before the expiry (org time zone), one e-mail per card in the owner language', async () => {
    await setClock('2026-09-15T16:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto', name: 'Centre sportif Laval' });
    await t.c.organizations.setLogo(org.organizationId, org.adminId, PNG);
    const contact = (await t.c.organizations.get(org.organizationId)).contactEmail!;
    const fr = await owner(org, 'fr-CA', { expMonth: 11, expYear: 2026 });
    const en = await owner(org, 'en-CA', { expMonth: 11, expYear: 2026 });

    // 30 September 23:30 in Toronto (already 1 October in UTC): the window is still October.
    await setClock('2026-10-01T03:30:00Z');
    expect(await runJob(org)).toBe(0);
    // 1 October 00:30 in Toronto: November cards enter the window.
    await setClock('2026-10-01T04:30:00Z');
    expect(await runJob(org)).toBe(2);
    await t.c.queue.drain();

    const [frMail] = mailTo(fr.ownerEmail);
    const [enMail] = mailTo(en.ownerEmail);
    expect(mailTo(fr.ownerEmail)).toHaveLength(1);
    expect(mailTo(en.ownerEmail)).toHaveLength(1);

    expect(frMail!.subject).toBe('Votre carte Visa •••• 4242 expire bientôt');
    expect(frMail!.text).toContain('Bonjour Élodie Gagnon');
    expect(frMail!.text).toContain('expiration 11/2026');
    expect(frMail!.text).toContain('novembre 2026');
    expect(frMail!.text).toContain('Mettre à jour ma carte: http://recoup.test/portal/update-card?token=');
    expect(frMail!.text).toContain(contact);
    expect(frMail!.html).toContain(`http://recoup.test/api/v1/organizations/${org.organizationId}/logo?v=`);
    expect(frMail!.html).toContain(`mailto:${contact}`);

    expect(enMail!.subject).toBe('Your card Visa •••• 4242 expires soon');
    expect(enMail!.text).toContain('Hello Liam Smith');
    expect(enMail!.text).toContain('November 2026');
    expect(enMail!.text).toContain('$45.99');
    expect(enMail!.text).toContain('Update my card: http://recoup.test/portal/update-card?token=');
    expect(enMail!.text).toContain(`Questions? Write to us at ${contact}.`);
    expect(enMail!.html).toContain('/logo?v=');

    // The link is for this account and card, for 14 days at most (real time).
    const link = /update-card\?token=([^\s"<]+)/.exec(enMail!.text as string)![1]!;
    const claims = await t.c.portalLinks.resolve(decodeURIComponent(link));
    expect(claims).toMatchObject({
      organizationId: org.organizationId,
      accountId: en.accountId,
      purpose: 'card_expiry',
      paymentMethodId: en.pm,
    });
    expect(claims.exp * 1000 - Date.now()).toBeGreaterThan(13 * 24 * 3600 * 1000);
    expect(claims.exp * 1000 - Date.now()).toBeLessThanOrEqual(14 * 24 * 3600 * 1000);

    // EC3: the list shows when it was sent; the delivery log says sent with the dedupe key of the expiry.
    const list = await call(t.app, org.adminToken, 'GET', '/api/v1/action-center/expiring-cards');
    for (const item of list.body.items) expect(item.reminderSentAt).toMatch(/^2026-10-01T04:3/);
    const emails = await t.c.notifications.list(org.organizationId, {
      limit: 10,
      kind: 'card_expiry_reminder',
    });
    expect(emails.map((e) => [e.status, e.dedupeKey]).sort()).toEqual(
      [
        ['sent', `card-expiry:${en.pm}:2026-11`],
        ['sent', `card-expiry:${fr.pm}:2026-11`],
      ].sort(),
    );
  });

  it('EC4: exactly once per card and expiry — the job run twice, later in the month, sends nothing more', async () => {
    await setClock('2026-10-03T14:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const card = await owner(org, 'en-CA', { expMonth: 11, expYear: 2026 });
    expect(await runJob(org)).toBe(1);
    expect(await runJob(org)).toBe(0);
    await setClock('2026-10-29T14:00:00Z');
    expect(await runJob(org)).toBe(0);
    await t.c.queue.drain();
    expect(mailTo(card.ownerEmail)).toHaveLength(1);
  });

  it('EC4: two runs at the same time send one e-mail per card', async () => {
    await setClock('2026-10-03T14:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const cards = await Promise.all([
      owner(org, 'fr-CA', { expMonth: 11, expYear: 2026 }),
      owner(org, 'en-CA', { expMonth: 11, expYear: 2026 }),
      owner(org, 'fr-CA', { expMonth: 11, expYear: 2026 }),
    ]);
    const [a, b] = await Promise.all([runJob(org), runJob(org)]);
    expect(a + b).toBe(3);
    await t.c.queue.drain();
    for (const card of cards) expect(mailTo(card.ownerEmail)).toHaveLength(1);
  });

  it('EC4: a card entering the window later (a subscription added mid-month) is reminded on the next run', async () => {
    await setClock('2026-10-03T14:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const accountId = await insertAccount(t.c, org.organizationId, { locale: 'en-CA' });
    const pm = await insertCard(t.c, org.organizationId, accountId, { expMonth: 11, expYear: 2026 });
    const outside = await insertAccount(t.c, org.organizationId, { locale: 'en-CA' });
    const notInWallet = await insertCard(t.c, org.organizationId, outside, {
      expMonth: 11,
      expYear: 2026,
      inWallet: false,
    });
    await insertSubscription(t.c, org.organizationId, outside, notInWallet, [
      { dueDate: '2026-10-20', amount: 100n },
    ]);
    expect(await runJob(org)).toBe(0); // EC1: no upcoming payment yet; EC2: not in the wallet
    await setClock('2026-10-18T14:00:00Z');
    await insertSubscription(t.c, org.organizationId, accountId, pm, [
      { dueDate: '2026-11-18', amount: 100n },
    ]);
    expect(await runJob(org)).toBe(1);
    await t.c.queue.drain();
    const emails = await t.c.notifications.list(org.organizationId, {
      limit: 10,
      kind: 'card_expiry_reminder',
    });
    expect(emails.map((e) => e.subjectId)).toEqual([pm]);
  });

  it('EC4 manual: 429 within 24 h of the automatic reminder, then a second e-mail; the automatic one is not repeated', async () => {
    await setClock('2026-10-05T14:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const card = await owner(org, 'fr-CA', { expMonth: 11, expYear: 2026 });
    expect(await runJob(org)).toBe(1);
    const url = `/api/v1/action-center/expiring-cards/${card.pm}/remind`;
    const tooSoon = await call(t.app, org.adminToken, 'POST', url);
    expect(tooSoon.status).toBe(429);
    expect(Number(tooSoon.headers['retry-after'])).toBeGreaterThan(23 * 3600);

    // The sandbox clock runs on from where it was set: a margin for a slow machine.
    await setClock('2026-10-06T14:05:00Z');
    const again = await call(t.app, org.adminToken, 'POST', url);
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect(await runJob(org)).toBe(0);
    await t.c.queue.drain();
    expect(mailTo(card.ownerEmail)).toHaveLength(2);
  });

  it('EC4: a manual reminder before the automatic run counts as this expiry’s reminder', async () => {
    await setClock('2026-10-05T14:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const card = await owner(org, 'en-CA', { expMonth: 11, expYear: 2026 });
    expect(
      (await call(t.app, org.adminToken, 'POST', `/api/v1/action-center/expiring-cards/${card.pm}/remind`))
        .status,
    ).toBe(202);
    expect(await runJob(org)).toBe(0);
    await t.c.queue.drain();
    expect(mailTo(card.ownerEmail)).toHaveLength(1);
  });

  it('EC4: the job without a payload works through every organization', async () => {
    await setClock('2026-10-07T14:00:00Z');
    const org = await createOrg(t.c, { timezone: 'America/Vancouver' });
    const card = await owner(org, 'fr-CA', { expMonth: 11, expYear: 2026 });
    const results = (await t.c.queue.runNow('card-expiry-reminders', {})) as { sent: number }[];
    expect(results.reduce((n, r) => n + r.sent, 0)).toBeGreaterThanOrEqual(1);
    await t.c.queue.drain();
    expect(mailTo(card.ownerEmail)).toHaveLength(1);
  });
});
