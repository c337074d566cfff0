import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAccount, apiCard, ledgerOf, setClock } from '../billing';
import { createOrg, type TestOrg } from '../factories';
import { call, createTestContext, type TestContext } from '../harness';

let t: TestContext;
let org: TestOrg;
const LIST = '/api/v1/action-center/failed-transactions';

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c);
});
afterAll(async () => t?.close());

/** A monthly subscription whose first charge is declined by payments-due: one Action Center entry. */
async function declinedSubscription(name: string, decline = 'card_declined') {
  const token = org.adminToken;
  const account = await apiAccount(t.app, token, name);
  const card = await apiCard(t.app, token, account.id);
  const sub = await call(t.app, token, 'POST', `/api/v1/accounts/${account.id}/subscriptions`, {
    amount: 4500,
    interval: 'month',
    startDate: '2026-03-01',
    paymentMethodId: card.id,
  });
  expect(sub.status).toBe(201);
  await call(t.app, token, 'POST', `/api/v1/sandbox/payment-methods/${card.id}/next-outcome`, {
    outcome: decline,
  });
  await call(t.app, token, 'POST', '/api/v1/sandbox/jobs/payments-due');
  const list = await call(t.app, token, 'GET', `${LIST}?limit=200`);
  const entry = list.body.items.find((i: any) => i.accountId === account.id);
  expect(entry).toBeDefined();
  return { account, card, sub: sub.body, entry };
}

