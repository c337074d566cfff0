import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  apiAccount,
  apiBank,
  apiCard,
  apiInvoice,
  apiPayment,
  ledgerOf,
  setClock,
  settleEChecksAt,
} from '../../../test/billing';
import { ftGet, ftOfAccount } from '../../../test/failed-transaction-fixtures';
import { call } from '../../../test/harness';
import { org, other, setUpOrgs, t, token } from '../../../test/suite';
import { auditLog } from '../audit/audit.table';
import { findSummaryMismatches } from '../reconciliation/summary';
import { documents } from './ledger.table';

setUpOrgs({ clock: '2026-03-02T15:00:00Z' }); // a Monday

const url = (accountId: string, path: string) => `/api/v1/accounts/${accountId}/${path}`;

async function actions(subjectId: string) {
  const rows = await t.c.db
    .select({ action: auditLog.action })
    .from(auditLog)
    .where(and(eq(auditLog.organizationId, org.organizationId), eq(auditLog.subjectId, subjectId)));
  return rows.map((r) => r.action);
}

describe('happy', () => {
  it('issues invoices and credit notes, allocates manually and undoes it, all audited', async () => {
    const account = await apiAccount(t.app, token, 'Julie Gagnon');
    const invoice = await apiInvoice(t.app, token, account.id, 10_000);
    expect(invoice).toMatchObject({ kind: 'invoice', amount: 10_000, openAmount: 10_000, status: 'posted' });
    const note = await call(t.app, token, 'POST', url(account.id, 'credit-notes'), {
      amount: 2_500,
      date: '2026-03-03',
      reason: 'Cours annulé',
    });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ kind: 'credit_note', amount: 2_500, description: 'Cours annulé' });

    const alloc = await call(t.app, token, 'POST', url(account.id, 'allocations'), {
      creditId: note.body.id,
      debitId: invoice.id,
      amount: 2_000,
    });
    expect(alloc.status).toBe(201);
    expect(alloc.body).toMatchObject({ creditId: note.body.id, debitId: invoice.id, amount: 2_000 });
    let ledger = await ledgerOf(t.app, token, account.id);
    expect(ledger.map((d) => [d.kind, d.openAmount, d.reconciliationStatus])).toEqual([
      ['invoice', 8_000, 'partial'],
      ['credit_note', 500, 'partial'],
    ]);
    const list = await call(t.app, token, 'GET', url(account.id, 'allocations'));
    expect(list.body.items).toEqual([
      expect.objectContaining({ id: alloc.body.id, amount: 2_000, source: 'manual', batchId: null }),
    ]);
    const account1 = await call(t.app, token, 'GET', `/api/v1/accounts/${account.id}`);
    expect(account1.body).toMatchObject({ openDebit: 8_000, openCredit: 500 });

    const undo = await call(t.app, token, 'DELETE', `/api/v1/allocations/${alloc.body.id}`);
    expect(undo.status).toBe(204);
    ledger = await ledgerOf(t.app, token, account.id);
    expect(ledger.map((d) => d.openAmount)).toEqual([10_000, 2_500]);
    expect(await actions(alloc.body.id)).toEqual(['allocation.created', 'allocation.deleted']);
    expect(await actions(invoice.id)).toEqual(['invoice.issued']);
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);
  });

  it('records cash as received and allocates it to its invoice as far as both allow', async () => {
    const account = await apiAccount(t.app, token);
    const invoice = await apiInvoice(t.app, token, account.id, 3_000);
    const pay = await apiPayment(t.app, token, account.id, {
      amount: 5_000,
      method: 'cash',
      invoiceId: invoice.id,
    });
    expect(pay).toMatchObject({
      status: 'received',
      documentStatus: 'posted',
      amount: 5_000,
      openAmount: 2_000,
    });
    expect(pay.allocatedAmount).toBe(3_000);
    const ledger = await ledgerOf(t.app, token, account.id);
    expect(ledger.find((d) => d.id === invoice.id)).toMatchObject({
      openAmount: 0,
      reconciliationStatus: 'full',
    });
  });

  it('charges a card (succeeded) and allocates it; Idempotency-Key replays without a second charge', async () => {
    const account = await apiAccount(t.app, token);
    const card = await apiCard(t.app, token, account.id);
    const invoice = await apiInvoice(t.app, token, account.id, 7_000);
    const before = await t.c.sandboxGateway!.chargeCount(org.organizationId);
    const body = {
      amount: 7_000,
      date: '2026-03-02',
      method: 'card',
      paymentMethodId: card.id,
      invoiceId: invoice.id,
    };
    const first = await call(t.app, token, 'POST', url(account.id, 'payments'), body, {
      'idempotency-key': 'k-1',
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      status: 'succeeded',
      openAmount: 0,
      allocatedAmount: 7_000,
      method: 'card',
    });
    expect(first.body.reference).toMatch(/^ch_/);
    const again = await call(t.app, token, 'POST', url(account.id, 'payments'), body, {
      'idempotency-key': 'k-1',
    });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(await t.c.sandboxGateway!.chargeCount(org.organizationId)).toBe(before + 1);
  });

  it('presents an eCheck as pending (RA2: it covers its invoice) and settles it two business days later', async () => {
    await setClock(t.app, token, '2026-03-06T15:00:00Z'); // a Friday
    const account = await apiAccount(t.app, token);
    const bank = await apiBank(t.app, token, account.id);
    const invoice = await apiInvoice(t.app, token, account.id, 4_000);
    const pay = await apiPayment(t.app, token, account.id, {
      amount: 4_000,
      method: 'echeck',
      paymentMethodId: bank.id,
      invoiceId: invoice.id,
    });
    expect(pay).toMatchObject({ status: 'pending', documentStatus: 'pending', allocatedAmount: 0 });
    let ledger = await ledgerOf(t.app, token, account.id);
    expect(ledger.find((d) => d.id === invoice.id)).toMatchObject({
      reconciliationStatus: 'covered',
      openAmount: 4_000,
    });
    expect(ledger.find((d) => d.id === pay.id)).toMatchObject({ status: 'pending', invoiceId: invoice.id });

    // Monday: one business day only; Tuesday: two business days.
    expect(await settleEChecksAt(t.app, token, '2026-03-09T15:00:00Z')).toMatchObject({
      settled: 0,
      returned: 0,
    });
    expect(await settleEChecksAt(t.app, token, '2026-03-10T15:00:00Z')).toMatchObject({
      settled: 1,
      returned: 0,
    });
    ledger = await ledgerOf(t.app, token, account.id);
    expect(ledger.find((d) => d.id === pay.id)).toMatchObject({ status: 'posted', openAmount: 0 });
    expect(ledger.find((d) => d.id === invoice.id)).toMatchObject({
      openAmount: 0,
      reconciliationStatus: 'full',
    });
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);
  });

  it('FT1: a one-off eCheck that comes back returned voids the payment and opens an echeck_payment entry', async () => {
    await setClock(t.app, token, '2026-03-02T15:00:00Z');
    const account = await apiAccount(t.app, token);
    const bank = await apiBank(t.app, token, account.id, '999001');
    const pay = await apiPayment(t.app, token, account.id, {
      amount: 1_500,
      method: 'echeck',
      paymentMethodId: bank.id,
    });
    expect(await settleEChecksAt(t.app, token, '2026-03-04T15:00:00Z')).toMatchObject({ returned: 1 });
    const ledger = await ledgerOf(t.app, token, account.id);
    expect(ledger.find((d) => d.id === pay.id)).toMatchObject({ status: 'void' });
    const [entry] = await ftOfAccount(t.c, org.organizationId, account.id);
    expect(entry).toMatchObject({
      type: 'echeck_payment',
      reasonCode: 'R01',
      paymentMethodType: 'echeck',
      status: 'open',
    });
    expect(entry!.paymentId).toMatch(/^py_/);
  });

  it('refunds a card payment through the gateway; the invoice it paid opens again', async () => {
    const account = await apiAccount(t.app, token);
    const card = await apiCard(t.app, token, account.id);
    const invoice = await apiInvoice(t.app, token, account.id, 6_000);
    const pay = await apiPayment(t.app, token, account.id, {
      amount: 6_000,
      method: 'card',
      paymentMethodId: card.id,
      invoiceId: invoice.id,
    });
    const refund = await call(t.app, token, 'POST', url(account.id, 'refunds'), {
      amount: 2_000,
      paymentId: pay.id,
    });
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ status: 'succeeded', kind: 'refund', amount: 2_000, openAmount: 0 });
    const ledger = await ledgerOf(t.app, token, account.id);
    expect(ledger.find((d) => d.id === refund.body.id)).toMatchObject({ kind: 'refund', openAmount: 0 });
    expect(ledger.find((d) => d.id === invoice.id)).toMatchObject({ openAmount: 2_000 });
    expect(ledger.find((d) => d.id === pay.id)).toMatchObject({ openAmount: 0 });
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);

    const tooMuch = await call(t.app, token, 'POST', url(account.id, 'refunds'), {
      amount: 4_001,
      paymentId: pay.id,
    });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.refundableAmount).toBe(4_000);
  });

  it('FT1: a refund the gateway refuses is 201 failed with a refund entry and no refund document', async () => {
    const account = await apiAccount(t.app, token);
    const card = await apiCard(t.app, token, account.id);
    const pay = await apiPayment(t.app, token, account.id, {
      amount: 9_000,
      method: 'card',
      paymentMethodId: card.id,
    });
    expect(
      (await call(t.app, token, 'PUT', '/api/v1/sandbox/merchant-balance', { amount: 100 })).status,
    ).toBe(200);
    const refund = await call(t.app, token, 'POST', url(account.id, 'refunds'), {
      amount: 5_000,
      paymentId: pay.id,
    });
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ status: 'failed', id: null, code: 'insufficient_merchant_funds' });
    const entry = await ftGet(t.c, org.organizationId, refund.body.failedTransactionId);
    expect(entry).toMatchObject({
      type: 'refund',
      refundedDocumentId: pay.id,
      amountMinor: 5_000n,
      attempts: 1,
    });
    expect((await ledgerOf(t.app, token, account.id)).filter((d) => d.kind === 'refund')).toHaveLength(0);
    // The failed refund still holds its amount: only 4,000 more may be refunded.
    const more = await call(t.app, token, 'POST', url(account.id, 'refunds'), {
      amount: 4_001,
      paymentId: pay.id,
    });
    expect(more.status).toBe(422);

    // FT3: after funding the merchant account, a retry makes the refund and reconciles it with the payment.
    await call(t.app, token, 'PUT', '/api/v1/sandbox/merchant-balance', { amount: 1_000_000 });
    const outcome = await t.c.payments.retryFailedTransaction(
      org.organizationId,
      refund.body.failedTransactionId,
    );
    expect(outcome.status).toBe('succeeded');
    const ledger = await ledgerOf(t.app, token, account.id);
    expect(ledger.find((d) => d.kind === 'refund')).toMatchObject({ amount: 5_000, openAmount: 0 });
    expect(ledger.find((d) => d.id === pay.id)).toMatchObject({ openAmount: 4_000 });
  });

  it('pays a cash refund out by hand, without the gateway', async () => {
    const account = await apiAccount(t.app, token);
    const pay = await apiPayment(t.app, token, account.id, { amount: 3_000, method: 'cheque' });
    const refund = await call(t.app, token, 'POST', url(account.id, 'refunds'), {
      amount: 3_000,
      paymentId: pay.id,
      date: '2026-03-05',
    });
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ status: 'paid_out', date: '2026-03-05', transactionId: null });
    expect(await actions(refund.body.id)).toEqual(['refund.paid_out']);
  });
  it('Idempotency-Key on refunds: the same key and body replay the refund; nothing is given back twice', async () => {
    const account = await apiAccount(t.app, token);
    const card = await apiCard(t.app, token, account.id);
    const pay = await apiPayment(t.app, token, account.id, {
      amount: 6_000,
      method: 'card',
      paymentMethodId: card.id,
    });
    await call(t.app, token, 'PUT', '/api/v1/sandbox/merchant-balance', { amount: 1_000_000 });
    const key = { 'idempotency-key': `refund-${pay.id}` };
    const body = { amount: 2_000, paymentId: pay.id };
    const first = await call(t.app, token, 'POST', url(account.id, 'refunds'), body, key);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'succeeded', amount: 2_000 });
    const again = await call(t.app, token, 'POST', url(account.id, 'refunds'), body, key);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const refunds = (await ledgerOf(t.app, token, account.id)).filter((d) => d.kind === 'refund');
    expect(refunds.map((d) => d.id)).toEqual([first.body.id]);
    const balance = await call(t.app, token, 'GET', '/api/v1/sandbox/merchant-balance');
    expect(balance.body.amount).toBe(1_000_000 - 2_000);
  });

  it("a failed refund's answer carries reason {code, message} in the caller's language (fr-CA, en-CA)", async () => {
    const account = await apiAccount(t.app, token);
    const card = await apiCard(t.app, token, account.id);
    const pay = await apiPayment(t.app, token, account.id, {
      amount: 8_000,
      method: 'card',
      paymentMethodId: card.id,
    });
    await call(t.app, token, 'PUT', '/api/v1/sandbox/merchant-balance', { amount: 10 });
    const fr = await call(
      t.app,
      token,
      'POST',
      url(account.id, 'refunds'),
      { amount: 1_000, paymentId: pay.id },
      {
        'accept-language': 'fr-CA',
      },
    );
    expect(fr.status).toBe(201);
    expect(fr.body).toMatchObject({
      status: 'failed',
      code: 'insufficient_merchant_funds',
      reason: {
        code: 'insufficient_merchant_funds',
        message: "Le compte marchand n'a pas suffisamment de fonds pour ce remboursement.",
      },
    });
    const en = await call(
      t.app,
      token,
      'POST',
      url(account.id, 'refunds'),
      { amount: 1_000, paymentId: pay.id },
      {
        'accept-language': 'en-CA',
      },
    );
    expect(en.body.reason).toEqual({
      code: 'insufficient_merchant_funds',
      message: 'The merchant account does not have enough funds for this refund.',
    });
    // A refund that went through has no reason.
    await call(t.app, token, 'PUT', '/api/v1/sandbox/merchant-balance', { amount: 1_000_000 });
    const ok = await call(t.app, token, 'POST', url(account.id, 'refunds'), {
      amount: 1_000,
      paymentId: pay.id,
    });
    expect(ok.body.status).toBe('succeeded');
    expect(ok.body).not.toHaveProperty('reason');
  });

  it('Idempotency-Key on a cash payment: one document however often the request is sent', async () => {
    const account = await apiAccount(t.app, token);
    const body = { amount: 1_500, date: '2026-03-02', method: 'cash' };
    const key = { 'idempotency-key': `cash-${account.id}` };
    const first = await call(t.app, token, 'POST', url(account.id, 'payments'), body, key);
    const again = await call(t.app, token, 'POST', url(account.id, 'payments'), body, key);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body).toEqual(first.body);
    expect((await ledgerOf(t.app, token, account.id)).map((d) => d.id)).toEqual([first.body.id]);
  });
});

