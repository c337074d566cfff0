import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import {
  ftAccount,
  ftBank,
  ftCard,
  ftEntry,
  ftInvoice,
  ftSchedule,
} from '../../../test/failed-transaction-fixtures';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import type { FailedTransactionPayments } from '../failed-transactions/failed-transactions.service';
import { paymentMethods } from '../payment-methods/payment-methods.table';
import { subscriptions } from '../schedules/schedules.table';
import { PortalService } from './portal.service';
import { portalLinks } from './portal.table';

let t: TestContext;
let org: TestOrg;
let otherOrg: TestOrg;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c, { name: 'Club de natation Laval' });
  otherOrg = await createOrg(t.c);
  await t.c.organizations.setLogo(org.organizationId, org.adminId, PNG);
});
afterAll(async () => t?.close());

const O = () => org.organizationId;
/** A link for the customer's failed entry, or for one of their cards (`card`). */
const tokenFor = async (c: { accountId: string; entryId: string }, card?: string, organizationId = O()) => {
  const issued = await t.c.portalLinks.issue(
    t.c.db,
    card
      ? { organizationId, accountId: c.accountId, purpose: 'card_expiry', paymentMethodId: card }
      : { organizationId, accountId: c.accountId, purpose: 'failed_payment', failedTransactionId: c.entryId },
  );
  return encodeURIComponent(issued.token);
};

/** An account with a wallet card paying a subscription whose charge failed. */
async function customer(name = 'Léa Fortin') {
  const accountId = await ftAccount(t.c, O(), { name, locale: 'en-CA' });
  const card = await ftCard(t.c, O(), accountId, { number: '4000000000009995' });
  const invoiceId = await ftInvoice(t.c, O(), accountId, 8_000n);
  const s = await ftSchedule(t.c, O(), accountId, 'subscription', card, invoiceId, 8_000n);
  const entryId = await ftEntry(t.c, O(), {
    accountId,
    paymentMethodId: card,
    amount: 8_000n,
    invoiceId,
    scheduledPaymentId: s.scheduledPaymentId,
  });
  return { accountId, card, invoiceId, entryId, ...s };
}

