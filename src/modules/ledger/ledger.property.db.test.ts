import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { createTestContext, type TestContext } from '../../../test/harness';
import { AppError } from '../../lib/errors';
import { big, type Db, int, rows } from '../../platform/db/db';
import { countedCreditsSql, countedDebitsSql, findSummaryMismatches } from '../reconciliation/summary';

/**
 * Thousands of random ledger operations (documents, allocations, undos, refunds, through the same
 * services the routes use, one transaction each), with every invariant checked after each one on the
 * accounts it touched, and on the whole organization every FULL_CHECK_EVERY operations and at the end.
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

/**
 * Broken invariants among the documents of one account (or of the whole organization): open amount ≠
 * amount − allocations or < 0; an allocation that is not posted credit → posted debit of its own
 * account; refunds beyond their payment. Set-based (allocations summed once per document), so one
 * check costs a few milliseconds however long the run.
 */
async function violations(organizationId: string, accountId?: string, db: Db = t.c.db): Promise<number> {
  const ofAccount = accountId ? sql`and account_id = ${accountId}` : sql``;
  const [found] = await rows<{ n: unknown }>(
    db,
    sql`with docs as (
          select id, kind, amount_minor, open_minor from documents
           where organization_id = ${organizationId} ${ofAccount}),
        touching as (
          select a.* from allocations a
           where a.organization_id = ${organizationId}
             and (a.credit_id in (select id from docs) or a.debit_id in (select id from docs))),
        allocated as (
          select doc_id, sum(amount_minor) as total from (
            select credit_id as doc_id, amount_minor from touching
            union all
            select debit_id, amount_minor from touching) x
           group by doc_id),
        refunded as (
          select refunded_document_id as id, sum(amount_minor) as total from documents
           where organization_id = ${organizationId} and kind = 'refund' ${ofAccount}
           group by refunded_document_id)
    select (
      select count(*) from docs d left join allocated x on x.doc_id = d.id
       where d.open_minor < 0 or d.open_minor <> d.amount_minor - coalesce(x.total, 0)
    ) + (
      select count(*) from touching a
        left join documents c on c.organization_id = a.organization_id and c.id = a.credit_id
        left join documents b on b.organization_id = a.organization_id and b.id = a.debit_id
       where c.id is null or b.id is null
          or c.side <> 'credit' or b.side <> 'debit' or c.account_id <> a.account_id or b.account_id <> a.account_id
          or c.status <> 'posted' or b.status <> 'posted'
    ) + (
      select count(*) from docs p join refunded r on r.id = p.id
       where p.kind <> 'payment' or p.amount_minor < r.total
    ) as n`,
  );
  return int(found?.n);
}

/** The account's stored reconciliation summary against the same figures computed from its documents. */
async function summaryOf(organizationId: string, accountId: string) {
  const [row] = await rows<Record<string, unknown>>(
    t.c.db,
    sql`with debits as (${countedDebitsSql(organizationId, accountId)}),
             credits as (${countedCreditsSql(organizationId, accountId)})
        select (select count(*) from debits where counted_minor > 0) as debit_count,
               (select coalesce(sum(counted_minor), 0) from debits) as debit_minor,
               (select count(*) from credits) as credit_count,
               (select coalesce(sum(counted_minor), 0) from credits) as credit_minor,
               s.debit_count as s_debit_count, s.debit_minor as s_debit_minor,
               s.credit_count as s_credit_count, s.credit_minor as s_credit_minor
          from (select 1) one
          left join account_reconciliation s on s.organization_id = ${organizationId} and s.account_id = ${accountId}`,
  );
  const r = row ?? {};
  // No row yet is the same as an all-zero row.
  return {
    stored: [
      int(r.s_debit_count ?? 0),
      big(r.s_debit_minor ?? 0),
      int(r.s_credit_count ?? 0),
      big(r.s_credit_minor ?? 0),
    ],
    computed: [int(r.debit_count), big(r.debit_minor), int(r.credit_count), big(r.credit_minor)],
  };
}

