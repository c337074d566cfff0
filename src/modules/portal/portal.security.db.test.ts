import { Writable } from 'node:stream';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { ftAccount, ftCard, ftEntry } from '../../../test/failed-transaction-fixtures';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import { TestSmtp } from '../../../test/smtp';
import { buildApp } from '../../app/app';
import { PortalService } from './portal.service';
import { portalLinks } from './portal.table';
import { hashPortalToken, PORTAL_LINK_TTL_SECONDS } from './portal-token';

let t: TestContext;
let org: TestOrg;
const smtp = new TestSmtp();
const received = smtp.received;

beforeAll(async () => {
  await smtp.start();
  t = await createTestContext({ env: { SMTP_URL: smtp.url } });
  org = await createOrg(t.c, { name: 'Camp Mistassini' });
});
afterAll(async () => {
  await t?.close();
  await smtp.stop();
});

const O = () => org.organizationId;
const session = (token: string, app = t.app) =>
  call(app, null, 'GET', `/api/v1/portal/session?token=${encodeURIComponent(token)}`);

/** An account with a wallet card and two failed entries. */
async function customer(email = `owner-${Date.now()}-${Math.random().toString(36).slice(2)}@example.ca`) {
  const accountId = await ftAccount(t.c, O(), { name: 'Léa Fortin', email, locale: 'en-CA' });
  const card = await ftCard(t.c, O(), accountId, { number: '4000000000009995' });
  const entryId = await ftEntry(t.c, O(), { accountId, paymentMethodId: card, amount: 8_000n });
  const otherEntryId = await ftEntry(t.c, O(), { accountId, paymentMethodId: card, amount: 1_500n });
  return { accountId, card, entryId, otherEntryId, email };
}
const payLink = async (c: { accountId: string; entryId: string }) =>
  (
    await t.c.portalLinks.issue(t.c.db, {
      organizationId: O(),
      accountId: c.accountId,
      purpose: 'failed_payment',
      failedTransactionId: c.entryId,
    })
  ).token;

