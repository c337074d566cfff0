/**
 * MS1 with recovery automation: an automatic retry, a manual retry and a portal payment of one entry,
 * started at the same instant, collect its money once. Meaningful on PostgreSQL (PGlite runs them one
 * after the other, which must hold too).
 */
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAccount, apiCard, setClock } from '../../../test/billing';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import { transactions } from '../payments/payments.table';

let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c, { timezone: 'America/Toronto' });
});
afterAll(async () => t?.close());

describe('MS1: automatic retry, manual retry and portal payment of one entry', () => {
  for (const round of [1, 2, 3]) {
    it(`collect once (round ${round})`, async () => {
      const token = org.adminToken;
      await setClock(t.app, token, '2026-03-02T15:00:00Z');
      const account = await apiAccount(t.app, token, `Race ${round}`);
      const card = await apiCard(t.app, token, account.id);
      const portalCard = await apiCard(t.app, token, account.id, '5555555555554444');
      const sub = await call(t.app, token, 'POST', `/api/v1/accounts/${account.id}/subscriptions`, {
        amount: 3000,
        interval: 'month',
        startDate: '2026-03-02',
        paymentMethodId: card.id,
      });
      expect(sub.status).toBe(201);
      await call(t.app, token, 'POST', `/api/v1/sandbox/payment-methods/${card.id}/next-outcome`, {
        outcome: 'card_declined',
      });
      await call(t.app, token, 'POST', '/api/v1/sandbox/jobs/payments-due');
      const items = (await call(t.app, token, 'GET', '/api/v1/action-center/failed-transactions')).body.items;
      const entry = items.find((e: { customerName: string }) => e.customerName === `Race ${round}`);
      expect(entry.nextRetryAt).not.toBeNull();
      // The automatic retry is due.
      await setClock(t.app, token, '2026-03-03T16:00:00Z');
      const before = await t.c.sandboxGateway!.chargeCount(org.organizationId);

      const actor = { organizationId: org.organizationId, userId: org.adminId, locale: 'en-CA' as const };
      const started = await Promise.allSettled([
        t.c.recovery.runAutomaticRetries(org.organizationId),
        t.c.failedTransactions
          .requestRetry(actor, entry.id)
          .then(() => t.c.failedTransactions.runRetry(org.organizationId, entry.id)),
        t.c.payments.payFailedTransaction(org.organizationId, entry.id, portalCard.id),
      ]);
      await t.c.queue.drain();
      // Whatever lost was refused with a reason, never a crash.
      for (const s of started) {
        if (s.status === 'rejected') expect((s.reason as { status?: number }).status).toBe(409);
      }

      const collected = await t.c.db
        .select({ id: transactions.id, purpose: transactions.purpose })
        .from(transactions)
        .where(
          and(
            eq(transactions.organizationId, org.organizationId),
            eq(transactions.accountId, account.id),
            inArray(transactions.status, ['succeeded', 'settled', 'pending', 'processing']),
          ),
        );
      expect(collected, JSON.stringify(started)).toHaveLength(1);
      expect((await t.c.sandboxGateway!.chargeCount(org.organizationId)) - before).toBe(1);
    });
  }
});

describe('MS1 with RC2: a method change, a manual retry and a portal payment of one entry', () => {
  for (const round of [1, 2, 3]) {
    it(`collect once (round ${round})`, async () => {
      const token = org.adminToken;
      await setClock(t.app, token, '2026-04-06T15:00:00Z');
      const name = `Card race ${round}`;
      const account = await apiAccount(t.app, token, name);
      const card = await apiCard(t.app, token, account.id);
      const fresh = await apiCard(t.app, token, account.id, '5555555555554444');
      const sub = await call(t.app, token, 'POST', `/api/v1/accounts/${account.id}/subscriptions`, {
        amount: 3000,
        interval: 'month',
        startDate: '2026-04-06',
        paymentMethodId: card.id,
      });
      expect(sub.status).toBe(201);
      await call(t.app, token, 'POST', `/api/v1/sandbox/payment-methods/${card.id}/next-outcome`, {
        outcome: 'expired_card',
      });
      await call(t.app, token, 'POST', '/api/v1/sandbox/jobs/payments-due');
      await t.c.queue.drain();
      const items = (await call(t.app, token, 'GET', '/api/v1/action-center/failed-transactions')).body.items;
      const entry = items.find((e: { customerName: string }) => e.customerName === name);
      expect(entry.reason.code).toBe('expired_card');
      const before = await t.c.sandboxGateway!.chargeCount(org.organizationId);

      const actor = { organizationId: org.organizationId, userId: org.adminId, locale: 'en-CA' as const };
      const started = await Promise.allSettled([
        // RC2: the change queues a retry at once, in its transaction.
        t.c.schedules
          .changeSubscriptionMethod(org.organizationId, org.adminId, sub.body.id, fresh.id)
          .then(() => t.c.failedTransactions.runRetry(org.organizationId, entry.id)),
        t.c.failedTransactions
          .requestRetry(actor, entry.id)
          .then(() => t.c.failedTransactions.runRetry(org.organizationId, entry.id)),
        t.c.payments.payFailedTransaction(org.organizationId, entry.id, fresh.id),
      ]);
      await t.c.queue.drain();
      for (const s of started) {
        if (s.status === 'rejected') expect((s.reason as { status?: number }).status).toBe(409);
      }
      const collected = await t.c.db
        .select({ id: transactions.id })
        .from(transactions)
        .where(
          and(
            eq(transactions.organizationId, org.organizationId),
            eq(transactions.accountId, account.id),
            inArray(transactions.status, ['succeeded', 'settled', 'pending', 'processing']),
          ),
        );
      expect(collected, JSON.stringify(started)).toHaveLength(1);
      expect((await t.c.sandboxGateway!.chargeCount(org.organizationId)) - before).toBe(1);
    });
  }
});

