import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { createTestContext, type TestContext } from '../../../test/harness';
import { ledgerAccount, ledgerDocument } from '../../../test/ledger-fixtures';
import { findSummaryMismatches } from '../reconciliation/summary';
import type { AllocationRequest } from './ledger.service';
import { allocations, documents } from './ledger.table';

let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c);
});
afterAll(async () => t?.close());

const request = (
  accountId: string,
  creditId: string,
  debitId: string,
  amount: bigint,
): AllocationRequest => ({
  organizationId: org.organizationId,
  accountId,
  creditId,
  debitId,
  amountMinor: amount,
  source: 'manual',
});

async function openOf(id: string) {
  const [d] = await t.c.db
    .select({ open: documents.openMinor })
    .from(documents)
    .where(and(eq(documents.organizationId, org.organizationId), eq(documents.id, id)));
  return d?.open;
}

async function allocationCount(accountId: string) {
  const found = await t.c.db
    .select()
    .from(allocations)
    .where(and(eq(allocations.organizationId, org.organizationId), eq(allocations.accountId, accountId)));
  return found.length;
}

describe('happy', () => {
  it('allocates a batch set-based: open amounts, allocation rows and the summary agree', async () => {
    const acc = await ledgerAccount(t.c, org.organizationId, 'Batch Happy');
    const inv1 = await ledgerDocument(t.c, org.organizationId, acc, 'invoice', 1000);
    const inv2 = await ledgerDocument(t.c, org.organizationId, acc, 'invoice', 500);
    const pay = await ledgerDocument(t.c, org.organizationId, acc, 'payment', 1200);
    const made = await t.c.db.transaction((tx) =>
      t.c.ledger.allocateMany(tx, [
        request(acc, pay.id, inv1.id, 1000n),
        request(acc, pay.id, inv2.id, 200n),
      ]),
    );
    expect(made.map((a) => [a.creditId, a.debitId, a.amountMinor])).toEqual([
      [pay.id, inv1.id, 1000n],
      [pay.id, inv2.id, 200n],
    ]);
    expect(await openOf(pay.id)).toBe(0n);
    expect(await openOf(inv1.id)).toBe(0n);
    expect(await openOf(inv2.id)).toBe(300n);
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);
  });
});

describe('errors', () => {
  it('422 when the batch together exceeds an open amount, and nothing is written', async () => {
    const acc = await ledgerAccount(t.c, org.organizationId, 'Batch Over');
    const inv1 = await ledgerDocument(t.c, org.organizationId, acc, 'invoice', 1000);
    const inv2 = await ledgerDocument(t.c, org.organizationId, acc, 'invoice', 1000);
    const pay = await ledgerDocument(t.c, org.organizationId, acc, 'payment', 1500);
    await expect(
      t.c.db.transaction((tx) =>
        t.c.ledger.allocateMany(tx, [
          request(acc, pay.id, inv1.id, 1000n),
          request(acc, pay.id, inv2.id, 600n),
        ]),
      ),
    ).rejects.toMatchObject({ status: 422, message: expect.stringContaining("credit's open amount (500)") });
    expect(await openOf(pay.id)).toBe(1500n);
    expect(await allocationCount(acc)).toBe(0);
  });

  it('the same checks as allocate: other account 404, wrong side, pending, currency and zero amount 422', async () => {
    const acc = await ledgerAccount(t.c, org.organizationId, 'Batch Checks');
    const other = await ledgerAccount(t.c, org.organizationId, 'Batch Other');
    const inv = await ledgerDocument(t.c, org.organizationId, acc, 'invoice', 1000);
    const pay = await ledgerDocument(t.c, org.organizationId, acc, 'payment', 1000);
    const otherPay = await ledgerDocument(t.c, org.organizationId, other, 'payment', 1000);
    const pending = await ledgerDocument(t.c, org.organizationId, acc, 'payment', 1000, {
      status: 'pending',
      forInvoiceId: inv.id,
    });
    const usd = await ledgerDocument(t.c, org.organizationId, acc, 'payment', 1000, { currency: 'USD' });
    const run = (reqs: AllocationRequest[]) => t.c.db.transaction((tx) => t.c.ledger.allocateMany(tx, reqs));
    await expect(run([request(acc, otherPay.id, inv.id, 100n)])).rejects.toMatchObject({ status: 404 });
    await expect(run([request(acc, inv.id, pay.id, 100n)])).rejects.toMatchObject({ status: 422 });
    await expect(run([request(acc, pending.id, inv.id, 100n)])).rejects.toMatchObject({ status: 422 });
    await expect(run([request(acc, usd.id, inv.id, 100n)])).rejects.toMatchObject({ status: 422 });
    await expect(run([request(acc, pay.id, inv.id, 0n)])).rejects.toMatchObject({ status: 422 });
    expect(await allocationCount(acc)).toBe(0);
    expect(await openOf(inv.id)).toBe(1000n);
  });
});
