import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedTransactions } from '../../src/modules/failed-transactions/failed-transactions.table';
import { findSummaryMismatches } from '../../src/modules/reconciliation/summary';
import { apiAccount, apiCard, ledgerOf, setClock } from '../billing';
import { createOrg, type TestOrg } from '../factories';
import { call, createTestContext, type TestContext } from '../harness';

let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c);
});
afterAll(async () => t?.close());

describe('subscription → payments-due → declined → change the card → retry succeeds (FT1, FT3, FT5)', () => {
  it('recovers a declined subscription charge with a new card, allocated to the period invoice', async () => {
    const token = org.adminToken;
    await setClock(t.app, token, '2026-03-01T15:00:00Z');
    const account = await apiAccount(t.app, token, 'Émile Roy');
    const oldCard = await apiCard(t.app, token, account.id);
    const sub = await call(t.app, token, 'POST', `/api/v1/accounts/${account.id}/subscriptions`, {
      amount: 4500,
      interval: 'month',
      startDate: '2026-03-01',
      paymentMethodId: oldCard.id,
      description: 'Abonnement piscine',
    });
    expect(sub.status).toBe(201);
    expect(sub.body).toMatchObject({ nextDueDate: '2026-03-01', anchorDay: 1 });

    const forced = await call(
      t.app,
      token,
      'POST',
      `/api/v1/sandbox/payment-methods/${oldCard.id}/next-outcome`,
      {
        outcome: 'card_declined',
      },
    );
    expect(forced.status).toBe(200);

    const run = await call(t.app, token, 'POST', '/api/v1/sandbox/jobs/payments-due');
    expect(run.status).toBe(200);
    expect(run.body.result).toMatchObject({ charged: 1, failed: 1 });

    // FT1: one open subscription entry with the decline code and the gateway's payment ID.
    const entries = await t.c.db
      .select()
      .from(failedTransactions)
      .where(eq(failedTransactions.organizationId, org.organizationId));
    expect(entries).toHaveLength(1);
    const entry = entries[0]!;
    expect(entry).toMatchObject({
      type: 'subscription',
      status: 'open',
      reasonCode: 'card_declined',
      attempts: 1,
      paymentMethodType: 'card',
      amountMinor: 4500n,
    });
    expect(entry.paymentId).toMatch(/^ch_/);
    // The period's invoice was issued when the charge ran; nothing paid it.
    let ledger = await ledgerOf(t.app, token, account.id);
    const invoice = ledger.find((d) => d.kind === 'invoice')!;
    expect(invoice).toMatchObject({ amount: 4500, openAmount: 4500, id: entry.invoiceId });
    expect(ledger.filter((d) => d.kind === 'payment')).toHaveLength(0);

    // The next period is scheduled (one upcoming at a time), keeping the anchor day.
    const upcoming = await call(t.app, token, 'GET', `/api/v1/accounts/${account.id}/upcoming-payments`);
    expect(upcoming.body.items).toHaveLength(1);
    expect(upcoming.body.items[0]).toMatchObject({
      dueDate: '2026-04-01',
      source: 'subscription',
      amount: 4500,
    });

    // FT5: change the subscription's card, then retry: the NEW card is charged.
    const newCard = await apiCard(t.app, token, account.id, '5555555555554444');
    const patch = await call(t.app, token, 'PATCH', `/api/v1/subscriptions/${sub.body.id}`, {
      paymentMethodId: newCard.id,
    });
    expect(patch.status).toBe(200);
    expect(patch.body.paymentMethodId).toBe(newCard.id);

    const outcome = await t.c.payments.retryFailedTransaction(org.organizationId, entry.id);
    expect(outcome.status).toBe('succeeded');
    // Repeating the same call never charges twice (FT4).
    const charges = await t.c.sandboxGateway!.chargeCount(org.organizationId);
    const again = await t.c.payments.retryFailedTransaction(org.organizationId, entry.id);
    expect(again).toMatchObject({ status: 'succeeded', transactionId: outcome.transactionId });
    expect(await t.c.sandboxGateway!.chargeCount(org.organizationId)).toBe(charges);

    const [resolved] = await t.c.db
      .select()
      .from(failedTransactions)
      .where(
        and(eq(failedTransactions.organizationId, org.organizationId), eq(failedTransactions.id, entry.id)),
      );
    expect(resolved).toMatchObject({ status: 'resolved' });
    expect(resolved!.resolvedAt).not.toBeNull();

    ledger = await ledgerOf(t.app, token, account.id);
    const payment = ledger.find((d) => d.kind === 'payment')!;
    expect(payment).toMatchObject({ amount: 4500, openAmount: 0, status: 'posted', invoiceId: invoice.id });
    expect(ledger.find((d) => d.id === invoice.id)).toMatchObject({
      openAmount: 0,
      reconciliationStatus: 'full',
    });
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);

    // The next period charges the new card and is allocated to its own invoice.
    await setClock(t.app, token, '2026-04-01T15:00:00Z');
    const next = await call(t.app, token, 'POST', '/api/v1/sandbox/jobs/payments-due');
    expect(next.body.result).toMatchObject({ charged: 1, succeeded: 1 });
    ledger = await ledgerOf(t.app, token, account.id);
    expect(ledger.filter((d) => d.kind === 'invoice').map((d) => d.openAmount)).toEqual([0, 0]);
    expect(ledger.filter((d) => d.kind === 'payment').map((d) => d.openAmount)).toEqual([0, 0]);
  });
});
