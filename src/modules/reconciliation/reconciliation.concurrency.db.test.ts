import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import { ledgerAccount, ledgerDocument } from '../../../test/ledger-fixtures';
import { big, rows } from '../../platform/db/db';
import type { LedgerDocument } from '../ledger/ledger.service';
import { findSummaryMismatches } from './summary';

// RA8 races only exist on PostgreSQL (PGlite has one connection and runs transactions one after another);
// the same calls run on both, and the invariants must hold on both.
let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c);
});
afterAll(async () => t?.close());

/** Ledger invariants of an organization: 0 ≤ open ≤ amount, and amount − open = the document's allocations. */
async function invariantViolations(organizationId: string) {
  return rows(
    t.c.db,
    sql`select d.id, d.amount_minor, d.open_minor, coalesce(a.total, 0) as allocated
        from documents d
        left join lateral (
          select sum(x.amount_minor) as total from allocations x
          where x.organization_id = d.organization_id and (x.credit_id = d.id or x.debit_id = d.id)
        ) a on true
        where d.organization_id = ${organizationId}
          and (d.open_minor < 0 or d.open_minor > d.amount_minor
               or d.amount_minor - d.open_minor <> coalesce(a.total, 0))`,
  );
}

describe('happy', () => {
  it('RA8: 50 concurrent reconciles of one account allocate once, never over-allocate, and the summary agrees', async () => {
    const acc = await ledgerAccount(t.c, org.organizationId, 'Course Concurrente');
    for (let i = 0; i < 8; i++) {
      await ledgerDocument(t.c, org.organizationId, acc, 'invoice', 1_000 + i * 137, {
        date: `2026-01-${String(10 + i).padStart(2, '0')}`,
      });
      await ledgerDocument(t.c, org.organizationId, acc, i % 2 ? 'payment' : 'credit_note', 900 + i * 101, {
        date: `2026-01-${String(10 + i).padStart(2, '0')}`,
      });
    }
    await ledgerDocument(t.c, org.organizationId, acc, 'refund', 450, { date: '2026-01-01' });

    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        call(t.app, org.adminToken, 'POST', `/api/v1/action-center/reconcilable-accounts/${acc}/reconcile`),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    const winners = results.filter((r) => r.body.allocations.length > 0);
    expect(winners).toHaveLength(1);
    const losers = results.filter((r) => r.body.allocations.length === 0);
    for (const r of losers) {
      expect(r.body).toMatchObject({ batchId: null, state: winners[0]!.body.state });
    }

    expect(await invariantViolations(org.organizationId)).toEqual([]);
    const [total] = await rows<{ n: unknown }>(
      t.c.db,
      sql`select coalesce(sum(amount_minor), 0) as n from allocations where organization_id = ${org.organizationId}`,
    );
    const allocated = winners[0]!.body.allocations.reduce(
      (s: number, a: { amount: number }) => s + a.amount,
      0,
    );
    expect(big(total?.n)).toBe(BigInt(allocated));
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);
  });

  it('RA8: concurrent reconciles, manual allocations and undos on one account keep every invariant', async () => {
    const acc = await ledgerAccount(t.c, org.organizationId, 'Mélange');
    const invoices: LedgerDocument[] = [];
    const credits: LedgerDocument[] = [];
    for (let i = 0; i < 6; i++) {
      invoices.push(await ledgerDocument(t.c, org.organizationId, acc, 'invoice', 700 + i * 50));
      credits.push(await ledgerDocument(t.c, org.organizationId, acc, 'payment', 650 + i * 40));
    }
    const manual = (i: number) =>
      t.c.db
        .transaction((tx) =>
          t.c.ledger.allocateUpTo(tx, {
            organizationId: org.organizationId,
            accountId: acc,
            creditId: credits[i % credits.length]!.id,
            debitId: invoices[(i * 5) % invoices.length]!.id,
            amountMinor: 200n,
            source: 'manual',
          }),
        )
        .catch((err: { status?: number }) => {
          // A manual allocation may lose the race (422); it never breaks an invariant.
          if (err.status !== 422) throw err;
        });
    const reconcile = () =>
      call(t.app, org.adminToken, 'POST', `/api/v1/action-center/reconcilable-accounts/${acc}/reconcile`);
    const work = await Promise.all([
      ...Array.from({ length: 10 }, reconcile),
      ...Array.from({ length: 10 }, (_, i) => manual(i)),
    ]);
    const reconciles = work.slice(0, 10) as Awaited<ReturnType<typeof reconcile>>[];
    expect(reconciles.every((r) => r.status === 200)).toBe(true);
    const batches = reconciles.map((r) => r.body.batchId).filter((b): b is string => typeof b === 'string');
    // Undo them newest first; earlier ones may be refused (409) when later allocations depend on them.
    for (const batchId of batches.reverse()) {
      const res = await call(t.app, org.adminToken, 'DELETE', `/api/v1/reconciliations/${batchId}`);
      expect([204, 409]).toContain(res.status);
    }
    expect(await invariantViolations(org.organizationId)).toEqual([]);
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);
  });
});