/** Cheap after every operation: the accounts it touched. */
async function checkAccounts(organizationId: string, accountIds: Iterable<string>) {
  for (const accountId of new Set(accountIds)) {
    expect(await violations(organizationId, accountId)).toBe(0);
    const { stored, computed } = await summaryOf(organizationId, accountId);
    expect(stored).toEqual(computed);
  }
}

/** The whole organization, as the doctor sees it. */
async function checkOrganization(organizationId: string) {
  expect(await violations(organizationId)).toBe(0);
  expect(await findSummaryMismatches(t.c.db, organizationId)).toEqual([]);
}

const FULL_CHECK_EVERY = 100;

describe('ledger invariants under random operations', () => {
  it(`open = amount − allocations ≥ 0, credit→debit of one account, summary == ledger, after each of ${OPERATIONS} operations (touched accounts each time, the organization every ${FULL_CHECK_EVERY})`, async () => {
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
    const allocationIds: { id: string; accountId: string }[] = [];
    const refused = { count: 0 };
    const accepted = { count: 0 };
    const expectRefusal = (err: unknown) => {
      if (!(err instanceof AppError) || (err.status !== 422 && err.status !== 404)) throw err;
      refused.count++;
    };

    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: OPERATIONS, maxLength: OPERATIONS }), async (ops) => {
        for (const [n, o] of ops.entries()) {
          const touched: string[] = [];
          if (o.type === 'invoice' || o.type === 'credit_note' || o.type === 'payment') {
            const accountId = accounts[o.account]!;
            touched.push(accountId);
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
            touched.push(credit.accountId, debit.accountId);
            await t.c.documents
              .allocate(organizationId, null, credit.accountId, {
                creditId: credit.id,
                debitId: debit.id,
                amountMinor: BigInt(o.amount),
              })
              .then((a) => {
                allocationIds.push({ id: a.id, accountId: a.accountId });
                accepted.count++;
              }, expectRefusal);
          } else if (o.type === 'undo' && allocationIds.length > 0) {
            const [undone] = allocationIds.splice(o.a % allocationIds.length, 1);
            touched.push(undone!.accountId);
            await t.c.documents.deleteAllocation(organizationId, null, undone!.id).catch(expectRefusal);
          } else if (o.type === 'refund') {
            const payments = docs.filter((d) => d.kind === 'payment');
            if (payments.length === 0) continue;
            const payment = payments[o.a % payments.length]!;
            touched.push(payment.accountId);
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
            const alive = await rows<{ id: string; account_id: string }>(
              t.c.db,
              sql`select id, account_id from allocations where organization_id = ${organizationId}`,
            );
            allocationIds.splice(
              0,
              allocationIds.length,
              ...alive.map((r) => ({ id: r.id, accountId: r.account_id })),
            );
          }
          await checkAccounts(organizationId, touched);
          if ((n + 1) % FULL_CHECK_EVERY === 0) await checkOrganization(organizationId);
        }
        await checkOrganization(organizationId);
      }),
      { numRuns: 1, endOnFailure: true },
    );
    // The check is not vacuous: one open amount put out of step (then rolled back) is found.
    const rollback = new Error('rollback');
    await t.c.db
      .transaction(async (tx) => {
        const [doc] = await rows<{ id: string; account_id: string }>(
          tx,
          sql`select id, account_id from documents where organization_id = ${organizationId} and open_minor > 0 limit 1`,
        );
        await tx.execute(sql`update documents set open_minor = open_minor - 1
                              where organization_id = ${organizationId} and id = ${doc!.id}`);
        expect(await violations(organizationId, doc!.account_id, tx)).toBe(1);
        expect(await violations(organizationId, undefined, tx)).toBe(1);
        throw rollback;
      })
      .catch((err) => {
        if (err !== rollback) throw err;
      });
    expect(await violations(organizationId)).toBe(0);
    // The run exercised both paths: accepted and refused operations.
    expect(accepted.count).toBeGreaterThan(50);
    expect(refused.count).toBeGreaterThan(0);
  }, 600_000);
});