describe('happy', () => {
  it('FT11: the session shows the organization, the failed payments and the wallet cards', async () => {
    const c = await customer();
    const refund = await ftEntry(t.c, O(), {
      accountId: c.accountId,
      paymentMethodId: c.card,
      type: 'refund',
    });
    const ignored = await ftEntry(t.c, O(), {
      accountId: c.accountId,
      paymentMethodId: c.card,
      status: 'ignored',
    });
    await ftCard(t.c, O(), c.accountId, { inWallet: false, number: '5555555555554444' });
    await ftBank(t.c, O(), c.accountId);
    const someoneElse = await customer('Autre Client');

    const res = await call(t.app, null, 'GET', `/api/v1/portal/session?token=${await tokenFor(c)}`);
    expect(res.status).toBe(200);
    const o = await t.c.organizations.get(O());
    expect(res.body).toMatchObject({
      organization: {
        name: 'Club de natation Laval',
        logoUrl: t.c.organizations.logoUrl(o),
        contactEmail: o.contactEmail,
        // Times on the portal are the organization's, whatever the owner's browser says.
        timezone: o.timezone,
      },
      account: { ownerName: 'Léa Fortin', locale: 'en-CA' },
      currency: 'CAD',
      failedPayments: [
        {
          id: c.entryId,
          amount: 8_000,
          type: 'subscription',
          reason: { code: 'insufficient_funds', message: 'The card has insufficient funds or credit.' },
          status: 'open',
          paidElsewhere: false,
        },
      ],
      cards: [{ id: c.card, brand: 'visa', last4: '9995', expMonth: 12, expYear: 2030, inWallet: true }],
    });
    const ids = res.body.failedPayments.map((p: any) => p.id);
    expect(ids).not.toContain(refund);
    expect(ids).not.toContain(ignored);
    expect(ids).not.toContain(someoneElse.entryId);
  });

  it('EC4: a card-expiry link opens the session too', async () => {
    const c = await customer();
    const res = await call(t.app, null, 'GET', `/api/v1/portal/session?token=${await tokenFor(c, c.card)}`);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    // It is about that card only: it shows the card and pays nothing.
    expect(res.body.link).toMatchObject({ purpose: 'card_expiry', card: { last4: '9995' } });
    expect(res.body.failedPayments).toEqual([]);
  });

  it('FT5: a card saved in the portal joins the wallet and pays the card subscriptions from now on', async () => {
    const c = await customer();
    // A cancelled subscription and one paid by eCheck keep their method.
    const bank = await ftBank(t.c, O(), c.accountId);
    const byBank = await ftSchedule(t.c, O(), c.accountId, 'subscription', bank, c.invoiceId, 1_000n);
    const cancelled = await ftSchedule(t.c, O(), c.accountId, 'subscription', c.card, c.invoiceId, 1_000n);
    await t.c.db
      .update(subscriptions)
      .set({ status: 'cancelled' })
      .where(eq(subscriptions.id, cancelled.subscriptionId!));
    const plan = await ftSchedule(t.c, O(), c.accountId, 'installment', c.card, c.invoiceId, 1_000n);

    const res = await call(t.app, null, 'POST', `/api/v1/portal/payment-methods?token=${await tokenFor(c)}`, {
      number: '5555 5555 5555 4444',
      expMonth: 8,
      expYear: 2031,
      cvc: '321',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      brand: 'mastercard',
      last4: '4444',
      expMonth: 8,
      expYear: 2031,
      inWallet: true,
    });
    const [pm] = await t.c.db.select().from(paymentMethods).where(eq(paymentMethods.id, res.body.id));
    expect(pm).toMatchObject({ accountId: c.accountId, type: 'card', inWallet: true });
    expect(pm!.gatewayToken).toMatch(/^sbx_card_ok_/);

    const methodOf = async (id: string) =>
      (await t.c.db.select().from(subscriptions).where(eq(subscriptions.id, id)))[0]!.paymentMethodId;
    expect(await methodOf(c.subscriptionId!)).toBe(res.body.id);
    expect(await methodOf(byBank.subscriptionId!)).toBe(bank);
    expect(await methodOf(cancelled.subscriptionId!)).toBe(c.card);

    const audit = await t.c.audit.list(O(), { limit: 10, subjectId: c.subscriptionId! });
    expect(audit[0]).toMatchObject({
      action: 'payment_method.changed',
      actorId: null,
      details: { from: c.card, to: res.body.id },
    });
    const planAudit = await t.c.audit.list(O(), { limit: 10, subjectId: plan.installmentPlanId! });
    expect(planAudit[0]).toMatchObject({ action: 'payment_method.changed', actorId: null });
    const portalAudit = await t.c.audit.list(O(), { limit: 10, subjectId: res.body.id });
    expect(portalAudit.find((a) => a.action === 'portal.card_saved')).toMatchObject({
      actorId: null,
      details: {
        via: 'portal',
        subscriptions: [c.subscriptionId],
        installmentPlans: [plan.installmentPlanId],
      },
    });
    // FT5 + FT12: the entry's hard-decline block would no longer apply, and the admin list can retry.
    const session = await call(t.app, null, 'GET', `/api/v1/portal/session?token=${await tokenFor(c)}`);
    expect(session.body.cards.map((x: any) => x.id)).toContain(res.body.id);
  });

  it('FT7: paying in the portal flags the entry paidElsewhere; it stays until someone ignores it', async () => {
    const c = await customer();
    // The billing core's payFailedTransaction posts a payment allocated to the invoice and leaves the entry.
    const calls: unknown[] = [];
    const payments: FailedTransactionPayments = {
      entryLeftList: (tx, entry) => t.c.payments.entryLeftList(tx, entry),
      collectionOfEntry: (db, entry) => t.c.payments.collectionOfEntry(db, entry),
      retryFailedTransaction: async () => {
        throw new Error('not used');
      },
      payFailedTransaction: async (organizationId, failedTransactionId, paymentMethodId) => {
        calls.push({ organizationId, failedTransactionId, paymentMethodId });
        await t.c.db.transaction(async (tx) => {
          const payment = await t.c.ledger.createDocument(tx, {
            organizationId,
            accountId: c.accountId,
            kind: 'payment',
            amountMinor: 8_000n,
            currency: 'CAD',
            date: '2026-01-20',
            method: 'card',
            paymentMethodId,
          });
          await t.c.ledger.allocate(tx, {
            organizationId,
            accountId: c.accountId,
            creditId: payment.id,
            debitId: c.invoiceId,
            amountMinor: 8_000n,
            source: 'payment',
          });
        });
        return { status: 'succeeded', transactionId: 'txn_portal' };
      },
    };
    const portal = new PortalService({
      db: t.c.db,
      clock: t.c.clock,
      links: t.c.portalLinks,
      organizations: t.c.organizations,
      failedTransactions: t.c.failedTransactions.repository,
      payments,
      paymentMethods: t.c.paymentMethods,
      schedules: t.c.schedules,
      audit: t.c.audit,
    });
    const token = decodeURIComponent(await tokenFor(c));
    expect(await portal.pay(token, { failedTransactionId: c.entryId, paymentMethodId: c.card })).toEqual({
      status: 'succeeded',
    });
    expect(calls).toEqual([{ organizationId: O(), failedTransactionId: c.entryId, paymentMethodId: c.card }]);
    // A link that paid opens nothing any more; a new one shows the entry flagged.
    await expect(portal.session(token)).rejects.toMatchObject({ status: 401 });
    const session = await portal.session(decodeURIComponent(await tokenFor(c)));
    expect(session.failedPayments[0]).toMatchObject({ id: c.entryId, paidElsewhere: true, status: 'open' });
    const list = await call(
      t.app,
      org.adminToken,
      'GET',
      '/api/v1/action-center/failed-transactions?limit=200',
    );
    expect(list.body.items.find((i: any) => i.id === c.entryId)).toMatchObject({
      paidElsewhere: true,
      status: 'open',
    });

    // A declined portal payment answers with the reason in the owner's language.
    const declining = new PortalService({
      db: t.c.db,
      clock: t.c.clock,
      links: t.c.portalLinks,
      organizations: t.c.organizations,
      failedTransactions: t.c.failedTransactions.repository,
      payments: {
        ...payments,
        payFailedTransaction: async () => ({ status: 'failed', code: 'card_declined' }),
      },
      paymentMethods: t.c.paymentMethods,
      schedules: t.c.schedules,
      audit: t.c.audit,
    });
    const fresh = decodeURIComponent(await tokenFor(c));
    expect(await declining.pay(fresh, { failedTransactionId: c.entryId, paymentMethodId: c.card })).toEqual({
      status: 'failed',
      reason: { code: 'card_declined', message: 'The card was declined.' },
    });
  });
});

