import { parse } from 'csv-parse/sync';
import { eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import {
  bindRetryJob,
  fakePayments,
  ftAccount,
  ftBank,
  ftCard,
  ftEntry,
  ftGet,
  ftInvoice,
  ftSchedule,
} from '../../../test/failed-transaction-fixtures';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import { subscriptions } from '../schedules/schedules.table';

let t: TestContext;
let org: TestOrg;
let other: TestOrg;
let fake: ReturnType<typeof fakePayments>;
const URL = '/api/v1/action-center/failed-transactions';
const DAY = 86_400_000;
const isPg = process.env.TEST_DB === 'pg';

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c, { name: 'Centre récréatif Île-Perrot' });
  other = await createOrg(t.c);
  fake = fakePayments(t.c);
  bindRetryJob(t.c, fake.payments);
});
afterAll(async () => t?.close());

const O = () => org.organizationId;
const list = (query = '', headers: Record<string, string> = {}, token = org.adminToken) =>
  call(t.app, token, 'GET', `${URL}${query}`, undefined, headers);
const itemOf = async (id: string, headers: Record<string, string> = {}) => {
  const res = await list('?limit=200', headers);
  return (res.body.items as any[]).find((i) => i.id === id);
};

/** An open subscription entry paid by a fresh card (its own account), failed `ago` ms before now. */
async function subscriptionEntry(opts: { reasonCode?: string; ago?: number; name?: string } = {}) {
  const accountId = await ftAccount(t.c, O(), { name: opts.name ?? 'Émile Roy' });
  const pm = await ftCard(t.c, O(), accountId);
  const invoiceId = await ftInvoice(t.c, O(), accountId, 12_500n);
  const s = await ftSchedule(t.c, O(), accountId, 'subscription', pm, invoiceId, 12_500n);
  const id = await ftEntry(t.c, O(), {
    accountId,
    paymentMethodId: pm,
    reasonCode: opts.reasonCode,
    invoiceId,
    scheduledPaymentId: s.scheduledPaymentId,
    failedAt: new Date(t.c.clock.now().getTime() - (opts.ago ?? 0)),
  });
  return { id, accountId, pm, invoiceId, ...s };
}

