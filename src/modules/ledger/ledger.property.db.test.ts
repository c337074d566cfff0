import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { createTestContext, type TestContext } from '../../../test/harness';
import { AppError } from '../../lib/errors';
import { int, rows } from '../../platform/db/db';
import { findSummaryMismatches } from '../reconciliation/summary';

/**
 * Thousands of random ledger operations (documents, allocations, undos, refunds, through the same
 * services the routes use, one transaction each), with every invariant checked after each one.
 */
const OPERATIONS = Number(process.env.PROPERTY_OPS ?? 2_000);
const ACCOUNTS = 3;

let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c);
});
afterAll(async () => t?.close());

const op = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constantFrom('invoice', 'credit_note', 'payment'),
      account: fc.nat(ACCOUNTS - 1),
      amount: fc.integer({ min: 1, max: 50_000 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('allocate'),
      any: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
      account: fc.nat(ACCOUNTS - 1),
      a: fc.nat(),
      b: fc.nat(),
      amount: fc.integer({ min: 1, max: 60_000 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('undo'), a: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('refund'),
      a: fc.nat(),
      amount: fc.integer({ min: 1, max: 30_000 }),
    }),
  },
);

async function violations(organizationId: string): Promise<number> {
  const [found] = await rows<{ n: unknown }>(
    t.c.db,
    sql`select (
      select count(*) from documents d
       where d.organization_id = ${organizationId}
         and (d.open_minor < 0 or d.open_minor <> d.amount_minor - coalesce((
               select sum(a.amount_minor) from allocations a
                where a.organization_id = d.organization_id and (a.credit_id = d.id or a.debit_id = d.id)), 0))
    ) + (
      select count(*) from allocations a
        join documents c on c.organization_id = a.organization_id and c.id = a.credit_id
        join documents b on b.organization_id = a.organization_id and b.id = a.debit_id
       where a.organization_id = ${organizationId}
         and (c.side <> 'credit' or b.side <> 'debit' or c.account_id <> a.account_id or b.account_id <> a.account_id
              or c.status <> 'posted' or b.status <> 'posted')
    ) + (
      select count(*) from documents p
       where p.organization_id = ${organizationId} and p.kind = 'payment'
         and p.amount_minor < (select coalesce(sum(r.amount_minor), 0) from documents r
                                where r.organization_id = p.organization_id and r.refunded_document_id = p.id)
    ) as n`,
  );
  return int(found?.n);
}

describe('ledger invariants under random operations', () => {
  it(`open = amount − allocations ≥ 0, credit→debit of one account, summary == ledger, after each of ${OPERATIONS} operations`, async () => {
    const organizationId = org.organizationId;
    const accounts: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      accounts.push(
        (
          await t.c.accounts.create(organizationId, null, {
            ownerName: `Owner ${i}`,
            ownerEmail: `o${i}@example.ca`,
          })
        ).id,
      );
    }
    const docs: { id: string; accountId: string; kind: string }[] = [];
    const allocationIds: string[] = [];
    const refused = { count: 0 };
    const accepted = { count: 0 };
    const expectRefusal = (err: unknown) => {
      if (!(err instanceof AppError) || (err.status !== 422 && err.status !== 404)) throw err;
      refused.count++;
    };

    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: OPERATIONS, maxLength: OPERATIONS }), async (ops) => {
        for (const o of ops) {
          if (o.type === 'invoice' || o.type === 'credit_note' || o.type === 'payment') {
            const accountId = accounts[o.account]!;
            const input = { amountMinor: BigInt(o.amount), date: '2026-03-01' };
            const doc =
              o.type === 'invoice'
                ? await t.c.documents.createInvoice(organizationId, null, accountId, input)
                : o.type === 'credit_note'
                  ? await t.c.documents.createCreditNote(organizationId, null, accountId, input)
                  : (
                      await t.c.payments.chargeOneOff({
                        organizationId,
                        actorId: null,
                        accountId,
                        method: 'cash',
                        ...input,
                      })
                    ).document;
            docs.push({ id: doc.id, accountId, kind: doc.kind });
          } else if (o.type === 'allocate' && docs.length > 1) {
            // Mostly a credit and a debit of one account; sometimes any pair: wrong sides, other accounts
            // and too-large amounts must all be refused, changing nothing.
            const mine = docs.filter((d) => d.accountId === accounts[o.account]);
            const credits = o.any
              ? docs
              : mine.filter((d) => d.kind === 'payment' || d.kind === 'credit_note');
            const debits = o.any ? docs : mine.filter((d) => d.kind === 'invoice' || d.kind === 'refund');
            if (credits.length === 0 || debits.length === 0) continue;
            const credit = credits[o.a % credits.length]!;
            const debit = debits[o.b % debits.length]!;
            await t.c.documents
              .allocate(organizationId, null, credit.accountId, {
                creditId: credit.id,
                debitId: debit.id,
                amountMinor: BigInt(o.amount),
              })
              .then((a) => {
                allocationIds.push(a.id);
                accepted.count++;
              }, expectRefusal);
          } else if (o.type === 'undo' && allocationIds.length > 0) {
            const [id] = allocationIds.splice(o.a % allocationIds.length, 1);
            await t.c.documents.deleteAllocation(organizationId, null, id!).catch(expectRefusal);
          } else if (o.type === 'refund') {
            const payments = docs.filter((d) => d.kind === 'payment');
            if (payments.length === 0) continue;
            const payment = payments[o.a % payments.length]!;
            await t.c.payments
              .refund({
                organizationId,
                actorId: null,
                accountId: payment.accountId,
                paymentId: payment.id,
                amountMinor: BigInt(o.amount),
              })
              .then(
                (r) => docs.push({ id: r.document!.id, accountId: payment.accountId, kind: 'refund' }),
                expectRefusal,
              );
            // A refund may release allocations of the payment: forget the ones that no longer exist.
            const alive = new Set(
              (
                await rows<{ id: string }>(
                  t.c.db,
                  sql`select id from allocations where organization_id = ${organizationId}`,
                )
              ).map((r) => r.id),
            );
            allocationIds.splice(0, allocationIds.length, ...[...alive]);
          }
          expect(await violations(organizationId)).toBe(0);
          expect(await findSummaryMismatches(t.c.db, organizationId)).toEqual([]);
        }
      }),
      { numRuns: 1, endOnFailure: true },
    );
    // The run exercised both paths: accepted and refused operations.
    expect(accepted.count).toBeGreaterThan(50);
    expect(refused.count).toBeGreaterThan(0);
  }, 600_000);
});