describe('after a portal payment (MS1, FT7)', () => {
  it('an installment paid in the portal shows as paid: not offered again, paidElsewhere, retry refused', async () => {
    const accountId = await ftAccount(t.c, O(), { name: 'Inès Versement', locale: 'fr-CA' });
    const card = await ftCard(t.c, O(), accountId, { number: '4242424242424242' });
    // The plan's invoice is 90 $; the failed installment is 30 $: paying it leaves 60 $ open on the invoice.
    const invoiceId = await ftInvoice(t.c, O(), accountId, 9_000n);
    const s = await ftSchedule(t.c, O(), accountId, 'installment', card, invoiceId, 3_000n);
    const entryId = await ftEntry(t.c, O(), {
      accountId,
      paymentMethodId: card,
      amount: 3_000n,
      type: 'installment',
      invoiceId,
      scheduledPaymentId: s.scheduledPaymentId,
    });
    const token = await tokenFor({ accountId, entryId });
    const before = await call(t.app, null, 'GET', `/api/v1/portal/session?token=${token}`);
    expect(before.body.failedPayments[0]).toMatchObject({
      id: entryId,
      collection: 'due',
      paidElsewhere: false,
    });

    const paid = await call(t.app, null, 'POST', `/api/v1/portal/pay?token=${token}`, {
      failedTransactionId: entryId,
      paymentMethodId: card,
    });
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('succeeded');

    // The link reopened offers nothing again: a link used for a payment is revoked (it could pay again otherwise), and a
    // repeat from a stale tab is refused without charging.
    const after = await call(t.app, null, 'GET', `/api/v1/portal/session?token=${token}`);
    expect(after.status).toBe(401);
    const again = await call(t.app, null, 'POST', `/api/v1/portal/pay?token=${token}`, {
      failedTransactionId: entryId,
      paymentMethodId: card,
    });
    expect(again.status).toBe(401);
    const payments = (await t.c.db.execute(
      sql`select count(*)::int as n from transactions where organization_id = ${O()} and obligation_id = ${s.scheduledPaymentId}`,
    )) as unknown as { rows: { n: number | string }[] };
    expect(Number(payments.rows[0]?.n)).toBe(1);

    // The administrator's list: judged on the installment, not on the invoice (still 60 $ open).
    const list = await call(
      t.app,
      org.adminToken,
      'GET',
      '/api/v1/action-center/failed-transactions?limit=200',
    );
    const item = list.body.items.find((i: any) => i.id === entryId);
    expect(item).toMatchObject({
      paidElsewhere: true,
      status: 'open',
      actions: { retry: false, ignore: true },
    });
    const retry = await call(
      t.app,
      org.adminToken,
      'POST',
      `/api/v1/action-center/failed-transactions/${entryId}/retry`,
    );
    expect(retry.status).toBe(409);
  });
});

