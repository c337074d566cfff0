import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { createTestContext, type TestContext } from '../../../test/harness';
import { addDays } from '../../lib/dates';
import { rows } from '../../platform/db/db';
import { lockAccount } from '../accounts/account-lock';
import {
  aggregateFacts,
  presentRecovery,
  type RecoveryAggregates,
  type RecoveryPathName,
} from '../recovery/recovery-analytics';
import { zonedInstant } from '../recovery/retry-policy';

/**
 * RC7: the recovery analytics aggregated in one SQL statement (`recoveryAggregates`) answer exactly what
 * the Node reference answers from the per-failure facts (`recoveryFacts`, folded by `outcomeOf` and
 * `aggregateFacts`), on random entries, invoices and attempts: every status and recovery origin (and an
 * unknown one), portal payments that succeeded, settled or failed, invoices paid elsewhere, refunds and
 * failures outside the range (not counted), instants with microseconds (a JS Date truncates them) and
 * shared first-failure instants (the order reasons first appear in, for equal counts).
 */
let t: TestContext;
let org: TestOrg;
const ACCOUNT = 'acc_rc7_prop';
/** the accounts the failures belong to (the summary recomputes the days of the accounts that changed) */
const ACCOUNTS = [ACCOUNT, `${ACCOUNT}_1`, `${ACCOUNT}_2`];

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c);
  for (const account of ACCOUNTS) {
    await rows(
      t.c.db,
      sql`insert into accounts (organization_id, id, owner_name, owner_email, locale, created_at)
          values (${org.organizationId}, ${account}, 'Property', 'property@example.ca', 'en-CA', now())`,
    );
  }
});
afterAll(async () => t?.close());

const FROM = Date.parse('2026-03-01T05:00:00Z');
const TO = FROM + 28 * 86_400_000;
const HOUR = 3_600_000;

/** An instant around the range, with microseconds: `ms` from FROM (hours apart, so instants repeat). */
const instant = fc.record({
  hours: fc.integer({ min: -72, max: 28 * 24 + 72 }),
  minutes: fc.constantFrom(0, 59),
  micros: fc.integer({ min: 0, max: 999_999 }),
});
type Instant = { hours: number; minutes: number; micros: number };
function text(i: Instant): string {
  const ms = FROM + i.hours * HOUR + i.minutes * 60_000 + Math.floor(i.micros / 1000);
  return new Date(ms).toISOString().replace('Z', `${String(i.micros % 1000).padStart(3, '0')}Z`);
}

const attempt = fc.record({
  status: fc.constantFrom('succeeded', 'settled', 'failed', 'processing'),
  amount: fc.integer({ min: 1, max: 50_000 }),
  at: instant,
});
const failure = fc.record({
  type: fc.constantFrom('subscription', 'subscription', 'installment', 'refund'),
  status: fc.constantFrom('open', 'retrying', 'resolved', 'resolved', 'ignored', 'rescheduled'),
  recoveredBy: fc.constantFrom(
    null,
    'automatic_retry',
    'manual_retry',
    'card_update',
    'portal_payment',
    'paid_elsewhere',
    'something_else',
  ),
  method: fc.constantFrom('card', 'echeck'),
  reason: fc.constantFrom('card_declined', 'expired_card', 'insufficient_funds', 'R01'),
  amount: fc.integer({ min: 1, max: 100_000 }),
  firstFailedAt: fc.oneof(instant, fc.constant({ hours: 30, minutes: 0, micros: 500 })),
  resolvedAt: fc.option(instant),
  ignoredAt: fc.option(instant),
  /** null: no invoice; otherwise the invoice's open amount (0: paid elsewhere) */
  invoiceOpen: fc.option(fc.constantFrom(0, 0, 1, 700)),
  last: fc.option(attempt),
  portal: fc.array(attempt, { maxLength: 2 }),
  account: fc.integer({ min: 0, max: ACCOUNTS.length - 1 }),
});
const scenario = fc.record({
  failures: fc.array(failure, { maxLength: 30 }),
  timeZone: fc.constantFrom(
    'America/Toronto',
    'America/Vancouver',
    'UTC',
    'Asia/Kolkata',
    'Pacific/Auckland',
    // its local midnight is skipped on 2026-03-08 (DST starts at 00:00)
    'America/Havana',
  ),
});