describe('a link is kept only as a hash and the e-mail log holds no usable link', () => {
  it('sends the real link to SMTP only; the log and the database keep nothing that opens it', async () => {
    const c = await customer();
    await t.c.queue.runNow('customer-notice', { organizationId: O(), failedTransactionId: c.entryId });
    await t.c.queue.drain();
    const mail = received.find((m) => m.to && 'text' in m.to && m.to.text === c.email);
    expect(mail).toBeDefined();
    const sentToken = decodeURIComponent(/pay\?token=([^\s"<&]+)/.exec(String(mail!.text))![1]!);
    expect(sentToken).toMatch(/^plt_/);
    expect((await session(sentToken)).status).toBe(200);

    const [logged] = await t.c.notifications.list(O(), { limit: 1, kind: 'customer_payment_failed' });
    const shown = await call(t.app, org.adminToken, 'GET', `/api/v1/emails/${logged!.id}`);
    expect(shown.status).toBe(200);
    for (const part of [shown.body.html, shown.body.text]) {
      expect(part).not.toContain(sentToken);
      expect(part).toMatch(/portal\/pay\?token=sent-to-recipient-only\.plk_/);
    }
    // What the log shows opens nothing.
    const shownToken = /token=([^\s"<&]+)/.exec(shown.body.text)![1]!;
    expect((await session(decodeURIComponent(shownToken))).status).toBe(401);

    const rows = await t.c.db
      .select()
      .from(portalLinks)
      .where(and(eq(portalLinks.organizationId, O()), eq(portalLinks.failedTransactionId, c.entryId)));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).toBe(hashPortalToken(sentToken));
    expect(JSON.stringify(rows)).not.toContain(sentToken);
    // At most 14 days, in real time.
    expect(rows[0]!.expiresAt.getTime() - rows[0]!.createdAt.getTime()).toBe(PORTAL_LINK_TTL_SECONDS * 1000);
    expect(PORTAL_LINK_TTL_SECONDS).toBeLessThanOrEqual(14 * 24 * 3600);
  });

  it('an expired link stays expired when the sandbox clock is moved back', async () => {
    const c = await customer();
    const token = await payLink(c);
    await t.c.db
      .update(portalLinks)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(portalLinks.tokenHash, hashPortalToken(token)));
    await call(t.app, org.adminToken, 'PUT', '/api/v1/sandbox/clock', {
      now: new Date(Date.now() - 30 * 86_400_000).toISOString(),
    });
    const res = await session(token);
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/expired/);
    await call(t.app, org.adminToken, 'PUT', '/api/v1/sandbox/clock', { now: new Date().toISOString() });
  });
});

describe('one purpose, one subject', () => {
  it('a payment link shows and pays its own entry only', async () => {
    const c = await customer();
    const token = await payLink(c);
    const res = await session(token);
    expect(res.body.failedPayments.map((p: any) => p.id)).toEqual([c.entryId]);
    // The page shows the organization, the amount and the card's last 4 (telling it from a phishing copy).
    expect(res.body.organization.name).toBe('Camp Mistassini');
    expect(res.body.failedPayments[0]).toMatchObject({ amount: 8_000, paymentMethod: { last4: '9995' } });
    expect(res.body.link).toMatchObject({ purpose: 'failed_payment', card: { last4: '9995' } });
    const other = await call(t.app, null, 'POST', `/api/v1/portal/pay?token=${encodeURIComponent(token)}`, {
      failedTransactionId: c.otherEntryId,
      paymentMethodId: c.card,
    });
    expect(other.status).toBe(403);
    expect(other.headers['content-type']).toContain('application/problem+json');
  });

  it('a card-expiry link pays nothing and replaces only its own card', async () => {
    const c = await customer();
    const { token } = await t.c.portalLinks.issue(t.c.db, {
      organizationId: O(),
      accountId: c.accountId,
      purpose: 'card_expiry',
      paymentMethodId: c.card,
    });
    const res = await session(token);
    expect(res.body.failedPayments).toEqual([]);
    expect(res.body.link).toMatchObject({ purpose: 'card_expiry', card: { last4: '9995' } });
    const pay = await call(t.app, null, 'POST', `/api/v1/portal/pay?token=${encodeURIComponent(token)}`, {
      failedTransactionId: c.entryId,
      paymentMethodId: c.card,
    });
    expect(pay.status).toBe(403);
  });
});

describe('revocation', () => {
  it('a link that paid opens nothing any more', async () => {
    const c = await customer();
    const portal = new PortalService({
      db: t.c.db,
      clock: t.c.clock,
      links: t.c.portalLinks,
      organizations: t.c.organizations,
      failedTransactions: t.c.failedTransactions.repository,
      payments: {
        entryLeftList: async () => undefined,
        collectionOfEntry: async () => null,
        retryFailedTransaction: async () => {
          throw new Error('not used');
        },
        payFailedTransaction: async () => ({ status: 'succeeded', transactionId: 'txn_x' }),
      },
      paymentMethods: t.c.paymentMethods,
      schedules: t.c.schedules,
      audit: t.c.audit,
    });
    const token = await payLink(c);
    await portal.pay(token, { failedTransactionId: c.entryId, paymentMethodId: c.card });
    expect((await session(token)).status).toBe(401);
  });

  it('an entry that leaves the list (ignored) takes its links with it', async () => {
    const c = await customer();
    const token = await payLink(c);
    const ignored = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/action-center/failed-transactions/${c.entryId}/ignore`,
      { note: 'paid by cheque' },
    );
    expect(ignored.status).toBe(200);
    expect((await session(token)).status).toBe(401);
  });

  it('an administrator revokes every link of an account; staff and other organizations cannot', async () => {
    const c = await customer();
    const first = await payLink(c);
    const second = await payLink(c);
    const staff = await org.tokenFor('staff');
    const url = `/api/v1/accounts/${c.accountId}/portal-links/revoke`;
    expect((await call(t.app, staff.token, 'POST', url)).status).toBe(403);
    expect((await session(first)).status).toBe(200);
    const stranger = await createOrg(t.c);
    expect((await call(t.app, stranger.adminToken, 'POST', url)).status).toBe(404);
    expect(
      (await call(t.app, org.adminToken, 'POST', '/api/v1/accounts/not-an-id/portal-links/revoke')).status,
    ).toBe(400);
    const res = await call(t.app, org.adminToken, 'POST', url);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accountId: c.accountId, revoked: 2 });
    for (const token of [first, second]) expect((await session(token)).status).toBe(401);
    const audit = await t.c.audit.list(O(), { limit: 5, subjectId: c.accountId });
    expect(audit.find((a) => a.action === 'portal.links_revoked')).toMatchObject({ actorId: org.adminId });
  });
});

describe('send a new link', () => {
  it("stops the entry's earlier links and sends the notice again with a new one", async () => {
    const c = await customer();
    const before = await payLink(c);
    const url = `/api/v1/accounts/${c.accountId}/portal-links/resend`;
    const res = await call(t.app, org.adminToken, 'POST', url, { failedTransactionId: c.entryId });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ failedTransactionId: c.entryId, revoked: 1 });
    expect((await session(before)).status).toBe(401);
    await t.c.queue.drain();
    const mails = received.filter((m) => m.to && 'text' in m.to && m.to.text === c.email);
    const newest = mails.at(-1)!;
    const token = decodeURIComponent(/pay\?token=([^\s"<&]+)/.exec(String(newest.text))![1]!);
    expect((await session(token)).status).toBe(200);
    // Another account's entry, a refund or an entry off the list: refused with the reason, nothing sent.
    const other = await customer();
    expect(
      (await call(t.app, org.adminToken, 'POST', url, { failedTransactionId: other.entryId })).status,
    ).toBe(404);
    await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/action-center/failed-transactions/${c.otherEntryId}/ignore`,
      {},
    );
    const off = await call(t.app, org.adminToken, 'POST', url, { failedTransactionId: c.otherEntryId });
    expect(off.status).toBe(409);
    expect(off.body.detail).toMatch(/ignored/);
    expect((await call(t.app, org.adminToken, 'POST', url, { failedTransactionId: 'bad' })).status).toBe(400);
  });
});

describe('logs and rate limits', () => {
  it('the request log never holds the token', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    // One line per request is written at debug (info logs start-up, errors and jobs only).
    const logged = await buildApp(t.c, { logger: { level: 'debug', stream }, serveWeb: false });
    try {
      const token = await payLink(await customer());
      expect((await session(token, logged)).status).toBe(200);
      const output = lines.join('');
      expect(output).toContain('/api/v1/portal/session');
      expect(output).toContain('token=[redacted]');
      expect(output).not.toContain(token);
      expect(output).not.toContain(encodeURIComponent(token));
    } finally {
      await logged.close();
    }
  });

  it('answers 429 problem+json with Retry-After past the limit per link, and per client address', async () => {
    const limited = await buildApp(t.c, {
      serveWeb: false,
      portalRateLimit: { perIp: 6, perLink: 3, timeWindow: 60_000 },
    });
    try {
      const token = await payLink(await customer());
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await session(token, limited)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const more = await session(token, limited);
      expect(more.headers['content-type']).toContain('application/problem+json');
      expect(Number(more.headers['retry-after'])).toBeGreaterThan(0);
      expect(more.body.detail).toMatch(/try again in \d+ s/);
      // Another link from the same address still gets through, until the address's own limit.
      const other = await payLink(await customer());
      expect((await session(other, limited)).status).toBe(200);
      const guesses: number[] = [];
      for (let i = 0; i < 3; i++) guesses.push((await session(`plt_guess${i}`, limited)).status);
      expect(guesses).toContain(429);
    } finally {
      await limited.close();
    }
  });
});