describe('errors', () => {
  it('a tampered, expired or missing token is refused', async () => {
    const c = await customer();
    const good = decodeURIComponent(await tokenFor(c));
    for (const token of [`${good}x`, good.slice(0, -1), `plt_${'A'.repeat(43)}`, 'garbage']) {
      const res = await call(t.app, null, 'GET', `/api/v1/portal/session?token=${encodeURIComponent(token)}`);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    const expired = await tokenFor(c);
    await t.c.db
      .update(portalLinks)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(and(eq(portalLinks.organizationId, O()), eq(portalLinks.accountId, c.accountId)));
    const late = await call(t.app, null, 'GET', `/api/v1/portal/session?token=${expired}`);
    expect(late.status).toBe(401);
    expect(late.body.detail).toMatch(/expired/);
    expect((await call(t.app, null, 'GET', '/api/v1/portal/session')).status).toBe(400);
    const save = await call(t.app, null, 'POST', `/api/v1/portal/payment-methods?token=${expired}`, {
      number: '4242424242424242',
      expMonth: 1,
      expYear: 2031,
      cvc: '123',
    });
    expect(save.status).toBe(401);
    const pay = await call(t.app, null, 'POST', `/api/v1/portal/pay?token=${expired}`, {
      failedTransactionId: c.entryId,
      paymentMethodId: c.card,
    });
    expect(pay.status).toBe(401);
  });

  it('an invalid card or body is a 400 and saves nothing', async () => {
    const c = await customer();
    const bad = await call(t.app, null, 'POST', `/api/v1/portal/payment-methods?token=${await tokenFor(c)}`, {
      number: '4242424242424241',
      expMonth: 1,
      expYear: 2031,
      cvc: '123',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('body.number');
    const extra = await call(
      t.app,
      null,
      'POST',
      `/api/v1/portal/payment-methods?token=${await tokenFor(c)}`,
      {
        number: '4242424242424242',
        expMonth: 1,
        expYear: 2031,
        cvc: '123',
        saveToWallet: false,
      },
    );
    expect(extra.status).toBe(400);
    const saved = await t.c.db
      .select()
      .from(paymentMethods)
      .where(and(eq(paymentMethods.organizationId, O()), eq(paymentMethods.accountId, c.accountId)));
    expect(saved).toHaveLength(1);
  });
});

describe('authz', () => {
  it('a link only reaches its own subject: other entries are 403, other methods and organizations 404/401', async () => {
    const mine = await customer();
    const theirs = await customer('Voisin');
    const pay = async (body: object, token?: string) =>
      call(t.app, null, 'POST', `/api/v1/portal/pay?token=${token ?? (await tokenFor(mine))}`, body);
    const other = await pay({ failedTransactionId: theirs.entryId, paymentMethodId: mine.card });
    expect(other.status).toBe(403);
    expect(other.body.detail).toMatch(/does not pay that amount/);
    expect((await pay({ failedTransactionId: mine.entryId, paymentMethodId: theirs.card })).status).toBe(404);
    const refund = await ftEntry(t.c, O(), {
      accountId: mine.accountId,
      paymentMethodId: mine.card,
      type: 'refund',
    });
    expect((await pay({ failedTransactionId: refund, paymentMethodId: mine.card })).status).toBe(403);
    // A link made for another organization does not reach this one's account.
    const foreign = await tokenFor(mine, undefined, otherOrg.organizationId);
    expect((await call(t.app, null, 'GET', `/api/v1/portal/session?token=${foreign}`)).status).toBe(401);
  });
});