let run = 0;
type Failure = typeof failure extends fc.Arbitrary<infer F> ? F : never;

/** A fresh set of entries, invoices and attempts for the organization. */
async function seed(failures: Failure[]) {
  const O = org.organizationId;
  run++;
  await rows(t.c.db, sql`delete from transactions where organization_id = ${O}`);
  await rows(t.c.db, sql`delete from failed_transactions where organization_id = ${O}`);
  await rows(t.c.db, sql`delete from documents where organization_id = ${O}`);
  for (const [i, f] of failures.entries()) {
    const id = `ft_p${run}_${String(i).padStart(3, '0')}`;
    const invoiceId = f.invoiceOpen === null ? null : `doc_p${run}_${i}`;
    if (invoiceId) {
      await rows(
        t.c.db,
        sql`insert into documents (organization_id, id, account_id, kind, side, amount_minor, open_minor, currency,
              date, created_at)
            values (${O}, ${invoiceId}, ${ACCOUNT}, 'invoice', 'debit', 1000, ${f.invoiceOpen}, 'CAD', '2026-03-01', now())`,
      );
    }
    const lastId = f.last ? `txn_p${run}_${i}_last` : null;
    const first = text(f.firstFailedAt);
    await rows(
      t.c.db,
      sql`insert into failed_transactions (organization_id, id, account_id, type, status, payment_id, amount_minor,
            currency, payment_method_type, reason_code, attempts, representments, first_failed_at, failed_at,
            original_at, created_at, recovered_by, resolved_at, ignored_at, last_transaction_id, invoice_id,
            automatic_retries_left, automatic_retries)
          values (${O}, ${id}, ${ACCOUNTS[f.account]}, ${f.type}, ${f.status}, ${`pay_p${run}_${i}`}, ${f.amount}, 'CAD',
            ${f.method}, ${f.reason}, 1, 0, ${first}::timestamptz, ${first}::timestamptz, ${first}::timestamptz,
            now(), ${f.recoveredBy}, ${f.resolvedAt ? text(f.resolvedAt) : null}::timestamptz,
            ${f.ignoredAt ? text(f.ignoredAt) : null}::timestamptz, ${lastId}, ${invoiceId}, 0, 1)`,
    );
    const attempts = [
      ...(f.last ? [{ ...f.last, id: lastId!, purpose: 'retry' }] : []),
      ...f.portal.map((p, k) => ({ ...p, id: `txn_p${run}_${i}_portal${k}`, purpose: 'portal' })),
    ];
    for (const a of attempts) {
      await rows(
        t.c.db,
        sql`insert into transactions (organization_id, id, account_id, kind, purpose, status, amount_minor, currency,
              idempotency_key, failed_transaction_id, created_at)
            values (${O}, ${a.id}, ${ACCOUNT}, 'charge', ${a.purpose}, ${a.status}, ${a.amount}, 'CAD',
              ${`prop:${a.id}`}, ${id}, ${text(a.at)}::timestamptz)`,
      );
    }
  }
}

describe('recoveryAggregates (RC7) against the Node aggregation', () => {
  it('answers the same figures on random entries', async () => {
    const repo = t.c.failedTransactions.repository;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ failures, timeZone }) => {
        await seed(failures);
        const from = new Date(FROM);
        const to = new Date(TO);
        const reference = aggregateFacts(await repo.recoveryFacts(org.organizationId, from, to), timeZone);
        const found = await repo.recoveryAggregates(org.organizationId, from, to, timeZone);
        const inSql: RecoveryAggregates = {
          ...found,
          paths: found.paths as Map<RecoveryPathName, { count: number; amount: bigint }>,
        };
        expect(presentRecovery(inSql)).toEqual(presentRecovery(reference));
        // The reasons in the order they first appear (what the stable sort keeps for equal counts).
        expect(inSql.reasons.map(([code]) => code)).toEqual(reference.reasons.map(([code]) => code));
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 25) },
    );
  });
});