describe('failed transactions through the billing core and the sandbox gateway', () => {
  it('FT1, FT3, FT4, FT5, FT8, FT11: decline → notice → change the card → 100 concurrent retries → one charge, reconciled', async () => {
    const token = org.adminToken;
    await setClock(t.app, token, '2026-03-01T15:00:00Z');
    const { account, sub, entry } = await declinedSubscription('Émile Roy');
    expect(entry).toMatchObject({
      type: 'subscription',
      customerName: 'Émile Roy',
      reason: { code: 'card_declined' },
      status: 'open',
      attempts: 1,
      amount: 4500,
      actions: { retry: true, ignore: true, changePaymentMethod: true },
    });

    // FT11: the billing core queued the customer notice; without SMTP it is kept in the log.
    await t.c.queue.drain();
    const log = await call(t.app, token, 'GET', '/api/v1/emails?kind=customer_payment_failed');
    expect(log.body.items).toHaveLength(1);
    expect(log.body.items[0]).toMatchObject({ status: 'logged', kind: 'customer_payment_failed' });

    // FT5: change the method first, then retry — 100 times at once.
    const newCard = await apiCard(t.app, token, account.id, '5555555555554444');
    expect(
      (await call(t.app, token, 'PATCH', `/api/v1/subscriptions/${sub.id}`, { paymentMethodId: newCard.id }))
        .status,
    ).toBe(200);
    const before = await t.c.sandboxGateway!.chargeCount(org.organizationId);
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        t.app.inject({
          method: 'POST',
          url: `${LIST}/${entry.id}/retry`,
          headers: { authorization: `Bearer ${token}` },
        }),
      ),
    );
    expect(answers.filter((a) => a.statusCode === 202)).toHaveLength(1);
    expect(answers.filter((a) => a.statusCode === 409)).toHaveLength(99);
    await t.c.queue.drain();
    expect(await t.c.sandboxGateway!.chargeCount(org.organizationId)).toBe(before + 1);

    // FT3: off the list, and the money is allocated to the period's invoice.
    const list = await call(t.app, token, 'GET', `${LIST}?limit=200`);
    expect(list.body.items.map((i: any) => i.id)).not.toContain(entry.id);
    const ledger = await ledgerOf(t.app, token, account.id);
    expect(ledger.filter((d) => d.kind === 'invoice').map((d) => d.openAmount)).toEqual([0]);
    expect(ledger.filter((d) => d.kind === 'payment').map((d) => d.openAmount)).toEqual([0]);
  });

  it('FT3: a retry declined again stays with the new reason and one more attempt', async () => {
    const token = org.adminToken;
    const { card, entry } = await declinedSubscription('Lucie Caron');
    await call(t.app, token, 'POST', `/api/v1/sandbox/payment-methods/${card.id}/next-outcome`, {
      outcome: 'insufficient_funds',
    });
    const res = await call(t.app, token, 'POST', `${LIST}/${entry.id}/retry`, undefined, {
      'idempotency-key': `flow-${entry.id}`,
    });
    expect(res.status).toBe(202);
    await t.c.queue.drain();
    const list = await call(t.app, token, 'GET', `${LIST}?reason=insufficient_funds`);
    expect(list.body.items.find((i: any) => i.id === entry.id)).toMatchObject({
      status: 'open',
      attempts: 2,
      reason: { code: 'insufficient_funds' },
    });
    // The replayed key starts nothing new.
    const replay = await call(t.app, token, 'POST', `${LIST}/${entry.id}/retry`, undefined, {
      'idempotency-key': `flow-${entry.id}`,
    });
    expect(replay.status).toBe(202);
    await t.c.queue.drain();
    expect(
      (await call(t.app, token, 'GET', `${LIST}?reason=insufficient_funds`)).body.items[0].attempts,
    ).toBe(2);
  });

  it('FT7, FT6: the customer pays in the portal → paidElsewhere, still listed until ignored', async () => {
    const token = org.adminToken;
    const { account, card, entry } = await declinedSubscription('Nadia Bouchard');
    const portal = encodeURIComponent(
      (
        await t.c.portalLinks.issue(t.c.db, {
          organizationId: org.organizationId,
          accountId: account.id,
          purpose: 'failed_payment',
          failedTransactionId: entry.id,
        })
      ).token,
    );
    const session = await call(t.app, null, 'GET', `/api/v1/portal/session?token=${portal}`);
    expect(session.body.failedPayments).toMatchObject([{ id: entry.id, paidElsewhere: false }]);
    expect(session.body.cards.map((c: any) => c.id)).toContain(card.id);

    // A new card through the portal, then pay with it.
    const saved = await call(t.app, null, 'POST', `/api/v1/portal/payment-methods?token=${portal}`, {
      number: '4242424242424242',
      expMonth: 6,
      expYear: 2032,
      cvc: '999',
    });
    expect(saved.status).toBe(201);
    const key = { 'idempotency-key': `portal-${entry.id}` };
    const body = { failedTransactionId: entry.id, paymentMethodId: saved.body.id };
    const paid = await call(t.app, null, 'POST', `/api/v1/portal/pay?token=${portal}`, body, key);
    expect(paid.status).toBe(200);
    expect(paid.body).toEqual({ status: 'succeeded' });
    const charges = await t.c.sandboxGateway!.chargeCount(org.organizationId);
    const again = await call(t.app, null, 'POST', `/api/v1/portal/pay?token=${portal}`, body, key);
    expect(again.body).toEqual({ status: 'succeeded' });
    expect(await t.c.sandboxGateway!.chargeCount(org.organizationId)).toBe(charges);

    const listed = (await call(t.app, token, 'GET', `${LIST}?limit=200`)).body.items.find(
      (i: any) => i.id === entry.id,
    );
    expect(listed).toMatchObject({
      status: 'open',
      paidElsewhere: true,
      actions: { retry: false, ignore: true },
    });
    // The link that paid opens nothing any more.
    const after = await call(t.app, null, 'GET', `/api/v1/portal/session?token=${portal}`);
    expect(after.status).toBe(401);

    const ignored = await call(t.app, token, 'POST', `${LIST}/${entry.id}/ignore`, {
      note: 'Paid in the portal',
    });
    expect(ignored.status).toBe(200);
    const gone = await call(t.app, token, 'GET', `${LIST}?limit=200`);
    expect(gone.body.items.map((i: any) => i.id)).not.toContain(entry.id);
    const summary = await call(t.app, token, 'GET', '/api/v1/action-center/summary');
    expect(summary.body.failedTransactions).toBe(gone.body.items.length);
  });
});