describe('happy', () => {
  it('FT1, FT2: lists an entry with every field of API.md, in the caller language', async () => {
    const e = await subscriptionEntry({ name: 'Zoé Gagnon' });
    const fr = await itemOf(e.id, { 'accept-language': 'fr-CA' });
    expect(fr).toMatchObject({
      id: e.id,
      accountId: e.accountId,
      customerName: 'Zoé Gagnon',
      type: 'subscription',
      paymentMethod: { type: 'card', brand: 'visa', last4: '4242' },
      reason: {
        code: 'insufficient_funds',
        message: 'Les fonds ou le crédit disponibles sur la carte sont insuffisants.',
      },
      amount: 12_500,
      currency: 'CAD',
      status: 'open',
      attempts: 1,
      paidElsewhere: false,
      actions: { retry: true, ignore: true, changePaymentMethod: true },
      recommendedAction: { code: 'retry_now', message: 'Réessayer maintenant' },
    });
    expect(fr.paymentId).toMatch(/^pay_/);
    expect(fr.retryBlockedReason).toBeUndefined();
    expect(Date.parse(fr.failedAt)).not.toBeNaN();
    const en = await itemOf(e.id, { 'accept-language': 'en-CA' });
    expect(en.reason.message).toBe('The card has insufficient funds or credit.');
    expect(en.recommendedAction.message).toBe('Retry now');
  });

  it('FT1, FT9: newest failure first with a keyset cursor, filters combinable', async () => {
    const o = await createOrg(t.c);
    const accountId = await ftAccount(t.c, o.organizationId);
    const card = await ftCard(t.c, o.organizationId, accountId);
    const bank = await ftBank(t.c, o.organizationId, accountId);
    const now = t.c.clock.now().getTime();
    const ids = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        await ftEntry(t.c, o.organizationId, {
          accountId,
          paymentMethodId: i % 2 ? bank : card,
          methodType: i % 2 ? 'echeck' : 'card',
          type: i % 2 ? 'echeck_payment' : i === 4 ? 'refund' : 'installment',
          reasonCode: i % 2 ? 'R01' : i === 4 ? 'insufficient_merchant_funds' : 'card_declined',
          failedAt: new Date(now - i * 60_000),
        }),
      );
    }
    // Off the list: recovered or ignored.
    await ftEntry(t.c, o.organizationId, { accountId, paymentMethodId: card, status: 'resolved' });
    await ftEntry(t.c, o.organizationId, { accountId, paymentMethodId: card, status: 'ignored' });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`, {}, o.adminToken);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((i: any) => i.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);

    const echeck = await list('?paymentMethod=echeck', {}, o.adminToken);
    expect(echeck.body.items.map((i: any) => i.id)).toEqual([ids[1], ids[3]]);
    const both = await list('?paymentMethod=card&type=installment&reason=card_declined', {}, o.adminToken);
    expect(both.body.items.map((i: any) => i.id)).toEqual([ids[0], ids[2]]);
    const none = await list('?paymentMethod=echeck&type=installment', {}, o.adminToken);
    expect(none.body.items).toEqual([]);
    const refund = await list('?type=refund', {}, o.adminToken);
    expect(refund.body.items[0]).toMatchObject({
      id: ids[4],
      paidElsewhere: false,
      actions: { changePaymentMethod: false },
      recommendedAction: { code: 'retry_now' },
    });
  });

  it('FT9: the reasons offered narrow with the other filters, each with the rows it leaves (never 0)', async () => {
    const o = await createOrg(t.c);
    const accountId = await ftAccount(t.c, o.organizationId);
    const card = await ftCard(t.c, o.organizationId, accountId);
    const bank = await ftBank(t.c, o.organizationId, accountId);
    const entry = (
      methodType: 'card' | 'echeck',
      type: 'installment' | 'echeck_payment',
      reasonCode: string,
    ) =>
      ftEntry(t.c, o.organizationId, {
        accountId,
        paymentMethodId: methodType === 'card' ? card : bank,
        methodType,
        type,
        reasonCode,
      });
    await entry('card', 'installment', 'card_declined');
    await entry('card', 'installment', 'card_declined');
    await entry('card', 'installment', 'expired_card');
    await entry('echeck', 'echeck_payment', 'R01');
    await ftEntry(t.c, o.organizationId, {
      accountId,
      paymentMethodId: card,
      status: 'ignored',
      reasonCode: 'R09',
    });
    const reasons = async (query: string, locale = 'fr-CA') =>
      (
        await call(t.app, o.adminToken, 'GET', `${URL}/reasons${query}`, undefined, {
          'accept-language': locale,
        })
      ).body;

    const all = await reasons('');
    expect(all.reasons.map((r: any) => [r.code, r.count])).toEqual([
      ['card_declined', 2],
      ['expired_card', 1],
      ['R01', 1],
    ]);
    expect(all.reasons[0].message).toMatch(/carte/i);
    expect((await reasons('', 'en-CA')).reasons[0].message).toMatch(/card/i);
    const cards = await reasons('?paymentMethod=card&type=installment');
    expect(cards.reasons.map((r: any) => r.code)).toEqual(['card_declined', 'expired_card']);
    expect((await reasons('?paymentMethod=echeck')).reasons).toEqual([
      { code: 'R01', message: expect.any(String), count: 1 },
    ]);
    expect((await reasons('?paymentMethod=echeck&type=installment')).reasons).toEqual([]);
    // Every reason offered gives exactly the rows it counts.
    for (const r of cards.reasons) {
      const rows = await list(`?paymentMethod=card&type=installment&reason=${r.code}`, {}, o.adminToken);
      expect(rows.body.items).toHaveLength(r.count);
    }
  });

  it('FT8: change payment method only for subscription and installment entries', async () => {
    const accountId = await ftAccount(t.c, O());
    const pm = await ftCard(t.c, O(), accountId);
    const byType: Record<string, boolean> = {};
    for (const type of ['refund', 'echeck_payment', 'installment', 'subscription'] as const) {
      const id = await ftEntry(t.c, O(), { accountId, paymentMethodId: pm, type });
      byType[type] = (await itemOf(id)).actions.changePaymentMethod;
    }
    expect(byType).toEqual({ refund: false, echeck_payment: false, installment: true, subscription: true });
  });

  it('FT7: paidElsewhere when the invoice has nothing left open; the entry stays on the list', async () => {
    const e = await subscriptionEntry();
    expect((await itemOf(e.id)).paidElsewhere).toBe(false);
    await t.c.db.transaction(async (tx) => {
      const payment = await t.c.ledger.createDocument(tx, {
        organizationId: O(),
        accountId: e.accountId,
        kind: 'payment',
        amountMinor: 12_500n,
        currency: 'CAD',
        date: '2026-01-20',
        method: 'cash',
      });
      await t.c.ledger.allocate(tx, {
        organizationId: O(),
        accountId: e.accountId,
        creditId: payment.id,
        debitId: e.invoiceId,
        amountMinor: 12_500n,
        source: 'manual',
      });
    });
    const after = await itemOf(e.id);
    expect(after).toMatchObject({
      paidElsewhere: true,
      status: 'open',
      actions: { ignore: true, retry: false },
    });
    // Retrying would charge the customer twice.
    expect(after.retryBlockedReason).toBeDefined();
    const refused = await call(t.app, org.adminToken, 'POST', `${URL}/${e.id}/retry`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('paid_elsewhere');
  });

  it('FT3: retry answers 202 retrying at once; success takes the entry off the list', async () => {
    const e = await subscriptionEntry();
    const res = await call(t.app, org.adminToken, 'POST', `${URL}/${e.id}/retry`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: e.id, status: 'retrying' });
    expect(await itemOf(e.id)).toMatchObject({
      status: 'retrying',
      actions: { retry: false, ignore: false },
    });
    const row = await ftGet(t.c, O(), e.id);
    expect(row.retryRequestedBy).toBe(org.adminId);
    expect(row.retryRequestedAt).toBeInstanceOf(Date);
    await t.c.queue.drain();
    expect((await ftGet(t.c, O(), e.id)).status).toBe('resolved');
    expect(await itemOf(e.id)).toBeUndefined();
    const audit = await t.c.audit.list(O(), { limit: 10, subjectId: e.id });
    expect(audit.map((a) => a.action)).toContain('failed_transaction.retry_requested');
  });

  it('FT3: a retry that fails again stays open with the new reason and one more attempt', async () => {
    const e = await subscriptionEntry();
    await fake.gateway.setNextOutcome(O(), e.pm, 'card_declined');
    expect((await call(t.app, org.adminToken, 'POST', `${URL}/${e.id}/retry`)).status).toBe(202);
    await t.c.queue.drain();
    const item = await itemOf(e.id, { 'accept-language': 'en-CA' });
    expect(item).toMatchObject({
      status: 'open',
      attempts: 2,
      reason: { code: 'card_declined', message: 'The card was declined.' },
      actions: { retry: true },
    });
  });

  it('FT5, FT12: a hard decline blocks the retry until the subscription has another method, which is charged', async () => {
    const e = await subscriptionEntry({ reasonCode: 'lost_card' });
    const blocked = await itemOf(e.id, { 'accept-language': 'en-CA' });
    expect(blocked.currentPaymentMethod).toBeUndefined();
    expect(blocked.actions.retry).toBe(false);
    expect(blocked.retryBlockedReason).toMatch(/declined for good/);
    expect(blocked.recommendedAction.code).toBe('do_not_retry');
    const refused = await call(t.app, org.adminToken, 'POST', `${URL}/${e.id}/retry`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'hard_decline', retryBlockedReason: expect.any(String) });

    const newCard = await ftCard(t.c, O(), e.accountId, { number: '5555555555554444' });
    await t.c.db
      .update(subscriptions)
      .set({ paymentMethodId: newCard })
      .where(eq(subscriptions.id, e.subscriptionId!));
    const allowed = await itemOf(e.id);
    // The row shows the card the retry will charge, beside the one that failed.
    expect(allowed.paymentMethod).toMatchObject({ type: 'card', last4: '4242' });
    expect(allowed.currentPaymentMethod).toEqual({ type: 'card', brand: 'mastercard', last4: '4444' });
    expect(allowed.actions.retry).toBe(true);
    expect(allowed.retryBlockedReason).toBeUndefined();
    expect((await call(t.app, org.adminToken, 'POST', `${URL}/${e.id}/retry`)).status).toBe(202);
    await t.c.queue.drain();
    expect(fake.charged.filter((x) => x.failedTransactionId === e.id)).toEqual([
      { failedTransactionId: e.id, paymentMethodId: newCard },
    ]);
    expect((await ftGet(t.c, O(), e.id)).status).toBe('resolved');
  });

  it('FT12: eCheck returns — R02 never, R01/R09 at most twice and within 180 days', async () => {
    const accountId = await ftAccount(t.c, O());
    const bank = await ftBank(t.c, O(), accountId);
    const now = t.c.clock.now().getTime();
    const make = (reasonCode: string, representments: number, originalAgo: number) =>
      ftEntry(t.c, O(), {
        accountId,
        paymentMethodId: bank,
        methodType: 'echeck',
        type: 'echeck_payment',
        reasonCode,
        representments,
        originalAt: new Date(now - originalAgo),
      });
    const r02 = await make('R02', 0, DAY);
    const r01ok = await make('R01', 1, 10 * DAY);
    const r01limit = await make('R01', 2, 10 * DAY);
    const r09late = await make('R09', 0, 181 * DAY);
    const expectations: [string, boolean, string | undefined][] = [
      [r02, false, 'not_represented'],
      [r01ok, true, undefined],
      [r01limit, false, 'representment_limit'],
      [r09late, false, 'representment_window'],
    ];
    for (const [id, allowed, code] of expectations) {
      expect((await itemOf(id)).actions.retry).toBe(allowed);
      if (!allowed) {
        const res = await call(t.app, org.adminToken, 'POST', `${URL}/${id}/retry`);
        expect(res.status).toBe(409);
        expect(res.body.code).toBe(code);
      }
    }
  });

  it('RC3/RC4: each row shows the policy in force — the step after the last retry and the return fees so far', async () => {
    // An organization of its own: changing its policy plans its open entries again.
    const own = await createOrg(t.c);
    const accountId = await ftAccount(t.c, own.organizationId);
    const bank = await ftBank(t.c, own.organizationId, accountId);
    const id = await ftEntry(t.c, own.organizationId, {
      accountId,
      paymentMethodId: bank,
      methodType: 'echeck',
      type: 'echeck_payment',
      reasonCode: 'R01',
      representments: 2,
    });
    const row = async () => {
      const res = await list('?limit=200', {}, own.adminToken);
      expect(res.status).toBe(200);
      return (res.body.items as any[]).find((i) => i.id === id);
    };
    // No policy saved: the default one (leave the entry open, no return fee).
    expect(await row()).toMatchObject({ afterLastRetry: 'leave_open', retryCost: 0 });
    const put = await call(t.app, own.adminToken, 'PUT', '/api/v1/organization/retry-policy', {
      card: { offsetsDays: [1, 3], localHour: 10, preferPaydays: false },
      echeck: { maxRepresentments: 2, minBusinessDaysApart: 3, returnFeeAmount: 1500 },
      afterLastRetry: 'cancel',
      emails: { failureNotice: true, reminderBeforeRetry: false, finalNotice: true },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    // Two re-presentments came back: two return fees of 15.00.
    expect(await row()).toMatchObject({ afterLastRetry: 'cancel', retryCost: 3000 });
    // Another organization's policy is not this one's.
    expect((await itemOf((await subscriptionEntry()).id)).afterLastRetry).toBe('leave_open');
  });

  it('FT6: ignore takes the entry off the list with who, when and the note; no money moves', async () => {
    const e = await subscriptionEntry();
    const charges = await fake.gateway.chargeCount(O());
    const res = await call(t.app, org.adminToken, 'POST', `${URL}/${e.id}/ignore`, {
      note: 'Payé comptant au comptoir',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: e.id, status: 'ignored' });
    const row = await ftGet(t.c, O(), e.id);
    expect(row).toMatchObject({
      status: 'ignored',
      ignoredBy: org.adminId,
      ignoreNote: 'Payé comptant au comptoir',
    });
    expect(row.ignoredAt).toBeInstanceOf(Date);
    expect(await itemOf(e.id)).toBeUndefined();
    expect(await fake.gateway.chargeCount(O())).toBe(charges);
    const audit = await t.c.audit.list(O(), { limit: 10, subjectId: e.id });
    expect(audit[0]).toMatchObject({ action: 'failed_transaction.ignored', actorId: org.adminId });
    // Without a body at all.
    const e2 = await subscriptionEntry();
    expect((await call(t.app, org.adminToken, 'POST', `${URL}/${e2.id}/ignore`)).status).toBe(200);
  });

  it('FT4: an Idempotency-Key replays the first answer; another request with it is a conflict', async () => {
    const e = await subscriptionEntry();
    const key = { 'idempotency-key': `retry-${e.id}` };
    const first = await call(t.app, org.adminToken, 'POST', `${URL}/${e.id}/retry`, undefined, key);
    const again = await call(t.app, org.adminToken, 'POST', `${URL}/${e.id}/retry`, undefined, key);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    // Without the key, the entry is already retrying.
    expect((await call(t.app, org.adminToken, 'POST', `${URL}/${e.id}/retry`)).status).toBe(409);
    const e2 = await subscriptionEntry();
    const reused = await call(t.app, org.adminToken, 'POST', `${URL}/${e2.id}/retry`, undefined, key);
    expect(reused.status).toBe(409);
    expect(reused.body.type).toMatch(/idempotency-conflict/);
    await t.c.queue.drain();
    expect(fake.charged.filter((x) => x.failedTransactionId === e.id)).toHaveLength(1);
  });

  it('FT4: 100 concurrent retry requests make exactly one gateway charge', async () => {
    const o = await createOrg(t.c);
    const accountId = await ftAccount(t.c, o.organizationId);
    const pm = await ftCard(t.c, o.organizationId, accountId);
    const id = await ftEntry(t.c, o.organizationId, { accountId, paymentMethodId: pm });
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        t.app.inject({
          method: 'POST',
          url: `${URL}/${id}/retry`,
          headers: { authorization: `Bearer ${o.adminToken}` },
        }),
      ),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(99);
    await t.c.queue.drain();
    expect(await fake.gateway.chargeCount(o.organizationId)).toBe(1);
    expect((await ftGet(t.c, o.organizationId, id)).status).toBe('resolved');
    if (isPg) expect(t.c.database.kind).toBe('pg');
  });

  it('FT9: exports the filtered list as CSV (RFC 4180, UTF-8 with BOM)', async () => {
    const o = await createOrg(t.c, { name: 'Club de soccer Lévis' });
    const accountId = await ftAccount(t.c, o.organizationId, { name: 'Hélène "Lili" Côté, fils' });
    const card = await ftCard(t.c, o.organizationId, accountId);
    const bank = await ftBank(t.c, o.organizationId, accountId);
    await ftEntry(t.c, o.organizationId, { accountId, paymentMethodId: card, amount: 12_500n });
    await ftEntry(t.c, o.organizationId, {
      accountId,
      paymentMethodId: bank,
      methodType: 'echeck',
      type: 'echeck_payment',
      reasonCode: 'R01',
      amount: 5n,
    });
    const res = await t.app.inject({
      method: 'GET',
      url: `${URL}/export?format=csv&paymentMethod=card`,
      headers: { authorization: `Bearer ${o.adminToken}`, 'accept-language': 'fr-CA' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="recoup-failed-transactions-club-de-soccer-levis-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const records = parse(res.rawPayload.toString('utf8'), { bom: true }) as string[][];
    expect(records[0]).toEqual([
      'Client',
      'Type',
      'Code de raison',
      'Raison',
      'ID du paiement',
      'Montant',
      'Devise',
      'Date (heure de America/Toronto)',
      'Mode de paiement',
      'Marque',
      '4 derniers chiffres',
      'Tentatives',
      'Statut',
      'Payé autrement',
    ]);
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({
      0: 'Hélène "Lili" Côté, fils',
      1: 'Abonnement',
      2: 'insufficient_funds',
      5: '125.00',
      6: 'CAD',
      8: 'Carte',
      9: 'VISA',
      10: '4242',
      11: '1',
      12: 'Ouverte',
      13: 'non',
    });
    const all = await t.app.inject({
      method: 'GET',
      url: `${URL}/export?format=csv&reason=R01`,
      headers: { authorization: `Bearer ${o.adminToken}`, 'accept-language': 'en-CA' },
    });
    const rows = parse(all.rawPayload.toString('utf8'), { bom: true }) as string[][];
    expect(rows).toHaveLength(2);
    expect(rows[1]![5]).toBe('0.05');
  });

  it('FT9: exports an Excel workbook with typed cells and a header row', async () => {
    const o = await createOrg(t.c, { name: 'Camp Été' });
    const accountId = await ftAccount(t.c, o.organizationId, { name: 'Noé Bélanger' });
    const card = await ftCard(t.c, o.organizationId, accountId);
    const failedAt = new Date('2026-02-03T15:04:05.000Z');
    for (let i = 0; i < 3; i++) {
      await ftEntry(t.c, o.organizationId, { accountId, paymentMethodId: card, amount: 12_550n, failedAt });
    }
    const res = await t.app.inject({
      method: 'GET',
      url: `${URL}/export?format=xlsx`,
      headers: { authorization: `Bearer ${o.adminToken}`, 'accept-language': 'en-CA' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/recoup-failed-transactions-camp-ete-.*\.xlsx"$/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.rawPayload as never);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.getRow(1).getCell(1).value).toBe('Customer');
    expect(sheet.getRow(1).getCell(6).value).toBe('Amount');
    expect(sheet.rowCount).toBe(4);
    const row = sheet.getRow(2);
    expect(row.getCell(1).value).toBe('Noé Bélanger');
    expect(row.getCell(6).value).toBe(125.5);
    expect(row.getCell(6).numFmt).toContain('CAD');
    // The organization's zone (America/Toronto, UTC−5 in February): a wall-clock date-time cell.
    expect(sheet.getRow(1).getCell(8).value).toBe('Date (America/Toronto time)');
    expect(row.getCell(8).value).toBeInstanceOf(Date);
    expect((row.getCell(8).value as Date).toISOString()).toBe('2026-02-03T10:04:00.000Z');
    expect(row.getCell(14).value).toBe('no');
  });
});

describe('errors', () => {
  it('FT9: the reasons facet refuses unknown filters and a reason of its own with a 400', async () => {
    for (const query of ['?paymentMethod=cash', '?reason=card_declined', '?type=refund&limit=5']) {
      const res = await call(t.app, org.adminToken, 'GET', `${URL}/reasons${query}`);
      expect(res.status, query).toBe(400);
    }
  });

  it('FT9: unknown filter values are a 400 listing the allowed ones', async () => {
    const type = await list('?type=donation');
    expect(type.status).toBe(400);
    expect(type.body.errors[0].message).toContain('refund, echeck_payment, installment, subscription');
    const method = await list('?paymentMethod=cash');
    expect(method.status).toBe(400);
    expect(method.body.errors[0].message).toContain('card, echeck');
    const reason = await list('?reason=not_a_code');
    expect(reason.status).toBe(400);
    expect(reason.body.errors[0].message).toContain('insufficient_funds');
    expect((await list('?colour=red')).status).toBe(400);
    expect((await list('?cursor=nonsense')).status).toBe(400);
    expect((await list('?limit=500')).status).toBe(400);
    const exp = await call(t.app, org.adminToken, 'GET', `${URL}/export?format=pdf`);
    expect(exp.status).toBe(400);
  });

  it('FT4, FT6: retry or ignore of an entry that is not open is a 409', async () => {
    const retrying = await subscriptionEntry();
    await ftEntry(t.c, O(), { accountId: retrying.accountId, paymentMethodId: retrying.pm });
    expect((await call(t.app, org.adminToken, 'POST', `${URL}/${retrying.id}/retry`)).status).toBe(202);
    const again = await call(t.app, org.adminToken, 'POST', `${URL}/${retrying.id}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already_retrying');
    const ignore = await call(t.app, org.adminToken, 'POST', `${URL}/${retrying.id}/ignore`, {});
    expect(ignore.status).toBe(409);
    await t.c.queue.drain();
    const resolved = await call(t.app, org.adminToken, 'POST', `${URL}/${retrying.id}/retry`);
    expect(resolved.status).toBe(409);
    expect(resolved.body.code).toBe('not_open');
  });

  it('FT6: a note longer than 1000 characters or an unknown field is a 400', async () => {
    const e = await subscriptionEntry();
    const long = await call(t.app, org.adminToken, 'POST', `${URL}/${e.id}/ignore`, {
      note: 'x'.repeat(1001),
    });
    expect(long.status).toBe(400);
    const extra = await call(t.app, org.adminToken, 'POST', `${URL}/${e.id}/ignore`, { reason: 'x' });
    expect(extra.status).toBe(400);
    expect((await ftGet(t.c, O(), e.id)).status).toBe('open');
  });

  it('answers 404 for an unknown entry', async () => {
    const res = await call(t.app, org.adminToken, 'POST', `${URL}/ft_00000000000000000000000000/retry`);
    expect(res.status).toBe(404);
  });
});

