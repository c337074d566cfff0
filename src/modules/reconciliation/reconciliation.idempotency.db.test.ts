import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import { ledgerAccount, ledgerDocument } from '../../../test/ledger-fixtures';
import { allocations } from '../ledger/ledger.table';
import { jobRuns, reconciliationBatches } from './reconciliation.table';

let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c);
});
afterAll(async () => t?.close());

const LIST = '/api/v1/action-center/reconcilable-accounts';

async function reconcilableAccount(name: string) {
  const accountId = await ledgerAccount(t.c, org.organizationId, name);
  await ledgerDocument(t.c, org.organizationId, accountId, 'invoice', 1000, { date: '2026-01-10' });
  await ledgerDocument(t.c, org.organizationId, accountId, 'payment', 600, { date: '2026-01-11' });
  return accountId;
}

describe('happy', () => {
  it('RA5: the same Idempotency-Key on reconcile answers the first batch again and makes one batch', async () => {
    const accountId = await reconcilableAccount('Idem Reconcile');
    const headers = { 'idempotency-key': 'reconcile-key-1' };
    const first = await call(
      t.app,
      org.adminToken,
      'POST',
      `${LIST}/${accountId}/reconcile`,
      undefined,
      headers,
    );
    expect(first.status).toBe(200);
    expect(first.body.batchId).toMatch(/^[a-z]+_/);
    expect(first.body.allocations).toHaveLength(1);
    expect(first.body.allocations[0].amount).toBe(600);

    // More credit arrives: without the key a reconcile would allocate it; with the same key it is a replay.
    await ledgerDocument(t.c, org.organizationId, accountId, 'payment', 100, { date: '2026-01-12' });
    const again = await call(
      t.app,
      org.adminToken,
      'POST',
      `${LIST}/${accountId}/reconcile`,
      undefined,
      headers,
    );
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);

    const batches = await t.c.db
      .select()
      .from(reconciliationBatches)
      .where(
        and(
          eq(reconciliationBatches.organizationId, org.organizationId),
          eq(reconciliationBatches.accountId, accountId),
        ),
      );
    expect(batches.map((b) => b.id)).toEqual([first.body.batchId]);
    const made = await t.c.db
      .select()
      .from(allocations)
      .where(and(eq(allocations.organizationId, org.organizationId), eq(allocations.accountId, accountId)));
    expect(made).toHaveLength(1);

    // A new key is a new reconcile: the new credit is allocated now.
    const next = await call(t.app, org.adminToken, 'POST', `${LIST}/${accountId}/reconcile`, undefined, {
      'idempotency-key': 'reconcile-key-2',
    });
    expect(next.body.allocations.map((a: { amount: number }) => a.amount)).toEqual([100]);
  });

  it('the same Idempotency-Key on reconcile-all answers the first job and starts one job', async () => {
    const o = await createOrg(t.c);
    const accountId = await ledgerAccount(t.c, o.organizationId, 'Idem Bulk');
    await ledgerDocument(t.c, o.organizationId, accountId, 'invoice', 500);
    await ledgerDocument(t.c, o.organizationId, accountId, 'payment', 500);
    const headers = { 'idempotency-key': 'bulk-key-1' };
    const body = { zeroBalanceOnly: true };
    const first = await call(t.app, o.adminToken, 'POST', `${LIST}/reconcile-all`, body, headers);
    expect(first.status).toBe(202);
    const again = await call(t.app, o.adminToken, 'POST', `${LIST}/reconcile-all`, body, headers);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const runs = await t.c.db.select().from(jobRuns).where(eq(jobRuns.organizationId, o.organizationId));
    expect(runs.map((r) => r.id)).toEqual([first.body.jobId]);
  });
});

describe('errors', () => {
  it('the same key with another request is 409 and starts nothing', async () => {
    const o = await createOrg(t.c);
    const headers = { 'idempotency-key': 'bulk-key-2' };
    const first = await call(
      t.app,
      o.adminToken,
      'POST',
      `${LIST}/reconcile-all`,
      { zeroBalanceOnly: true },
      headers,
    );
    expect(first.status).toBe(202);
    const other = await call(
      t.app,
      o.adminToken,
      'POST',
      `${LIST}/reconcile-all`,
      { zeroBalanceOnly: false },
      headers,
    );
    expect(other.status).toBe(409);
    const runs = await t.c.db.select().from(jobRuns).where(eq(jobRuns.organizationId, o.organizationId));
    expect(runs).toHaveLength(1);
  });
});

describe('authz', () => {
  it('RA7: staff is 403 with a key and the key is not claimed', async () => {
    const staff = await org.tokenFor('staff');
    const headers = { 'idempotency-key': 'staff-key' };
    const res = await call(
      t.app,
      staff.token,
      'POST',
      `${LIST}/reconcile-all`,
      { zeroBalanceOnly: true },
      headers,
    );
    expect(res.status).toBe(403);
    const admin = await call(
      t.app,
      org.adminToken,
      'POST',
      `${LIST}/reconcile-all`,
      { zeroBalanceOnly: true },
      headers,
    );
    expect(admin.status).toBe(202);
    expect(admin.headers['idempotent-replayed']).toBeUndefined();
  });
});
