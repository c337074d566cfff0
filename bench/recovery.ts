/**
 * Benchmark of recovery automation (issue 12, Performance). Run by hand, never in CI:
 *   npx tsx bench/recovery.ts                 # 100,000 open entries, 1,000 due; a year of 100,000 entries
 *   npx tsx bench/recovery.ts --due 200 --entries 20000 --runs 10
 *
 * On a scratch PostgreSQL database (created from BENCH_PG_URL, default postgres://root@127.0.0.1:5432/test,
 * dropped afterwards), with the sandbox gateway on, it prints:
 *   1. the automatic-retries run at `--entries` open entries of which `--due` are due: the claim's plan
 *      (EXPLAIN ANALYZE of its inner select: a range scan of `failed_transactions_retry_due`), and the run's
 *      wall time against the payments-due run charging `--due` scheduled payments, both measured in this run
 *      (target: ≤ 2×). The due entries and the due payments are made through the API (real subscriptions,
 *      cards, declines); the other open entries are written set-based with SQL.
 *   2. GET /api/v1/action-center/recovery for a year of data at `--entries` entries (another organization,
 *      written set-based: a realistic mix of open, recovered by each path, ignored): the median through the
 *      API (`app.inject`), the median of its facts query alone, and that query's EXPLAIN ANALYZE
 *      (target: ≤ 50 ms).
 * The machine is shared: the load average is printed before and after each measurement.
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { buildApp } from '../src/app/app';
import { createContainer } from '../src/app/container';
import { runInOrganization } from '../src/lib/organization-context';
import { recoveryAggregatesSql } from '../src/modules/failed-transactions/failed-transactions.repository';
import { presentRecovery, type RecoveryPathName } from '../src/modules/recovery/recovery-analytics';
import { recoverySummaryReadSql } from '../src/modules/recovery/recovery-summary';
import { loadConfig } from '../src/platform/config/config';
import { createOrg } from '../test/factories';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '100000' },
    due: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '30' },
    /** also EXPLAIN the reference statement (every failure of the year) */
    plan: { type: 'boolean', default: false },
    /** only part 2 (the recovery endpoint) */
    'analytics-only': { type: 'boolean', default: false },
  },
});
const ENTRIES = Number(args.entries);
const DUE = Number(args.due);
const RUNS = Number(args.runs);
const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');
async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const result = await work();
  return [Number(process.hrtime.bigint() - start) / 1e6, result];
}
/** `n` jobs, `width` at a time (the API setup: enough to overlap round trips, not to swamp 2 cores). */
async function inBatches(n: number, width: number, job: (i: number) => Promise<void>) {
  for (let i = 0; i < n; i += width) {
    await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, k) => job(i + k)));
  }
}