describe('authz', () => {
  it('another organization entry is a 404 on retry and ignore, and never listed or exported', async () => {
    const e = await subscriptionEntry({ name: 'Secret Customer' });
    expect((await call(t.app, other.adminToken, 'POST', `${URL}/${e.id}/retry`)).status).toBe(404);
    expect((await call(t.app, other.adminToken, 'POST', `${URL}/${e.id}/ignore`, {})).status).toBe(404);
    const listed = await list('?limit=200', {}, other.adminToken);
    expect(listed.body.items.map((i: any) => i.id)).not.toContain(e.id);
    const exported = await t.app.inject({
      method: 'GET',
      url: `${URL}/export?format=csv`,
      headers: { authorization: `Bearer ${other.adminToken}` },
    });
    expect(exported.body).not.toContain('Secret Customer');
    expect((await ftGet(t.c, O(), e.id)).status).toBe('open');
  });

  it('staff (no transactions.manage) gets 403 on retry and ignore but 200 on the list and the export', async () => {
    const staff = await org.tokenFor('staff');
    const e = await subscriptionEntry();
    expect((await call(t.app, staff.token, 'POST', `${URL}/${e.id}/retry`)).status).toBe(403);
    expect((await call(t.app, staff.token, 'POST', `${URL}/${e.id}/ignore`, {})).status).toBe(403);
    expect((await list('', {}, staff.token)).status).toBe(200);
    expect((await call(t.app, staff.token, 'GET', `${URL}/export?format=csv`)).status).toBe(200);
    const accountant = await org.tokenFor('accountant');
    expect((await call(t.app, accountant.token, 'POST', `${URL}/${e.id}/ignore`, {})).status).toBe(200);
  });

  it('without a token every endpoint is a 401', async () => {
    expect((await call(t.app, null, 'GET', URL)).status).toBe(401);
    expect((await call(t.app, null, 'GET', `${URL}/export?format=csv`)).status).toBe(401);
    expect((await call(t.app, null, 'POST', `${URL}/ft_x1/retry`)).status).toBe(401);
    expect((await call(t.app, null, 'POST', `${URL}/ft_x1/ignore`)).status).toBe(401);
  });
});
