import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../src/modules/audit/audit.table';
import { organizations } from '../../src/modules/organizations/organizations.table';
import { findSummaryMismatches } from '../../src/modules/reconciliation/summary';
import { apiAccount, apiCard, apiInvoice, ledgerOf } from '../billing';
import { createOrg } from '../factories';
import { call, createTestContext, type TestContext } from '../harness';
import { brokenInvariants } from '../money/money-kit';

/**
 * One lock order (src/modules/accounts/account-lock.ts): every money movement of an account takes the
 * account lock first. On PostgreSQL, posting, allocations and their undo, refunds, card payments, retries,
 * due charges and reconcile run at once on ONE account for several rounds: no deadlock (it would answer
 * 500 with the aborted transaction), no 5xx, and the ledger, MS3 and the summaries exact afterwards.
 * And scheduled jobs isolate failures: one organization whose run throws does not stop the others.
 */
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => t?.close());

describe('happy', () => {
  it('posting, allocation and undo, refunds, payments, retries, due charges and reconcile at once on one account: no deadlock, exact totals', async () => {
    await t.c.sandboxClock!.set(new Date('2026-03-02T15:00:00Z'));
    const org = await createOrg(t.c);
    const token = org.adminToken;
    const account = await apiAccount(t.app, token, 'Rosalie Gagnon');
    const card = await apiCard(t.app, token, account.id);
    const declining = await apiCard(t.app, token, account.id, '4000000000000002');
    const plannedInvoice = await apiInvoice(t.app, token, account.id, 30_000, '2026-03-01');
    const plan = await call(t.app, token, 'POST', `/api/v1/accounts/${account.id}/installment-plans`, {
      invoiceId: plannedInvoice.id,
      paymentMethodId: declining.id,
      installments: [
        { dueDate: '2026-03-02', amount: 10_000 },
        { dueDate: '2026-03-03', amount: 10_000 },
        { dueDate: '2026-03-04', amount: 10_000 },
      ],
    });
    expect(plan.status).toBe(201);
    const url = (path: string) => `/api/v1/accounts/${account.id}/${path}`;
    const statuses: number[] = [];
    const run = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => {
      const res = await call(t.app, token, method, path, body);
      statuses.push(res.status);
      return res;
    };

    for (let round = 0; round < 6; round++) {
      const ledger = await ledgerOf(t.app, token, account.id);
      const openInvoice = ledger.find(
        (d) => d.kind === 'invoice' && d.openAmount > 0 && d.id !== plannedInvoice.id,
      );
      const openPayment = ledger.find((d) => d.kind === 'payment' && d.openAmount > 0);
      const cardPayment = ledger.filter((d) => d.kind === 'payment' && d.status === 'posted').at(-1);
      const allocations = (await call(t.app, token, 'GET', url('allocations'))).body.items as {
        id: string;
      }[];
      const entries = (await call(t.app, token, 'GET', '/api/v1/action-center/failed-transactions')).body
        .items as {
        id: string;
        status: string;
      }[];
      await Promise.all([
        run('POST', url('invoices'), { amount: 2_000 + round, date: '2026-03-02' }),
        run('POST', url('payments'), { amount: 1_500, date: '2026-03-02', method: 'cash' }),
        run('POST', url('payments'), {
          amount: 1_000,
          date: '2026-03-02',
          method: 'card',
          paymentMethodId: card.id,
          ...(openInvoice ? { invoiceId: openInvoice.id } : {}),
        }),
        openInvoice && openPayment
          ? run('POST', url('allocations'), { creditId: openPayment.id, debitId: openInvoice.id, amount: 1 })
          : Promise.resolve(),
        allocations[0] ? run('DELETE', `/api/v1/allocations/${allocations[0].id}`) : Promise.resolve(),
        cardPayment
          ? run('POST', url('refunds'), { amount: 100, paymentId: cardPayment.id })
          : Promise.resolve(),
        run('POST', `/api/v1/action-center/reconcilable-accounts/${account.id}/reconcile`),
        run('POST', '/api/v1/sandbox/jobs/payments-due'),
        ...entries
          .filter((e) => e.status === 'open')
          .slice(0, 1)
          .map((e) => run('POST', `/api/v1/action-center/failed-transactions/${e.id}/retry`)),
        run('POST', '/api/v1/sandbox/queue/drain'),
      ]);
      await t.c.sandboxClock!.set(new Date(`2026-03-0${3 + (round % 3)}T15:00:00Z`));
    }
    // No 5xx (a deadlock aborts a transaction with a 500), and every refusal is a 4xx the caller can read.
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.filter((s) => s < 300).length).toBeGreaterThan(30);
    expect(await brokenInvariants(t, org.organizationId)).toEqual([]);
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);
  });

  it('a scheduled job that throws for one organization is logged and audited, and runs for every other one', async () => {
    await t.c.sandboxClock!.set(new Date('2026-03-02T15:00:00Z'));
    const broken = await createOrg(t.c);
    const healthy = await createOrg(t.c);
    const account = await apiAccount(t.app, healthy.adminToken);
    const card = await apiCard(t.app, healthy.adminToken, account.id);
    const sub = await call(
      t.app,
      healthy.adminToken,
      'POST',
      `/api/v1/accounts/${account.id}/subscriptions`,
      {
        amount: 2_000,
        interval: 'month',
        startDate: '2026-03-02',
        paymentMethodId: card.id,
      },
    );
    expect(sub.status).toBe(201);
    // A corrupt setting makes every run of this organization throw (an unknown time zone).
    await t.c.db
      .update(organizations)
      .set({ timezone: 'Nowhere/Atlantis' })
      .where(eq(organizations.id, broken.organizationId));
    const results = (await t.c.queue.runNow('payments-due', {})) as {
      organizationId?: string;
      error?: string;
    }[];
    expect(results.filter((r) => r.error).map((r) => r.organizationId)).toContain(broken.organizationId);
    const paid = (await ledgerOf(t.app, healthy.adminToken, account.id)).filter((d) => d.kind === 'payment');
    expect(paid).toEqual([expect.objectContaining({ amount: 2_000 })]);
    const audited = await t.c.db
      .select()
      .from(auditLog)
      .where(
        sql`${auditLog.organizationId} = ${broken.organizationId} and ${auditLog.action} = 'job.failed'`,
      );
    expect(audited).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ job: 'payments-due' }) }),
    ]);
    await t.c.db
      .update(organizations)
      .set({ timezone: 'America/Toronto' })
      .where(eq(organizations.id, broken.organizationId));
  });
});