async function main() {
  const dbName = `recoup_bench_rc_${process.pid}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  console.log(`scratch database ${dbName}; load average ${load()}`);
  let close: (() => Promise<void>) | undefined;
  try {
    const config = loadConfig(
      {
        DATABASE_URL: url.toString(),
        RECOUP_SANDBOX: 'true',
        PUBLIC_URL: 'http://bench.test',
        RECOUP_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
        RECOUP_DATA_DIR: mkdtempSync(join(tmpdir(), 'recoup-bench-rc-')),
      },
      { ensureSecret: false },
    );
    const c = await createContainer(config, { workers: false, schedules: false, supervise: false });
    const app = await buildApp(c, { serveWeb: false });
    close = async () => {
      await app.close();
      await c.close();
    };
    const api = async (token: string, method: string, path: string, body?: unknown) => {
      const res = await app.inject({
        method: method as 'GET',
        url: path,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        payload: body ? JSON.stringify(body) : undefined,
      });
      if (res.statusCode >= 300) throw new Error(`${method} ${path} → ${res.statusCode} ${res.body}`);
      return res.body ? JSON.parse(res.body) : null;
    };
    const loader = new pg.Client({ connectionString: url.toString() });
    await loader.connect();

    let t = 0;
    if (!args['analytics-only']) {
      // ---- 1. automatic retries vs payments-due -------------------------------------------------------
      const org = await createOrg(c, { timezone: 'America/Toronto' });
      const token = org.adminToken;
      const O = org.organizationId;
      const subscribe = async (i: number, prefix: string, startDate: string, decline: boolean) => {
        const account = await api(token, 'POST', '/api/v1/accounts', {
          ownerName: `${prefix} ${i}`,
          ownerEmail: `${prefix.toLowerCase()}${i}@example.ca`,
        });
        const card = await api(token, 'POST', `/api/v1/accounts/${account.id}/payment-methods`, {
          type: 'card',
          number: '4242424242424242',
          expMonth: 12,
          expYear: 2040,
          cvc: '123',
          saveToWallet: true,
        });
        await api(token, 'POST', `/api/v1/accounts/${account.id}/subscriptions`, {
          amount: 2500 + (i % 50) * 100,
          interval: 'month',
          startDate,
          paymentMethodId: card.id,
        });
        if (decline) {
          await api(token, 'POST', `/api/v1/sandbox/payment-methods/${card.id}/next-outcome`, {
            outcome: 'card_declined',
          });
        }
      };
      [t] = await timed(async () => {
        await api(token, 'PUT', '/api/v1/sandbox/clock', { now: '2026-06-01T15:00:00Z' });
        await inBatches(DUE, 8, (i) => subscribe(i, 'Retry', '2026-06-01', true));
        // Jobs run in their organization's context, so its sandbox clock dates them (as src/app/jobs.ts does).
        await runInOrganization(O, () => c.schedules.runPaymentsDue(O)); // DUE soft declines: entries due for an automatic retry tomorrow
        // The next day, after the policy's local hour: the retries are due; DUE new subscriptions start today.
        await api(token, 'PUT', '/api/v1/sandbox/clock', { now: '2026-06-02T20:00:00Z' });
        await inBatches(DUE, 8, (i) => subscribe(i, 'Due', '2026-06-02', false));
      });
      const [{ n: dueEntries }] = (
        await loader.query(
          `select count(*)::int as n from failed_transactions
          where organization_id = $1 and status = 'open' and next_retry_at <= '2026-06-02T20:00:00Z'`,
          [O],
        )
      ).rows;
      console.log(
        `setup through the API: ${DUE} declined + ${DUE} due subscriptions in ${(t / 1000).toFixed(1)} s`,
      );
      console.log(`open entries due for an automatic retry: ${dueEntries}`);

      // The other open entries: not due (later this month, or never: waiting for a person), set-based.
      const fillers = ENTRIES - dueEntries;
      [t] = await timed(async () => {
        await loader.query('set session_replication_role = replica');
        await loader.query(
          `insert into accounts (organization_id, id, owner_name, owner_email, locale, created_at)
         select $1, 'acc_f' || lpad(i::text, 8, '0'), 'Filler ' || i, 'filler' || i || '@example.ca', 'fr-CA', now()
           from generate_series(1, $2::int) i`,
          [O, Math.ceil(fillers / 2)],
        );
        await loader.query(
          `insert into failed_transactions (organization_id, id, account_id, type, status, payment_id, amount_minor,
           currency, payment_method_type, reason_code, attempts, representments, first_failed_at, failed_at,
           original_at, created_at, next_retry_at, automatic_retries_left, automatic_retries)
         select $1, 'ft_f' || lpad(i::text, 8, '0'), 'acc_f' || lpad((1 + (i - 1) / 2)::text, 8, '0'),
           'subscription', 'open', 'pay_f' || i, 2500, 'CAD', 'card',
           case when i % 2 = 0 then 'card_declined' else 'expired_card' end, 1, 0,
           timestamptz '2026-06-01T15:00:00Z' - (i % 28) * interval '1 day',
           timestamptz '2026-06-01T15:00:00Z' - (i % 28) * interval '1 day',
           timestamptz '2026-06-01T15:00:00Z' - (i % 28) * interval '1 day', now(),
           case when i % 2 = 0 then timestamptz '2026-06-03T14:00:00Z' + (i % 27) * interval '1 day' end,
           case when i % 2 = 0 then 3 else 0 end, 1
           from generate_series(1, $2::int) i`,
          [O, fillers],
        );
        await loader.query('set session_replication_role = origin');
        await loader.query('analyze');
      });
      console.log(`${fillers} more open entries, not due, written set-based in ${(t / 1000).toFixed(1)} s`);

      const claimSelect = `select f.id from failed_transactions f
        where f.organization_id = $1 and f.status = 'open' and f.next_retry_at is not null
          and f.next_retry_at <= '2026-06-02T20:00:00Z'::timestamptz
          and not exists (select 1 from dunning_pauses p
                           where p.organization_id = f.organization_id and p.account_id = f.account_id
                             and p.ends_at > '2026-06-02T20:00:00Z'::timestamptz)
        order by f.next_retry_at, f.id limit 100 for update skip locked`;
      const plan = await loader.query(`explain (analyze, buffers, costs off) ${claimSelect}`, [O]);
      console.log('\nEXPLAIN ANALYZE of the automatic-retries claim (one page of 100):');
      for (const r of plan.rows) console.log(`  ${r['QUERY PLAN']}`);

      console.log(`\nload average before the runs: ${load()}`);
      const [dueMs, dueResult] = await timed(() => runInOrganization(O, () => c.schedules.runPaymentsDue(O)));
      console.log(`payments-due run: ${(dueMs / 1000).toFixed(2)} s — ${JSON.stringify(dueResult)}`);
      const [retryMs, retryResult] = await timed(() =>
        runInOrganization(O, () => c.recovery.runAutomaticRetries(O)),
      );
      const { reminders: _r, ...counts } = retryResult;
      console.log(`automatic-retries run: ${(retryMs / 1000).toFixed(2)} s — ${JSON.stringify(counts)}`);
      console.log(
        `ratio automatic-retries / payments-due: ${(retryMs / dueMs).toFixed(2)}× (target ≤ 2×); load average ${load()}`,
      );
      // The scheduled job also brings RC7's summary up to date after the run (recovery.jobs.ts). Built once
      // for the organization first (its first catch-up), then what the run itself reported.
      const [buildMs] = await timed(() => c.recoverySummary.rebuild(O, 'America/Toronto'));
      await loader.query(
        `insert into recovery_changes (organization_id, account_id)
         select organization_id, account_id from failed_transactions
          where organization_id = $1 and status = 'resolved' and recovered_by = 'automatic_retry'`,
        [O],
      );
      const [catchUpMs, caught] = await timed(() => c.recoverySummary.catchUp(O, 'America/Toronto'));
      console.log(
        `the job's summary catch-up after the run: ${catchUpMs.toFixed(0)} ms (${caught.rebuilt ? 'rebuilt' : `${caught.days} days`}; the organization's first build ${buildMs.toFixed(0)} ms); with it the ratio is ${((retryMs + catchUpMs) / dueMs).toFixed(2)}×`,
      );
    }

    // ---- 2. the recovery endpoint over a year -----------------------------------------------------------
    const yearOrg = await createOrg(c, { timezone: 'America/Toronto' });
    const Y = yearOrg.organizationId;
    [t] = await timed(async () => {
      await loader.query('set session_replication_role = replica');
      await loader.query(
        `insert into accounts (organization_id, id, owner_name, owner_email, locale, created_at)
         select $1, 'acc_y' || lpad(i::text, 8, '0'), 'Year ' || i, 'year' || i || '@example.ca', 'en-CA', now()
           from generate_series(1, $2::int) i`,
        [Y, Math.ceil(ENTRIES / 2)],
      );
      // A year of failures, ~275 a day; 55 % recovered (by each path in turn), 10 % ignored, the rest open.
      await loader.query(
        `insert into failed_transactions (organization_id, id, account_id, type, status, payment_id, amount_minor,
           currency, payment_method_type, reason_code, attempts, representments, first_failed_at, failed_at,
           original_at, created_at, recovered_by, resolved_at, ignored_at, last_transaction_id,
           automatic_retries_left, automatic_retries)
         select $1, 'ft_y' || lpad(i::text, 8, '0'), 'acc_y' || lpad((1 + (i - 1) / 2)::text, 8, '0'),
           case when i % 3 = 0 then 'installment' else 'subscription' end,
           case when i % 20 < 11 then 'resolved' when i % 20 < 13 then 'ignored' else 'open' end,
           'pay_y' || i, 1000 + (i % 90) * 100, 'CAD', case when i % 10 < 8 then 'card' else 'echeck' end,
           (array['insufficient_funds','card_declined','expired_card','do_not_honor','R01'])[1 + i % 5], 2, 0,
           timestamptz '2025-06-02T15:00:00Z' + (i::float8 / $2::int) * interval '364 days',
           timestamptz '2025-06-02T15:00:00Z' + (i::float8 / $2::int) * interval '364 days',
           timestamptz '2025-06-02T15:00:00Z' + (i::float8 / $2::int) * interval '364 days', now(),
           case when i % 20 < 11 then (array['automatic_retry','manual_retry','card_update'])[1 + i % 3] end,
           case when i % 20 < 11 then timestamptz '2025-06-02T15:00:00Z' + (i::float8 / $2::int) * interval '364 days' + (1 + i % 9) * interval '1 day' end,
           case when i % 20 between 11 and 12 then timestamptz '2025-06-02T15:00:00Z' + (i::float8 / $2::int) * interval '364 days' + interval '5 days' end,
           case when i % 20 < 11 then 'txn_y' || i end, 0, 1
           from generate_series(1, $2::int) i`,
        [Y, ENTRIES],
      );
      // The attempts that recovered them (the facts query reads each one's amount).
      await loader.query(
        `insert into transactions (organization_id, id, account_id, kind, purpose, status, obligation_id, amount_minor,
           currency, idempotency_key, failed_transaction_id, created_at)
         select f.organization_id, f.last_transaction_id, f.account_id, 'charge', 'retry', 'succeeded', null,
           f.amount_minor, 'CAD', 'bench:' || f.id, f.id, f.resolved_at
           from failed_transactions f where f.organization_id = $1 and f.last_transaction_id is not null`,
        [Y],
      );
      await loader.query('set session_replication_role = origin');
      await loader.query('analyze');
    });
    console.log(
      `\na year of ${ENTRIES} entries (another organization) written set-based in ${(t / 1000).toFixed(1)} s`,
    );

    const path = '/api/v1/action-center/recovery?from=2025-06-02&to=2026-06-01';
    const YEAR_FROM = new Date('2025-06-02T04:00:00Z');
    const YEAR_TO = new Date('2026-06-02T04:00:00Z');
    const YEAR_TZ = 'America/Toronto';
    // The summary (recovery-summary.ts): built whole once for the bulk-written year, then caught up.
    const [rebuildMs] = await timed(() => c.recoverySummary.rebuild(Y, YEAR_TZ));
    const summaryRows = await loader.query(
      `select (select count(*) from recovery_daily where organization_id = $1)::int as daily,
              (select count(*) from recovery_daily_durations where organization_id = $1)::int as durations`,
      [Y],
    );
    console.log(
      `the recovery summary built for the year in ${rebuildMs.toFixed(0)} ms: ${summaryRows.rows[0].daily} day rows, ${summaryRows.rows[0].durations} histogram rows`,
    );
    // What a catch-up costs: accounts reported as changed (as the account lock reports them), then one read.
    for (const accounts of [1, 10, 100]) {
      await loader.query(
        `insert into recovery_changes (organization_id, account_id)
         select $1, 'acc_y' || lpad((1 + (i * 7919) % $3::int)::text, 8, '0') from generate_series(1, $2::int) i`,
        [Y, accounts, Math.ceil(ENTRIES / 2)],
      );
      const [ms, done] = await timed(() => c.recoverySummary.catchUp(Y, YEAR_TZ));
      console.log(
        `  catch-up after ${accounts} changed account(s): ${ms.toFixed(1)} ms (${done.rebuilt ? 'rebuilt' : `${done.days} days recomputed`})`,
      );
    }
    // The reference statement (every failure read), and the summary's read alone.
    const facts = () => c.failedTransactions.repository.recoveryAggregates(Y, YEAR_FROM, YEAR_TO, YEAR_TZ);
    const summaryRead = () => c.recoverySummary.aggregates(Y, '2025-06-02', '2026-06-01', YEAR_TZ);
    for (let i = 0; i < 3; i++) await api(yearOrg.adminToken, 'GET', path); // warm-up
    console.log(`load average before: ${load()}`);
    const apiTimes: number[] = [];
    const summaryTimes: number[] = [];
    let body: { failedCount?: unknown } | null = null;
    for (let i = 0; i < RUNS; i++) {
      const [a, b] = await timed(() => api(yearOrg.adminToken, 'GET', path));
      apiTimes.push(a);
      body = b;
      const [s] = await timed(summaryRead);
      summaryTimes.push(s);
    }
    const sqlTimes: number[] = [];
    for (let i = 0; i < Math.min(RUNS, 5); i++) sqlTimes.push((await timed(facts))[0]);
    console.log(`GET ${path}: median ${median(apiTimes).toFixed(1)} ms over ${RUNS} runs (target ≤ 50 ms)`);
    console.log(
      `  the summary's read alone (catch-up check + read): median ${median(summaryTimes).toFixed(1)} ms`,
    );
    console.log(
      `  the reference statement over every failure (recoveryAggregates): median ${median(sqlTimes).toFixed(1)} ms`,
    );
    const [reference, fromSummary] = await Promise.all([facts(), summaryRead()]);
    const same =
      JSON.stringify(
        presentRecovery({
          ...reference,
          paths: reference.paths as Map<RecoveryPathName, { count: number; amount: bigint }>,
        }),
      ) === JSON.stringify(presentRecovery(fromSummary));
    console.log(`  the summary's answer equals the reference statement's: ${same}`);
    console.log(`  answer: failedCount ${JSON.stringify(body?.failedCount)}; load average after: ${load()}`);
    const plans: [string, SQL][] = [
      ['the summary read', recoverySummaryReadSql(Y, '2025-06-02', '2026-06-01')],
    ];
    if (args.plan)
      plans.push(['the reference statement', recoveryAggregatesSql(Y, YEAR_FROM, YEAR_TO, YEAR_TZ)]);
    for (const [name, query] of plans) {
      const statement = new PgDialect().sqlToQuery(query);
      const plan = await loader.query(
        `explain (analyze, buffers, costs off) ${statement.sql}`,
        statement.params,
      );
      console.log(`EXPLAIN ANALYZE of ${name}:`);
      for (const r of plan.rows) console.log(`  ${r['QUERY PLAN']}`);
    }
    await loader.end();
  } finally {
    await close?.();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