describe('errors', () => {
  it('refuses bad amounts and impossible dates with 400, writing nothing', async () => {
    const account = await apiAccount(t.app, token);
    for (const amount of [0, -5, 12.5, '100', 1_000_000_000_001, null]) {
      const res = await call(t.app, token, 'POST', url(account.id, 'invoices'), {
        amount,
        date: '2026-03-01',
      });
      expect(res.status, `amount ${amount}`).toBe(400);
      expect(res.body.errors[0].field).toBe('body.amount');
    }
    for (const date of ['2026-02-30', '2025-02-29', '2026-13-01', '01/03/2026']) {
      const res = await call(t.app, token, 'POST', url(account.id, 'credit-notes'), { amount: 100, date });
      expect(res.status, date).toBe(400);
    }
    const extra = await call(t.app, token, 'POST', url(account.id, 'invoices'), {
      amount: 1,
      date: '2026-03-01',
      x: 1,
    });
    expect(extra.status).toBe(400);
    expect(await ledgerOf(t.app, token, account.id)).toEqual([]);
    expect(
      (
        await call(t.app, token, 'POST', url(account.id, 'invoices'), {
          amount: 1_000_000_000_000,
          date: '2026-03-01',
        })
      ).status,
    ).toBe(201);
  });

  it('answers 402 with the decline code for a declined card and writes nothing to the ledger', async () => {
    const account = await apiAccount(t.app, token);
    const card = await apiCard(t.app, token, account.id, '4000000000009995');
    const res = await call(t.app, token, 'POST', url(account.id, 'payments'), {
      amount: 2_000,
      date: '2026-03-02',
      method: 'card',
      paymentMethodId: card.id,
    });
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({ code: 'insufficient_funds', status: 402 });
    const docs = await t.c.db.select().from(documents).where(eq(documents.accountId, account.id));
    expect(docs).toEqual([]);
  });

  it("a 402 decline carries the code and a message in the caller's language (fr-CA, en-CA)", async () => {
    const account = await apiAccount(t.app, token);
    const card = await apiCard(t.app, token, account.id, '4000000000009995');
    const body = { amount: 2_000, date: '2026-03-02', method: 'card', paymentMethodId: card.id };
    const fr = await call(t.app, token, 'POST', url(account.id, 'payments'), body, {
      'accept-language': 'fr-CA',
    });
    expect(fr.status).toBe(402);
    expect(fr.body).toMatchObject({
      code: 'insufficient_funds',
      message: 'Les fonds ou le crédit disponibles sur la carte sont insuffisants.',
    });
    const en = await call(t.app, token, 'POST', url(account.id, 'payments'), body, {
      'accept-language': 'en-CA',
    });
    expect(en.status).toBe(402);
    expect(en.body).toMatchObject({
      code: 'insufficient_funds',
      message: 'The card has insufficient funds or credit.',
    });
  });

  it('Idempotency-Key on payments: a replayed 402 charges nothing again; the same key with another body is 409', async () => {
    const account = await apiAccount(t.app, token);
    const declining = await apiCard(t.app, token, account.id, '4000000000009995');
    const before = await t.c.sandboxGateway!.chargeCount(org.organizationId);
    const body = { amount: 2_500, date: '2026-03-02', method: 'card', paymentMethodId: declining.id };
    const key = { 'idempotency-key': `decline-${account.id}` };
    const first = await call(t.app, token, 'POST', url(account.id, 'payments'), body, key);
    const again = await call(t.app, token, 'POST', url(account.id, 'payments'), body, key);
    expect([first.status, again.status]).toEqual([402, 402]);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.transactionId).toBe(first.body.transactionId);
    expect(await t.c.sandboxGateway!.chargeCount(org.organizationId)).toBe(before + 1);

    const reused = await call(
      t.app,
      token,
      'POST',
      url(account.id, 'payments'),
      { ...body, amount: 2_600 },
      key,
    );
    expect(reused.status).toBe(409);
    expect(reused.body.type).toMatch(/idempotency-conflict/);
    expect(await t.c.sandboxGateway!.chargeCount(org.organizationId)).toBe(before + 1);

    const payment = await apiPayment(t.app, token, account.id, { amount: 1_000, method: 'cash' });
    const refundKey = { 'idempotency-key': `refund-${payment.id}` };
    const refund = await call(
      t.app,
      token,
      'POST',
      url(account.id, 'refunds'),
      { amount: 100, paymentId: payment.id },
      refundKey,
    );
    expect(refund.status).toBe(201);
    const otherBody = await call(
      t.app,
      token,
      'POST',
      url(account.id, 'refunds'),
      { amount: 200, paymentId: payment.id },
      refundKey,
    );
    expect(otherBody.status).toBe(409);
    expect(otherBody.body.type).toMatch(/idempotency-conflict/);
    expect((await ledgerOf(t.app, token, account.id)).filter((d) => d.kind === 'refund')).toHaveLength(1);
    const badKey = await call(
      t.app,
      token,
      'POST',
      url(account.id, 'refunds'),
      { amount: 100, paymentId: payment.id },
      {
        'idempotency-key': 'with space',
      },
    );
    expect(badKey.status).toBe(400);
  });

  it('checks payment methods and invoices of payments', async () => {
    const account = await apiAccount(t.app, token);
    const second = await apiAccount(t.app, token);
    const othersCard = await apiCard(t.app, token, second.id);
    const bank = await apiBank(t.app, token, account.id);
    const base = { amount: 100, date: '2026-03-02' };
    expect(
      (await call(t.app, token, 'POST', url(account.id, 'payments'), { ...base, method: 'card' })).status,
    ).toBe(400);
    expect(
      (
        await call(t.app, token, 'POST', url(account.id, 'payments'), {
          ...base,
          method: 'card',
          paymentMethodId: othersCard.id,
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await call(t.app, token, 'POST', url(account.id, 'payments'), {
          ...base,
          method: 'card',
          paymentMethodId: bank.id,
        })
      ).status,
    ).toBe(422);
    expect(
      (await call(t.app, token, 'POST', url(account.id, 'payments'), { ...base, method: 'bitcoin' })).status,
    ).toBe(400);
    const othersInvoice = await apiInvoice(t.app, token, second.id, 500);
    expect(
      (
        await call(t.app, token, 'POST', url(account.id, 'payments'), {
          ...base,
          method: 'cash',
          invoiceId: othersInvoice.id,
        })
      ).status,
    ).toBe(404);
  });

  it('refuses allocations larger than an open amount, the wrong way round, or across accounts', async () => {
    const account = await apiAccount(t.app, token);
    const second = await apiAccount(t.app, token);
    const invoice = await apiInvoice(t.app, token, account.id, 1_000);
    const pay = await apiPayment(t.app, token, account.id, { amount: 600, method: 'cash' });
    const foreign = await apiInvoice(t.app, token, second.id, 1_000);
    const post = (body: object) => call(t.app, token, 'POST', url(account.id, 'allocations'), body);
    expect((await post({ creditId: pay.id, debitId: invoice.id, amount: 601 })).status).toBe(422);
    expect((await post({ creditId: invoice.id, debitId: pay.id, amount: 100 })).status).toBe(422);
    expect((await post({ creditId: pay.id, debitId: foreign.id, amount: 100 })).status).toBe(404);
    expect((await post({ creditId: pay.id, debitId: 'inv_unknown', amount: 100 })).status).toBe(404);
    expect((await post({ creditId: pay.id, debitId: invoice.id, amount: 0 })).status).toBe(400);
    expect((await call(t.app, token, 'DELETE', '/api/v1/allocations/alc_unknown')).status).toBe(404);
    expect((await ledgerOf(t.app, token, account.id)).map((d) => d.openAmount)).toEqual([1_000, 600]);
  });

  it('refuses refunds of what is not a posted payment of the account', async () => {
    const account = await apiAccount(t.app, token);
    const invoice = await apiInvoice(t.app, token, account.id, 1_000);
    const note = await call(t.app, token, 'POST', url(account.id, 'credit-notes'), {
      amount: 100,
      date: '2026-03-01',
    });
    expect(
      (await call(t.app, token, 'POST', url(account.id, 'refunds'), { amount: 1, paymentId: invoice.id }))
        .status,
    ).toBe(422);
    expect(
      (await call(t.app, token, 'POST', url(account.id, 'refunds'), { amount: 1, paymentId: note.body.id }))
        .status,
    ).toBe(422);
    expect(
      (await call(t.app, token, 'POST', url(account.id, 'refunds'), { amount: 1, paymentId: 'pay_unknown' }))
        .status,
    ).toBe(404);
  });
});

describe('authz', () => {
  it('lets staff read the ledger but not write it (billing.write)', async () => {
    const account = await apiAccount(t.app, token);
    const invoice = await apiInvoice(t.app, token, account.id, 1_000);
    const staff = await org.tokenFor('staff');
    expect((await call(t.app, staff.token, 'GET', url(account.id, 'ledger'))).status).toBe(200);
    expect((await call(t.app, staff.token, 'GET', url(account.id, 'allocations'))).status).toBe(200);
    const writes: [string, string, object?][] = [
      ['POST', url(account.id, 'invoices'), { amount: 1, date: '2026-03-01' }],
      ['POST', url(account.id, 'credit-notes'), { amount: 1, date: '2026-03-01' }],
      ['POST', url(account.id, 'payments'), { amount: 1, date: '2026-03-01', method: 'cash' }],
      ['POST', url(account.id, 'refunds'), { amount: 1, paymentId: 'pay_x' }],
      ['POST', url(account.id, 'allocations'), { creditId: 'pay_x', debitId: invoice.id, amount: 1 }],
      ['DELETE', '/api/v1/allocations/alc_x'],
    ];
    for (const [method, path, body] of writes) {
      expect((await call(t.app, staff.token, method as 'POST', path, body)).status, path).toBe(403);
      expect((await call(t.app, null, method as 'POST', path, body)).status, path).toBe(401);
    }
  });

  it("answers 404 for another organization's accounts, documents and allocations", async () => {
    const account = await apiAccount(t.app, token);
    const invoice = await apiInvoice(t.app, token, account.id, 1_000);
    const pay = await apiPayment(t.app, token, account.id, { amount: 500, method: 'cash' });
    const alloc = await call(t.app, token, 'POST', url(account.id, 'allocations'), {
      creditId: pay.id,
      debitId: invoice.id,
      amount: 100,
    });
    const theirs = other.adminToken;
    const theirAccount = await apiAccount(t.app, theirs);
    const requests: [string, string, object?][] = [
      ['GET', url(account.id, 'ledger')],
      ['GET', url(account.id, 'allocations')],
      ['POST', url(account.id, 'invoices'), { amount: 1, date: '2026-03-01' }],
      ['POST', url(account.id, 'credit-notes'), { amount: 1, date: '2026-03-01' }],
      ['POST', url(account.id, 'payments'), { amount: 1, date: '2026-03-01', method: 'cash' }],
      ['POST', url(account.id, 'refunds'), { amount: 1, paymentId: pay.id }],
      ['POST', url(theirAccount.id, 'refunds'), { amount: 1, paymentId: pay.id }],
      ['POST', url(account.id, 'allocations'), { creditId: pay.id, debitId: invoice.id, amount: 1 }],
      ['POST', url(theirAccount.id, 'allocations'), { creditId: pay.id, debitId: invoice.id, amount: 1 }],
      ['DELETE', `/api/v1/allocations/${alloc.body.id}`],
    ];
    for (const [method, path, body] of requests) {
      expect((await call(t.app, theirs, method as 'POST', path, body)).status, `${method} ${path}`).toBe(404);
    }
    expect((await ledgerOf(t.app, token, account.id)).map((d) => d.openAmount)).toEqual([900, 400]);
  });
});
