import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { ftAccount, ftCard, ftEntry, ftGet } from '../../../test/failed-transaction-fixtures';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import { TestSmtp } from '../../../test/smtp';
import type { Locale } from '../../lib/locale';
import { notificationsJobs } from '../notifications/notifications.jobs';
import { emails } from '../notifications/notifications.table';
import { failedTransactions } from './failed-transactions.table';

let t: TestContext;
const smtp = new TestSmtp();
const received = smtp.received;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
const HOUR = 3_600_000;

beforeAll(async () => {
  await smtp.start();
  t = await createTestContext({ env: { SMTP_URL: smtp.url } });
  // Retries a second apart (production backs off from 5 s) so the outage test does not wait minutes.
  const [delivery] = notificationsJobs(t.c);
  t.c.queue.register({ ...delivery!, retry: { limit: 20, delaySeconds: 1 } });
});
afterAll(async () => {
  await t?.close();
  await smtp.stop();
});

const setClock = (iso: string) => t.c.sandboxClock!.set(new Date(iso));
const mailTo = (address: string) =>
  received.filter((m) => m.to && 'text' in m.to && m.to.text.toLowerCase() === address.toLowerCase());
const notice = (org: TestOrg, failedTransactionId: string) =>
  t.c.queue.runNow('customer-notice', { organizationId: org.organizationId, failedTransactionId });
const digest = async (org: TestOrg) =>
  ((await t.c.queue.runNow('daily-digest', { organizationId: org.organizationId })) as any[])[0];

async function orgWithLogo(opts: { locale?: Locale } = {}) {
  const org = await createOrg(t.c, { locale: opts.locale });
  await t.c.organizations.setLogo(org.organizationId, org.adminId, PNG);
  return org;
}

