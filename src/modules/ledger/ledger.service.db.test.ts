import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { createTestContext, type TestContext } from '../../../test/harness';
import { newId } from '../../lib/ids';
import { accounts } from '../accounts/accounts.table';
import { accountReconciliation } from '../reconciliation/reconciliation.table';
import { findSummaryMismatches } from '../reconciliation/summary';
import { scheduledPayments } from '../schedules/schedules.table';

let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c);
});
afterAll(async () => t?.close());

async function newAccount(name = 'Émile Roy') {
  const id = newId('account');
  await t.c.db.insert(accounts).values({
    organizationId: org.organizationId,
    id,
    ownerName: name,
    ownerEmail: 'emile@example.ca',
    locale: 'fr-CA',
    createdAt: new Date(),
  });
  return id;
}

async function summary(accountId: string) {
  const [row] = await t.c.db
    .select()
    .from(accountReconciliation)
    .where(
      and(
        eq(accountReconciliation.organizationId, org.organizationId),
        eq(accountReconciliation.accountId, accountId),
      ),
    );
  return row;
}

const doc = (accountId: string, kind: 'invoice' | 'payment' | 'credit_note' | 'refund', amount: bigint) =>
  t.c.db.transaction((tx) =>
    t.c.ledger.createDocument(tx, {
      organizationId: org.organizationId,
      accountId,
      kind,
      amountMinor: amount,
      currency: 'CAD',
      date: '2026-11-01',
    }),
  );

describe('ledger invariants and the reconciliation summary', () => {
  it('keeps open amounts and the summary in step through allocate and undo', async () => {
    const accountId = await newAccount();
    const invoice = await doc(accountId, 'invoice', 10_000n);
    const payment = await doc(accountId, 'payment', 4_000n);
    expect(await summary(accountId)).toMatchObject({
      debitCount: 1,
      debitMinor: 10_000n,
      creditCount: 1,
      creditMinor: 4_000n,
      items: 2,
      balanceRank: 1,
      ownerSort: 'emile roy',
    });

    const allocation = await t.c.db.transaction((tx) =>
      t.c.ledger.allocate(tx, {
        organizationId: org.organizationId,
        accountId,
        creditId: payment.id,
        debitId: invoice.id,
        amountMinor: 4_000n,
        source: 'manual',
      }),
    );
    expect(await summary(accountId)).toMatchObject({
      debitCount: 1,
      debitMinor: 6_000n,
      creditCount: 0,
      creditMinor: 0n,
    });

    await expect(
      t.c.db.transaction((tx) =>
        t.c.ledger.allocate(tx, {
          organizationId: org.organizationId,
          accountId,
          creditId: payment.id,
          debitId: invoice.id,
          amountMinor: 1n,
          source: 'manual',
        }),
      ),
    ).rejects.toMatchObject({ status: 422 });

    await t.c.db.transaction((tx) => t.c.ledger.deleteAllocation(tx, org.organizationId, allocation.id));
    expect(await summary(accountId)).toMatchObject({ debitMinor: 10_000n, creditMinor: 4_000n });
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);
  });

  it('RA2: counts an invoice only for the part not covered by scheduled payments', async () => {
    const accountId = await newAccount('Zoé Tremblay');
    const invoice = await doc(accountId, 'invoice', 9_000n);
    await doc(accountId, 'credit_note', 1_000n);
    await t.c.db.transaction(async (tx) => {
      await tx.insert(scheduledPayments).values({
        organizationId: org.organizationId,
        id: newId('scheduledPayment'),
        accountId,
        source: 'installment',
        invoiceId: invoice.id,
        dueDate: '2026-12-01',
        amountMinor: 6_000n,
        createdAt: new Date(),
      });
      await t.c.ledger.touch(tx, org.organizationId, accountId);
    });
    expect(await summary(accountId)).toMatchObject({
      debitCount: 1,
      debitMinor: 3_000n,
      creditMinor: 1_000n,
    });
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);
  });
});
