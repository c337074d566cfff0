/**
 * RC2, the wallet path: a failure that needs a new card is retried at once when a card is saved to the
 * account's wallet — by an administrator or by the owner in the portal — and only the entries the rule in
 * `FailedTransactionsService.replacedByWalletCard` names are retried. (The card updater's path, a card
 * updated in place by Stripe, is covered by gateway/stripe/stripe-card-updater.db.test.ts.)
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAccount, apiCard, setClock } from '../../../test/billing';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import { subscriptions } from '../schedules/schedules.table';

let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c, { timezone: 'America/Toronto' });
});
afterAll(async () => t?.close());

const O = () => org.organizationId;

/** A subscription on a new card of the account, whose first charge fails with `code`. */
async function failing(accountId: string, code: string, number = '4242424242424242') {
  const token = org.adminToken;
  const card = await apiCard(t.app, token, accountId, number);
  const sub = await call(t.app, token, 'POST', `/api/v1/accounts/${accountId}/subscriptions`, {
    amount: 2500,
    interval: 'month',
    startDate: '2026-05-04',
    paymentMethodId: card.id,
  });
  expect(sub.status, JSON.stringify(sub.body)).toBe(201);
  await call(t.app, token, 'POST', `/api/v1/sandbox/payment-methods/${card.id}/next-outcome`, {
    outcome: code,
  });
  return { card: card.id as string, subscriptionId: sub.body.id as string };
}

async function entriesOf(accountId: string) {
  const items = (await call(t.app, org.adminToken, 'GET', '/api/v1/action-center/failed-transactions')).body
    .items as { id: string; accountId: string; reason: { code: string }; paymentMethod: unknown }[];
  return items.filter((e) => e.accountId === accountId);
}
const entry = (id: string) => t.c.failedTransactions.repository.get(t.c.db, O(), id);
const methodOf = async (subscriptionId: string) =>
  (await t.c.db.select().from(subscriptions).where(eq(subscriptions.id, subscriptionId)))[0]!.paymentMethodId;

describe('RC2: a card saved to the wallet by an administrator', () => {
  it('replaces the expired card: its subscription moves to the new card and the entry is retried at once', async () => {
    await setClock(t.app, org.adminToken, '2026-05-04T15:00:00Z');
    const account = await apiAccount(t.app, org.adminToken, 'Wallet Expired');
    const other = await apiAccount(t.app, org.adminToken, 'Wallet Elsewhere');
    const expired = await failing(account.id, 'expired_card');
    // Same account, soft decline: keeps its policy (RC1), not replaced.
    const soft = await failing(account.id, 'card_declined', '5555555555554444');
    // Another account's expired card: never touched by this account's wallet.
    const elsewhere = await failing(other.id, 'expired_card');
    await call(t.app, org.adminToken, 'POST', '/api/v1/sandbox/jobs/payments-due');
    await t.c.queue.drain();
    const before = await entriesOf(account.id);
    const expiredEntry = before.find((e) => e.reason.code === 'expired_card')!;
    const softEntry = before.find((e) => e.reason.code === 'card_declined')!;
    const [elsewhereEntry] = await entriesOf(other.id);
    expect(expiredEntry && softEntry && elsewhereEntry).toBeTruthy();
    const charges = await t.c.sandboxGateway!.chargeCount(O());

    const fresh = await apiCard(t.app, org.adminToken, account.id, '4000056655665556');
    // In the card's transaction: the entry turned `retrying` with the card, before any job ran.
    expect((await entry(expiredEntry.id))!).toMatchObject({ status: 'retrying', retryOrigin: 'card_update' });
    await t.c.queue.drain();

    expect(await methodOf(expired.subscriptionId)).toBe(fresh.id);
    expect((await entry(expiredEntry.id))!.status).toBe('resolved');
    expect((await t.c.sandboxGateway!.chargeCount(O())) - charges).toBe(1);
    expect(await methodOf(soft.subscriptionId)).toBe(soft.card);
    expect((await entry(softEntry.id))!.status).toBe('open');
    expect(await methodOf(elsewhere.subscriptionId)).toBe(elsewhere.card);
    expect((await entry(elsewhereEntry!.id))!.status).toBe('open');

    const audit = await t.c.audit.list(O(), { limit: 10, subjectId: expired.subscriptionId });
    expect(audit.find((a) => a.action === 'payment_method.changed')).toMatchObject({
      actorId: org.adminId,
      details: { from: expired.card, to: fresh.id },
    });
    const retried = await t.c.audit.list(O(), { limit: 10, subjectId: expiredEntry.id });
    expect(retried.find((a) => a.action === 'failed_transaction.retry_requested')).toMatchObject({
      details: { trigger: 'method_changed' },
    });
  });

  it('a card not saved to the wallet, or a schedule that already pays with another card, replaces nothing', async () => {
    await setClock(t.app, org.adminToken, '2026-05-04T15:00:00Z');
    const account = await apiAccount(t.app, org.adminToken, 'Wallet Untouched');
    const expired = await failing(account.id, 'expired_card');
    await call(t.app, org.adminToken, 'POST', '/api/v1/sandbox/jobs/payments-due');
    await t.c.queue.drain();
    const [found] = await entriesOf(account.id);
    expect(found!.reason.code).toBe('expired_card');

    // Out of the wallet: a one-off card the owner did not keep.
    await apiCard(t.app, org.adminToken, account.id, '5555555555554444', { saveToWallet: false });
    expect((await entry(found!.id))!.status).toBe('open');
    expect(await methodOf(expired.subscriptionId)).toBe(expired.card);

    // The subscription already pays with another card (set directly here, without the change's own retry):
    // a new wallet card does not move a schedule someone pointed elsewhere, nor retry its entry.
    const chosen = await apiCard(t.app, org.adminToken, account.id, '4000056655665556', {
      saveToWallet: false,
    });
    await t.c.db
      .update(subscriptions)
      .set({ paymentMethodId: chosen.id })
      .where(eq(subscriptions.id, expired.subscriptionId));
    await apiCard(t.app, org.adminToken, account.id, '4242424242424242');
    expect(await methodOf(expired.subscriptionId)).toBe(chosen.id);
    expect((await entry(found!.id))!.status).toBe('open');
  });

  it('the owner saving a card in the portal retries the expired one at once (trigger: the owner)', async () => {
    await setClock(t.app, org.adminToken, '2026-05-04T15:00:00Z');
    const account = await apiAccount(t.app, org.adminToken, 'Wallet Portal');
    const expired = await failing(account.id, 'expired_card');
    await call(t.app, org.adminToken, 'POST', '/api/v1/sandbox/jobs/payments-due');
    await t.c.queue.drain();
    const [found] = await entriesOf(account.id);
    const issued = await t.c.portalLinks.issue(t.c.db, {
      organizationId: O(),
      accountId: account.id,
      purpose: 'failed_payment',
      failedTransactionId: found!.id,
    });
    const res = await call(
      t.app,
      null,
      'POST',
      `/api/v1/portal/payment-methods?token=${encodeURIComponent(issued.token)}`,
      { number: '5555 5555 5555 4444', expMonth: 8, expYear: 2031, cvc: '321' },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await t.c.queue.drain();
    expect(await methodOf(expired.subscriptionId)).toBe(res.body.id);
    expect((await entry(found!.id))!.status).toBe('resolved');
    const retried = await t.c.audit.list(O(), { limit: 10, subjectId: found!.id });
    expect(retried.find((a) => a.action === 'failed_transaction.retry_requested')).toMatchObject({
      actorId: null,
      details: { trigger: 'card_updated_by_owner' },
    });
  });
});