describe('MS1 with RC2, the wallet path: a wallet card saved, an automatic retry, a manual retry and a portal payment', () => {
  for (const round of [1, 2, 3]) {
    it(`each entry of the account is collected once (round ${round})`, async () => {
      const token = org.adminToken;
      await setClock(t.app, token, '2026-06-01T15:00:00Z');
      const name = `Wallet race ${round}`;
      const account = await apiAccount(t.app, token, name);
      const expiredCard = await apiCard(t.app, token, account.id);
      const softCard = await apiCard(t.app, token, account.id, '5555555555554444');
      const portalCard = await apiCard(t.app, token, account.id, '4000056655665556', { saveToWallet: false });
      const subscribe = async (paymentMethodId: string) => {
        const res = await call(t.app, token, 'POST', `/api/v1/accounts/${account.id}/subscriptions`, {
          amount: 3000,
          interval: 'month',
          startDate: '2026-06-01',
          paymentMethodId,
        });
        expect(res.status).toBe(201);
      };
      await subscribe(expiredCard.id);
      await subscribe(softCard.id);
      await call(t.app, token, 'POST', `/api/v1/sandbox/payment-methods/${expiredCard.id}/next-outcome`, {
        outcome: 'expired_card',
      });
      await call(t.app, token, 'POST', `/api/v1/sandbox/payment-methods/${softCard.id}/next-outcome`, {
        outcome: 'card_declined',
      });
      await call(t.app, token, 'POST', '/api/v1/sandbox/jobs/payments-due');
      await t.c.queue.drain();
      const items = (await call(t.app, token, 'GET', '/api/v1/action-center/failed-transactions')).body.items;
      const mine = items.filter((e: { customerName: string }) => e.customerName === name);
      const expired = mine.find((e: { reason: { code: string } }) => e.reason.code === 'expired_card');
      const soft = mine.find((e: { reason: { code: string } }) => e.reason.code === 'card_declined');
      expect(soft.nextRetryAt).not.toBeNull();
      // The soft decline's automatic retry is due; the expired card's entry waits for a new card (RC1, RC2).
      await setClock(t.app, token, '2026-06-02T16:00:00Z');
      const before = await t.c.sandboxGateway!.chargeCount(org.organizationId);

      const actor = { organizationId: org.organizationId, userId: org.adminId, locale: 'en-CA' as const };
      const started = await Promise.allSettled([
        // RC2: the new wallet card replaces the expired one and retries its entry, in its transaction.
        t.c.paymentMethods
          .create(org.organizationId, org.adminId, account.id, {
            type: 'card',
            number: '5105105105105100',
            expMonth: 10,
            expYear: 2031,
            cvc: '123',
            saveToWallet: true,
          })
          .then(() => t.c.failedTransactions.runRetry(org.organizationId, expired.id)),
        t.c.recovery.runAutomaticRetries(org.organizationId),
        t.c.failedTransactions
          .requestRetry(actor, expired.id)
          .then(() => t.c.failedTransactions.runRetry(org.organizationId, expired.id)),
        t.c.payments.payFailedTransaction(org.organizationId, expired.id, portalCard.id),
      ]);
      await t.c.queue.drain();
      for (const s of started) {
        if (s.status === 'rejected') expect((s.reason as { status?: number }).status).toBe(409);
      }
      const collected = await t.c.db
        .select({ id: transactions.id, failedTransactionId: transactions.failedTransactionId })
        .from(transactions)
        .where(
          and(
            eq(transactions.organizationId, org.organizationId),
            eq(transactions.accountId, account.id),
            inArray(transactions.status, ['succeeded', 'settled', 'pending', 'processing']),
          ),
        );
      // One collection per entry: the expired card's money once (whichever path won), the soft decline's once.
      expect(collected, JSON.stringify(started)).toHaveLength(2);
      expect((await t.c.sandboxGateway!.chargeCount(org.organizationId)) - before).toBe(2);
    });
  }
});