/** RC7 by the reference statement over the local days [fromDay, toDay], as the endpoint presents it. */
async function referenceOver(fromDay: string, toDay: string, timeZone: string) {
  const found = await t.c.failedTransactions.repository.recoveryAggregates(
    org.organizationId,
    zonedInstant(fromDay, 0, timeZone),
    zonedInstant(addDays(toDay, 1), 0, timeZone),
    timeZone,
  );
  return { ...found, paths: found.paths as Map<RecoveryPathName, { count: number; amount: bigint }> };
}

async function expectSummaryMatches(fromDay: string, toDay: string, timeZone: string) {
  const reference = await referenceOver(fromDay, toDay, timeZone);
  const summary = await t.c.recoverySummary.aggregates(org.organizationId, fromDay, toDay, timeZone);
  expect(presentRecovery(summary)).toEqual(presentRecovery(reference));
  expect(summary.reasons.map(([code]) => code)).toEqual(reference.reasons.map(([code]) => code));
}

/** What a writer of another module does to a failure's outcome, under the account lock as they all do. */
const change = fc.record({
  failure: fc.nat(),
  kind: fc.constantFrom('resolve', 'ignore', 'invoice_paid', 'portal', 'attempt_refunded', 'reopen'),
});
type Change = typeof change extends fc.Arbitrary<infer C> ? C : never;

async function applyChange(c: Change, failures: Failure[]) {
  const O = org.organizationId;
  const i = c.failure % failures.length;
  const f = failures[i]!;
  const id = `ft_p${run}_${String(i).padStart(3, '0')}`;
  await t.c.db.transaction(async (tx) => {
    await lockAccount(tx, O, ACCOUNTS[f.account]!);
    if (c.kind === 'resolve') {
      await tx.execute(sql`update failed_transactions set status = 'resolved', recovered_by = 'card_update',
        resolved_at = first_failed_at + interval '2 days 3 hours' where organization_id = ${O} and id = ${id}`);
    } else if (c.kind === 'ignore') {
      await tx.execute(sql`update failed_transactions set status = 'ignored', ignored_at = first_failed_at + interval '1 day'
        where organization_id = ${O} and id = ${id}`);
    } else if (c.kind === 'reopen') {
      await tx.execute(sql`update failed_transactions set status = 'open', recovered_by = null
        where organization_id = ${O} and id = ${id}`);
    } else if (c.kind === 'invoice_paid') {
      await tx.execute(sql`update documents set open_minor = 0 where organization_id = ${O}
        and id = (select invoice_id from failed_transactions where organization_id = ${O} and id = ${id})`);
    } else if (c.kind === 'portal') {
      await tx.execute(sql`insert into transactions (organization_id, id, account_id, kind, purpose, status,
          amount_minor, currency, idempotency_key, failed_transaction_id, created_at)
        select ${O}, ${`${id}_portal_${c.failure}`}, account_id, 'charge', 'portal', 'succeeded', 321, 'CAD',
               ${`prop:${id}:portal:${c.failure}`}, id, first_failed_at + interval '4 hours'
          from failed_transactions where organization_id = ${O} and id = ${id}
        on conflict do nothing`);
    } else {
      await tx.execute(sql`update transactions set status = 'refunded' where organization_id = ${O}
        and id = (select last_transaction_id from failed_transactions where organization_id = ${O} and id = ${id})`);
    }
  });
}

const dayRange = fc.record({
  start: fc.integer({ min: -4, max: 29 }),
  length: fc.integer({ min: 0, max: 33 }),
});