describe('happy', () => {
  it('FT11: the owner gets the notice in their language with logo, portal link, amount and contact', async () => {
    await setClock('2026-01-15T15:00:00.000Z');
    const org = await orgWithLogo();
    const o = await t.c.organizations.get(org.organizationId);
    const email = `owner-en-${Date.now()}@example.ca`;
    const accountId = await ftAccount(t.c, org.organizationId, {
      name: 'Jane Smith',
      email,
      locale: 'en-CA',
    });
    const pm = await ftCard(t.c, org.organizationId, accountId);
    const id = await ftEntry(t.c, org.organizationId, { accountId, paymentMethodId: pm, amount: 12_500n });
    await notice(org, id);
    await t.c.queue.drain();
    const [mail] = mailTo(email);
    expect(mail).toBeDefined();
    expect(mail!.subject).toBe(`Your payment to ${o.name} did not go through`);
    expect(mail!.text).toContain('$125.00');
    expect(mail!.text).toContain('The card has insufficient funds or credit.');
    expect(mail!.text).toContain(`Questions? Write to us at ${o.contactEmail}`);
    const html = String(mail!.html);
    expect(html).toContain(`src="${t.c.organizations.logoUrl(o)!.replace(/&/g, '&amp;')}"`);
    expect(html).toContain(`mailto:${o.contactEmail}`);
    const link = /href="(http:\/\/recoup\.test\/portal\/pay\?token=[^"]+)"/.exec(html)?.[1];
    expect(link).toBeDefined();
    const token = decodeURIComponent(new URL(link!.replace(/&amp;/g, '&')).searchParams.get('token')!);
    const claims = await t.c.portalLinks.resolve(token);
    expect(claims).toMatchObject({
      organizationId: org.organizationId,
      accountId,
      purpose: 'failed_payment',
      failedTransactionId: id,
    });
    expect(claims.exp * 1000 - Date.now()).toBeGreaterThan(13 * 24 * HOUR);
    expect(claims.exp * 1000 - Date.now()).toBeLessThanOrEqual(14 * 24 * HOUR);
    // The link opens the portal session.
    const session = await call(
      t.app,
      null,
      'GET',
      `/api/v1/portal/session?token=${encodeURIComponent(token)}`,
    );
    expect(session.status).toBe(200);
    expect(session.body.failedPayments.map((p: any) => p.id)).toEqual([id]);
  });

  it('FT11: a French owner gets it in French; once per failed attempt, never for a refund', async () => {
    const org = await orgWithLogo({ locale: 'en-CA' });
    const email = `owner-fr-${Date.now()}@example.ca`;
    const accountId = await ftAccount(t.c, org.organizationId, {
      name: 'Éloïse Roy',
      email,
      locale: 'fr-CA',
    });
    const pm = await ftCard(t.c, org.organizationId, accountId);
    const id = await ftEntry(t.c, org.organizationId, {
      accountId,
      paymentMethodId: pm,
      type: 'installment',
    });
    const refund = await ftEntry(t.c, org.organizationId, { accountId, paymentMethodId: pm, type: 'refund' });
    await notice(org, id);
    await notice(org, id);
    await notice(org, refund);
    await t.c.queue.drain();
    expect(mailTo(email)).toHaveLength(1);
    expect(mailTo(email)[0]!.subject).toMatch(/^Votre paiement à .* n'a pas été accepté$/);
    expect(mailTo(email)[0]!.text).toContain('125,00');
    expect(String(mailTo(email)[0]!.html)).toContain('Mettre à jour ma carte et payer');
    // The retry failed too: one more attempt, one more notice.
    await t.c.db.update(failedTransactions).set({ attempts: 2 }).where(eq(failedTransactions.id, id));
    await notice(org, id);
    await t.c.queue.drain();
    expect(mailTo(email)).toHaveLength(2);
    const log = await call(t.app, org.adminToken, 'GET', '/api/v1/emails?kind=customer_payment_failed');
    expect(log.body.items).toHaveLength(2);
    expect(log.body.items[0]).toMatchObject({ to: email, status: 'sent', kind: 'customer_payment_failed' });
  });

  it('FT10: at 07:00 local the billing contact and the opted-in get one digest of the last 24 hours', async () => {
    const org = await orgWithLogo();
    const o = await t.c.organizations.get(org.organizationId);
    const optedIn = await org.tokenFor('accountant');
    const notOptedIn = await org.tokenFor('admin');
    const users = await t.c.users.list(org.organizationId);
    const accountantUser = users.find((u) => u.id === optedIn.userId)!;
    await t.c.users.setDigestPreference(org.organizationId, optedIn.userId, true);
    await t.c.users.update(org.organizationId, org.adminId, accountantUser.id, { locale: 'en-CA' });

    // 06:30 in Toronto (EST): too early.
    await setClock('2026-01-20T11:30:00.000Z');
    const accountId = await ftAccount(t.c, org.organizationId, { name: 'Gabriel Lévesque' });
    const pm = await ftCard(t.c, org.organizationId, accountId);
    const now = t.c.clock.now().getTime();
    const recent = await ftEntry(t.c, org.organizationId, {
      accountId,
      paymentMethodId: pm,
      amount: 4_250n,
      type: 'subscription',
      firstFailedAt: new Date(now - 2 * HOUR),
    });
    await ftEntry(t.c, org.organizationId, {
      accountId,
      paymentMethodId: pm,
      firstFailedAt: new Date(now - 30 * HOUR),
    });
    expect(await digest(org)).toMatchObject({ sent: 0, why: 'before_7' });

    await setClock('2026-01-20T12:10:00.000Z');
    expect(await digest(org)).toMatchObject({ sent: 2, failures: 1 });
    expect(await digest(org)).toMatchObject({ sent: 0, why: 'already_done' });
    await t.c.queue.drain();

    const toAdmin = mailTo(org.adminEmail);
    const toAccountant = mailTo(optedIn.email);
    expect(toAdmin).toHaveLength(1);
    expect(toAccountant).toHaveLength(1);
    expect(mailTo(notOptedIn.email)).toHaveLength(0);
    const paymentId = (await ftGet(t.c, org.organizationId, recent)).paymentId;
    // The organization speaks French; the accountant reads English.
    expect(toAdmin[0]!.subject).toBe('1 transaction échouée dans les dernières 24 heures (2026-01-20)');
    expect(toAdmin[0]!.text).toContain(
      'Gérer les transactions échouées: http://recoup.test/action-center/failed-transactions',
    );
    expect(toAdmin[0]!.text).toContain('Gabriel Lévesque');
    expect(toAdmin[0]!.text).toContain(paymentId);
    expect(toAdmin[0]!.text).toContain('42,50');
    expect(toAdmin[0]!.text).toContain('Abonnement');
    expect(toAccountant[0]!.subject).toBe('1 failed transaction in the last 24 hours (2026-01-20)');
    const html = String(toAccountant[0]!.html);
    expect(html).toContain('href="http://recoup.test/action-center/failed-transactions"');
    expect(html).toContain('Manage failed transactions');
    expect(html).toContain(`src="${t.c.organizations.logoUrl(o)!.replace(/&/g, '&amp;')}"`);
    expect(toAccountant[0]!.text).toContain('$42.50');
    expect(toAccountant[0]!.text).toContain('Subscription');
    // Only the entry of the last 24 hours is listed (the same customer's 30-hour-old one is not).
    expect(toAccountant[0]!.text?.match(/Gabriel Lévesque/g)).toHaveLength(1);
  });

  it('FT10: no e-mail on a day when nothing failed, and never two for the same day, even concurrently', async () => {
    await setClock('2026-02-10T13:00:00.000Z');
    const quiet = await createOrg(t.c);
    expect(await digest(quiet)).toMatchObject({ sent: 0, why: 'nothing_failed' });
    await t.c.queue.drain();
    expect(mailTo(quiet.adminEmail)).toHaveLength(0);

    const busy = await createOrg(t.c);
    const accountId = await ftAccount(t.c, busy.organizationId);
    const pm = await ftCard(t.c, busy.organizationId, accountId);
    await ftEntry(t.c, busy.organizationId, { accountId, paymentMethodId: pm });
    const runs = await Promise.all(Array.from({ length: 5 }, () => digest(busy)));
    expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(1);
    await t.c.queue.drain();
    expect(mailTo(busy.adminEmail)).toHaveLength(1);
    // The next day's digest is a new one.
    await setClock('2026-02-11T13:00:00.000Z');
    await ftEntry(t.c, busy.organizationId, { accountId, paymentMethodId: pm });
    expect(await digest(busy)).toMatchObject({ sent: 1 });
  });

  it('FT10: each digest covers exactly the failures since the previous one, even when a run is late or a day is skipped', async () => {
    await setClock('2026-04-01T12:00:00.000Z'); // 08:00 in Toronto (EDT)
    const org = await createOrg(t.c);
    const accountId = await ftAccount(t.c, org.organizationId, { name: 'Noémie Fortin' });
    const pm = await ftCard(t.c, org.organizationId, accountId);
    const at = (iso: string) => new Date(iso);
    await ftEntry(t.c, org.organizationId, {
      accountId,
      paymentMethodId: pm,
      firstFailedAt: at('2026-04-01T03:00:00Z'),
    });
    expect(await digest(org)).toMatchObject({ failures: 1 });
    // After that digest: one failure later on April 1st, one on the 2nd, one on the 3rd before the late run.
    for (const iso of ['2026-04-01T18:00:00Z', '2026-04-02T09:00:00Z', '2026-04-03T20:00:00Z']) {
      await ftEntry(t.c, org.organizationId, { accountId, paymentMethodId: pm, firstFailedAt: at(iso) });
    }
    // No run at all on April 2nd; April 3rd's runs only start at 21:30 UTC (17:30 local): late.
    await setClock('2026-04-03T21:30:00.000Z');
    expect(await digest(org)).toMatchObject({ failures: 3 });
    // The next day covers only what failed after the late run.
    await ftEntry(t.c, org.organizationId, {
      accountId,
      paymentMethodId: pm,
      firstFailedAt: at('2026-04-04T02:00:00Z'),
    });
    await setClock('2026-04-04T11:05:00.000Z');
    expect(await digest(org)).toMatchObject({ failures: 1 });
  });

  it('FT10, FT11: an SMTP outage loses nothing and sends nothing twice', async () => {
    await setClock('2026-03-02T13:00:00.000Z');
    const org = await orgWithLogo();
    const owners = [`a-${Date.now()}@example.ca`, `b-${Date.now()}@example.ca`, `c-${Date.now()}@example.ca`];
    const ids: string[] = [];
    for (const email of owners) {
      const accountId = await ftAccount(t.c, org.organizationId, { email });
      const pm = await ftCard(t.c, org.organizationId, accountId);
      ids.push(await ftEntry(t.c, org.organizationId, { accountId, paymentMethodId: pm }));
    }
    await notice(org, ids[0]!);
    await t.c.queue.drain();
    expect(mailTo(owners[0]!)).toHaveLength(1);

    await smtp.stop();
    await notice(org, ids[1]!);
    await notice(org, ids[2]!);
    await digest(org);
    await t.c.queue.drain();
    const pending = await t.c.db.select().from(emails).where(eq(emails.organizationId, org.organizationId));
    expect(pending.filter((e) => e.status === 'queued')).toHaveLength(3);
    expect(pending.filter((e) => e.status === 'queued').every((e) => e.attempts >= 1 && e.lastError)).toBe(
      true,
    );

    await smtp.start();
    // The failed deliveries are retried once their retry time has come (a second here).
    let after = pending;
    for (let i = 0; i < 40 && after.some((e) => e.status !== 'sent'); i++) {
      await new Promise((r) => setTimeout(r, 500));
      await t.c.queue.drain();
      after = await t.c.db.select().from(emails).where(eq(emails.organizationId, org.organizationId));
    }
    expect(after.map((e) => e.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
    for (const email of owners) expect(mailTo(email)).toHaveLength(1);
    expect(mailTo(org.adminEmail)).toHaveLength(1);
    const ids2 = received.map((m) => m.messageId);
    expect(new Set(ids2).size).toBe(ids2.length);
  });
});