describe('the recovery summary (RC7, issue 12) against the reference statement', () => {
  it('answers the same figures over any local days, built whole and then caught up with changes', async () => {
    const summary = t.c.recoverySummary;
    await fc.assert(
      fc.asyncProperty(
        scenario,
        dayRange,
        fc.array(change, { maxLength: 6 }),
        async ({ failures, timeZone }, range, changes) => {
          await seed(failures);
          const fromDay = addDays('2026-03-01', range.start);
          const toDay = addDays(fromDay, range.length);
          await summary.rebuild(org.organizationId, timeZone);
          await expectSummaryMatches(fromDay, toDay, timeZone);
          if (failures.length === 0) return;
          for (const c of changes) await applyChange(c, failures);
          // Only the days of the changed accounts' failures are recomputed.
          const changedAccounts = new Set(changes.map((c) => failures[c.failure % failures.length]!.account));
          const accounts = [...changedAccounts].map((a) => sql`${ACCOUNTS[a]}`);
          const days =
            accounts.length === 0
              ? 0
              : (
                  await rows<{ days: number }>(
                    t.c.db,
                    sql`select count(distinct (first_failed_at at time zone ${timeZone})::date)::int as days
                          from failed_transactions where organization_id = ${org.organizationId}
                           and type <> 'refund' and account_id in (${sql.join(accounts, sql`, `)})`,
                  )
                )[0]!.days;
          const caughtUp = await summary.catchUp(org.organizationId, timeZone);
          expect(caughtUp).toEqual({ rebuilt: false, days });
          await expectSummaryMatches(fromDay, toDay, timeZone);
          // Nothing reported since: the next read recomputes nothing.
          expect(await summary.catchUp(org.organizationId, timeZone)).toEqual({ rebuilt: false, days: 0 });
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 25) },
    );
  });

  it("is rebuilt when the organization's time zone is not the one its days were cut in", async () => {
    const failures = fc.sample(failure, { numRuns: 20, seed: 7 });
    await seed(failures);
    await t.c.recoverySummary.rebuild(org.organizationId, 'America/Toronto');
    const caughtUp = await t.c.recoverySummary.catchUp(org.organizationId, 'Pacific/Auckland');
    expect(caughtUp.rebuilt).toBe(true);
    await expectSummaryMatches('2026-03-01', '2026-03-28', 'Pacific/Auckland');
  });

  it('loses no change made while it catches up (writers and catch-ups at once)', async () => {
    const failures = fc
      .sample(failure, { numRuns: 30, seed: 11 })
      .map((f): Failure => ({ ...f, type: 'subscription', status: 'open', recoveredBy: null }));
    await seed(failures);
    const O = org.organizationId;
    await t.c.recoverySummary.rebuild(O, 'America/Toronto');
    const writers = failures.map((f, i) =>
      t.c.db.transaction(async (tx) => {
        await lockAccount(tx, O, ACCOUNTS[f.account]!);
        await tx.execute(sql`select pg_sleep(${(i % 5) / 100})`);
        await tx.execute(sql`update failed_transactions set status = 'resolved', recovered_by = 'automatic_retry',
          resolved_at = first_failed_at + ${`${1 + (i % 4)} days`}::interval
          where organization_id = ${O} and id = ${`ft_p${run}_${String(i).padStart(3, '0')}`}`);
      }),
    );
    const readers = Array.from({ length: 6 }, () => t.c.recoverySummary.catchUp(O, 'America/Toronto'));
    await Promise.all([...writers, ...readers]);
    const resolved = await rows<{ n: number }>(
      t.c.db,
      sql`select count(*)::int as n from failed_transactions where organization_id = ${O} and status = 'resolved'`,
    );
    expect(resolved[0]!.n).toBe(failures.length);
    await expectSummaryMatches('2026-02-20', '2026-04-05', 'America/Toronto');
  });
});
