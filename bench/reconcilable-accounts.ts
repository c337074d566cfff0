/**
 * Benchmark of section 3 (reconcilable accounts): the reconcilable accounts list from the per-account summary against the
 * best on-the-fly aggregate, the API's overhead, reconciles per second, the summary's cost on postings and
 * the bulk job. Run by hand, never in CI; it prints its figures.
 *
 *   npx tsx bench/reconcilable-accounts.ts                          # PostgreSQL, 10k then 100k accounts
 *   npx tsx bench/reconcilable-accounts.ts --accounts 1000000       # 1 M accounts, ~9 M documents
 *   npx tsx bench/reconcilable-accounts.ts --sizes 10000,100000,1000000
 *   npx tsx bench/reconcilable-accounts.ts --db pglite --accounts 100000
 *
 * Documents: about 9 per account (10 M documents ≈ --accounts 1100000). Each size gets a scratch database
 * `recoup_bench_<pid>_<size>` created from postgres://root@127.0.0.1:5432/test (BENCH_PG_URL overrides) and
 * dropped at the end. The realistic mix per 100 accounts: 89 fully reconciled (5 invoice/payment pairs
 * allocated), 3 reconcilable (one in three with a zero balance), 3 with only open debits, 2 with only open
 * credits, 3 with an invoice fully covered by an installment plan (RA2: not listed).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import Fastify from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/app/app';
import { createContainer } from '../src/app/container';
import { ownerSortSql } from '../src/modules/accounts/owner-sort';
import { LedgerService } from '../src/modules/ledger/ledger.service';
import { refreshAllReconciliationSummaries } from '../src/modules/reconciliation/summary';
import { loadConfig } from '../src/platform/config/config';
import { createDb, type Database, type Db, migrateDb, rows } from '../src/platform/db/db';
import { compareOverHttp, httpLine } from './http-load';

const { values: args } = parseArgs({
  options: {
    accounts: { type: 'string' },
    sizes: { type: 'string' },
    db: { type: 'string', default: 'pg' },
    'no-verify': { type: 'boolean', default: false },
  },
});
const kind = args.db === 'pglite' ? 'pglite' : 'pg';
const sizes = (args.accounts ?? args.sizes ?? '10000,100000').split(',').map((s) => Number(s.trim()));
const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';

const urlFor = (name: string) => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
};

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
const ms = (n: number) => `${n.toFixed(3)} ms`;

async function timeIt<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const result = await work();
  return [Number(process.hrtime.bigint() - start) / 1e6, result];
}

/** Set-based generator: one organization, `n` accounts, the mix described above. */
async function generate(db: Db, org: string, n: number) {
  const acc = sql.raw(`'acc_' || lpad(g::text, 12, '0')`);
  const t0 = sql.raw(`'2026-01-01 12:00:00+00'::timestamptz`);
  await db.execute(sql`
    insert into accounts (organization_id, id, owner_name, owner_email, locale, created_at)
    select ${org}, ${acc},
      (array['Émile','Zoé','Marie','Léa','Jean','Noël','Chloé','Hélène','Éric','Anaïs'])[1 + g % 10] || ' ' ||
      (array['Roy','Tremblay','Gagnon','Côté','Bouchard','Gauthier','Morin','Lavoie','Fortin','Ouellet'])[1 + (g / 10) % 10]
        || ' ' || (g % 997)::text,
      'owner' || g || '@example.ca', 'fr-CA', ${t0}
    from generate_series(1, ${n}) g`);
  // Fully reconciled history: invoice/payment pairs with their allocation (open 0).
  const pairs = sql.raw(`cross join lateral generate_series(1, case when g % 100 >= 11 then 5 else 2 end) k`);
  await db.execute(sql`
    insert into documents (organization_id, id, account_id, kind, side, status, amount_minor, open_minor, currency, date, created_at)
    select ${org}, 'inv_c' || g || 'x' || k, ${acc}, 'invoice', 'debit', 'posted', 1000 + (g % 50) * 10, 0, 'CAD',
           date '2025-01-01' + ((g + k * 31) % 300), ${t0} + (g * 10 + k) * interval '1 millisecond'
    from generate_series(1, ${n}) g ${pairs}
    union all
    select ${org}, 'pay_c' || g || 'x' || k, ${acc}, 'payment', 'credit', 'posted', 1000 + (g % 50) * 10, 0, 'CAD',
           date '2025-01-02' + ((g + k * 31) % 300), ${t0} + (g * 10 + k) * interval '1 millisecond'
    from generate_series(1, ${n}) g ${pairs}`);
  await db.execute(sql`
    insert into allocations (organization_id, id, account_id, credit_id, debit_id, amount_minor, source, created_at)
    select ${org}, 'alc_c' || g || 'x' || k, ${acc}, 'pay_c' || g || 'x' || k, 'inv_c' || g || 'x' || k,
           1000 + (g % 50) * 10, 'payment', ${t0} + (g * 10 + k) * interval '1 millisecond'
    from generate_series(1, ${n}) g ${pairs}`);
  // Open documents by category (g % 100).
  const open = (prefix: string, docKind: string, side: string, amount: string, where: string, day: number) =>
    sql.raw(`
    select '${prefix}' || g, 'acc_' || lpad(g::text, 12, '0'), '${docKind}', '${side}', ${amount}::bigint,
           date '2026-01-01' + ${day} + (g % 20), ${`'2026-01-01 12:00:00+00'::timestamptz`} + (g * 10 + ${day}) * interval '1 millisecond'
    from generate_series(1, ${n}) g where ${where}`);
  await db.execute(sql`
    insert into documents (organization_id, id, account_id, kind, side, status, amount_minor, open_minor, currency, date, created_at)
    select ${org}, x.id, x.account_id, x.kind, x.side, 'posted', x.amount, x.amount, 'CAD', x.date, x.created_at
    from (
      ${open('inv_a', 'invoice', 'debit', '1000 + (g % 7) * 100', 'g % 100 < 3', 0)}
      union all ${open('inv_b', 'invoice', 'debit', '500', 'g % 100 < 3', 1)}
      union all ${open('pay_a', 'payment', 'credit', 'case when g % 100 = 0 then 1500 + (g % 7) * 100 else 700 end', 'g % 100 < 2', 2)}
      union all ${open('cn_a', 'credit_note', 'credit', '2000', 'g % 100 = 2', 3)}
      union all ${open('pay_b', 'payment', 'credit', '300', 'g % 100 = 2', 4)}
      union all ${open('inv_d', 'invoice', 'debit', '1200', 'g % 100 between 3 and 5', 0)}
      union all ${open('cn_d', 'credit_note', 'credit', '800', 'g % 100 between 6 and 7', 0)}
      union all ${open('inv_i', 'invoice', 'debit', '3000', 'g % 100 between 8 and 10', 0)}
      union all ${open('pay_i', 'payment', 'credit', '400', 'g % 100 between 8 and 10', 1)}
    ) x(id, account_id, kind, side, amount, date, created_at)`);
  await db.execute(sql`
    insert into scheduled_payments (organization_id, id, account_id, source, invoice_id, due_date, amount_minor, status, created_at)
    select ${org}, 'sp_' || g || 'x' || k, ${acc}, 'installment', 'inv_i' || g, date '2026-06-01' + k * 30, 1000, 'scheduled', ${t0}
    from generate_series(1, ${n}) g cross join generate_series(1, 3) k
    where g % 100 between 8 and 10`);
}

/** The best on-the-fly aggregate: the same first page computed from the open documents (partial index). */
const aggregatePage = (org: string, limit: number) => sql`
  with cover as (
    select x.invoice_id, sum(x.amount) as amount from (
      select invoice_id, amount_minor as amount from scheduled_payments
       where organization_id = ${org} and status = 'scheduled' and invoice_id is not null
      union all
      select for_invoice_id, amount_minor from documents
       where organization_id = ${org} and status = 'pending' and for_invoice_id is not null
    ) x group by x.invoice_id
  ), per as (
    select d.account_id,
      count(*) filter (where d.side = 'debit' and greatest(d.open_minor - coalesce(c.amount, 0), 0) > 0) as dc,
      coalesce(sum(greatest(d.open_minor - coalesce(c.amount, 0), 0)) filter (where d.side = 'debit'), 0) as dm,
      count(*) filter (where d.side = 'credit') as cc,
      coalesce(sum(d.open_minor) filter (where d.side = 'credit'), 0) as cm
    from documents d left join cover c on d.kind = 'invoice' and c.invoice_id = d.id
    where d.organization_id = ${org} and d.open_minor > 0 and d.status = 'posted'
    group by d.account_id
  )
  select a.id as account_id
  from per p join accounts a on a.organization_id = ${org} and a.id = p.account_id
  where p.dc > 0 and p.cc > 0
  order by case when p.dm = p.cm then 0 else 1 end, p.dc + p.cc,
           ${ownerSortSql(sql`a.owner_name`)} collate "C", a.id
  limit ${limit}`;

const PAGE_SQL = (org: string, limit: number) => sql`
  select account_id, owner_name, items, debit_minor, credit_minor, balance_rank, owner_sort
  from account_reconciliation
  where organization_id = ${org} and debit_count > 0 and credit_count > 0
  order by balance_rank, items, owner_sort, account_id
  limit ${limit}`;

function pgbenchTps(): string {
  const name = `recoup_bench_${process.pid}_pgbench`;
  try {
    execFileSync('psql', [ADMIN_URL, '-qc', `create database ${name}`], { stdio: 'ignore' });
    execFileSync('pgbench', ['-i', '-q', '-s', '4', urlFor(name)], { stdio: 'ignore' });
    const out = execFileSync('pgbench', ['-b', 'tpcb-like', '-c', '4', '-j', '2', '-T', '10', urlFor(name)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return /tps = ([\d.]+)/.exec(out)?.[1] ?? 'n/a';
  } catch (err) {
    return `n/a (${(err as Error).message.split('\n')[0]})`;
  } finally {
    try {
      execFileSync('psql', [ADMIN_URL, '-qc', `drop database if exists ${name} with (force)`], {
        stdio: 'ignore',
      });
    } catch {
      // nothing to drop
    }
  }
}

async function openDatabase(n: number): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (kind === 'pglite') {
    const pglite = await PGlite.create();
    const database = await createDb({ pglite });
    return { database, drop: async () => undefined };
  }
  const name = `recoup_bench_${process.pid}_${n}`;
  await admin((c) => c.query(`create database ${name}`));
  const database = await createDb({ databaseUrl: urlFor(name), poolSize: 10 });
  return {
    database,
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

async function runSize(n: number, tpcb: string | null) {
  console.log(`\n=== ${kind}, ${n.toLocaleString('en')} accounts ===`);
  const { database, drop } = await openDatabase(n);
  try {
    await migrateDb(database);
    const config = loadConfig(
      {
        ...(database.url ? { DATABASE_URL: database.url } : {}),
        RECOUP_SANDBOX: 'false',
        RECOUP_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
        RECOUP_DATA_DIR: mkdtempSync(join(tmpdir(), 'recoup-bench-')),
      },
      { ensureSecret: false },
    );
    const c = await createContainer(config, { database, workers: false, schedules: false, supervise: false });
    const app = await buildApp(c, { serveWeb: false });
    const { organizationId: org, token } = await c.organizations.createWithAdmin({
      name: 'Bench',
      admin: { email: 'bench@example.ca', password: 'bench-password' },
    });
    const db = c.db;

    const [genMs] = await timeIt(() => generate(db, org, n));
    // Statistics before the bulk refresh: without them its joins are planned for empty tables.
    if (kind === 'pg') await db.execute(sql`analyze`);
    const [refreshMs] = await timeIt(() => refreshAllReconciliationSummaries(db, org, new Date()));
    if (kind === 'pg') await db.execute(sql`vacuum analyze`);
    const [counts] = await rows<Record<string, unknown>>(
      db,
      sql`select (select count(*) from documents) as docs, (select count(*) from allocations) as allocs,
                 (select count(*) from account_reconciliation where debit_count > 0 and credit_count > 0) as listed`,
    );
    console.log(
      `generated ${Number(counts?.docs).toLocaleString('en')} documents, ${Number(counts?.allocs).toLocaleString('en')} allocations in ${(genMs / 1000).toFixed(1)} s; ` +
        `bulk summary refresh ${(refreshMs / 1000).toFixed(1)} s; reconcilable accounts: ${Number(counts?.listed)}`,
    );
    if (!args['no-verify'] && n <= 100_000) {
      const { findSummaryMismatches } = await import('../src/modules/reconciliation/summary');
      const [vMs, mismatches] = await timeIt(() => findSummaryMismatches(db, org));
      console.log(`doctor check: ${mismatches.length} mismatches (${(vMs / 1000).toFixed(1)} s)`);
    }

    // 1. First page: summary index scan vs the best on-the-fly aggregate, same result.
    const limit = 51;
    const summaryTimes: number[] = [];
    let summaryIds: string[] = [];
    for (let i = 0; i < 200; i++) {
      const [t, r] = await timeIt(() => rows<{ account_id: string }>(db, PAGE_SQL(org, limit)));
      summaryTimes.push(t);
      summaryIds = r.map((x) => String(x.account_id));
    }
    const aggTimes: number[] = [];
    let aggIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const [t, r] = await timeIt(() => rows<{ account_id: string }>(db, aggregatePage(org, limit)));
      aggTimes.push(t);
      aggIds = r.map((x) => String(x.account_id));
    }
    const same = JSON.stringify(summaryIds) === JSON.stringify(aggIds);
    let serverMs = '';
    if (kind === 'pg') {
      const plan = await rows<Record<string, unknown>>(
        db,
        sql`explain (analyze, buffers) ${PAGE_SQL(org, limit)}`,
      );
      const lines = plan.map((p) => String(Object.values(p)[0]));
      const scan = lines.find((l) => /Scan/.test(l))?.trim() ?? '?';
      serverMs = `; server execution ${lines.find((l) => l.startsWith('Execution Time'))?.split(': ')[1]}; plan: ${scan.split('  (')[0]}`;
    }
    const pageDb = median(summaryTimes);
    console.log(
      `first page from the summary: median ${ms(pageDb)} (round trip)${serverMs}\n` +
        `first page by aggregating open documents: median ${ms(median(aggTimes))} → ${(median(aggTimes) / pageDb).toFixed(0)}× slower; same result: ${same}`,
    );

    // 2. API latency vs a bare Fastify route serving the same JSON, plus the database time.
    const url = `/api/v1/action-center/reconcilable-accounts?limit=50`;
    const headers = { authorization: `Bearer ${token}` };
    const body = (await app.inject({ method: 'GET', url, headers })).json();
    const bare = Fastify();
    bare.get('/bare', async () => body);
    await bare.ready();
    for (let i = 0; i < 50; i++) {
      await app.inject({ method: 'GET', url, headers });
      await bare.inject({ method: 'GET', url: '/bare' });
    }
    const apiTimes: number[] = [];
    const bareTimes: number[] = [];
    for (let i = 0; i < 300; i++) {
      apiTimes.push((await timeIt(() => app.inject({ method: 'GET', url, headers })))[0]);
      bareTimes.push((await timeIt(() => bare.inject({ method: 'GET', url: '/bare' })))[0]);
    }
    const apiMedian = median(apiTimes);
    const baseline = median(bareTimes) + pageDb;
    console.log(
      `API page (app.inject): median ${ms(apiMedian)}; bare Fastify ${ms(median(bareTimes))} + DB ${ms(pageDb)} = ${ms(baseline)} → ${(apiMedian / baseline).toFixed(2)}×`,
    );
    console.log(`  ${httpLine(await compareOverHttp(app, url, headers, bare, '/bare', body))}`);
    await bare.close();

    // 3. Posting cost: createDocument with its summary update vs without any (a posted document adds its
    // share incrementally; a full refresh, as before, is measured too).
    // Without: a ledger of its own with no listener (nothing else is written). With: the app's ledger, whose
    // summary listener runs as a CTE of the INSERT. Full refresh: a listener that recounts the account.
    const noTouch = new LedgerService({ db, clock: c.clock });
    const fullRefresh = new LedgerService({ db, clock: c.clock });
    fullRefresh.accountChanged.listen((tx, change) =>
      c.reconciliation.accountChanged(tx, {
        organizationId: change.organizationId,
        accountId: change.accountId,
      }),
    );
    const targets = Array.from(
      { length: 200 },
      (_, i) => `acc_${String(50 + i * 100).padStart(12, '0')}`,
    ).filter((_, i) => 50 + i * 100 <= n);
    const post = (ledger: LedgerService, accountId: string) =>
      db.transaction((tx) =>
        ledger.createDocument(tx, {
          organizationId: org,
          accountId,
          kind: 'invoice',
          amountMinor: 1234n,
          currency: 'CAD',
          date: '2026-02-01',
        }),
      );
    const withTimes: number[] = [];
    const withoutTimes: number[] = [];
    const fullTimes: number[] = [];
    for (const accountId of targets) {
      withoutTimes.push((await timeIt(() => post(noTouch, accountId)))[0]);
      withTimes.push((await timeIt(() => post(c.ledger, accountId)))[0]);
      fullTimes.push((await timeIt(() => post(fullRefresh, accountId)))[0]);
    }
    const withM = median(withTimes);
    const withoutM = median(withoutTimes);
    const fullM = median(fullTimes);
    const pct = (x: number) => `+${(((x - withoutM) / withoutM) * 100).toFixed(0)}%`;
    console.log(
      `posting an invoice: ${ms(withM)} with the incremental summary update vs ${ms(withoutM)} without → ${pct(withM)} ` +
        `(full per-account refresh: ${ms(fullM)} → ${pct(fullM)})`,
    );
    // Put the summaries of those accounts back in step (the no-touch postings skipped them).
    for (const accountId of targets) await db.transaction((tx) => c.ledger.touch(tx, org, accountId));
    // Same answer as the slow path: one more incremental posting on each, then the doctor's full recount.
    for (const accountId of targets) await post(c.ledger, accountId);
    const { findSummaryMismatches: recount } = await import('../src/modules/reconciliation/summary');
    const drift = await recount(db, org);
    console.log(
      `  incremental summary after posting equals a full recount: ${drift.length === 0} (${drift.length} mismatches)`,
    );

    // 4. Reconciles per second, 4 concurrent clients on distinct accounts.
    const listed = await rows<{ account_id: string }>(
      db,
      PAGE_SQL(org, Math.max(8, Math.floor(Number(counts?.listed) / 2))),
    );
    const queue = listed.map((r) => String(r.account_id));
    const recTotal = queue.length;
    const [recMs] = await timeIt(() =>
      Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let next = queue.shift(); next; next = queue.shift()) {
            await c.reconciliation.reconcile(org, next, { actorId: null });
          }
        }),
      ),
    );
    const perSecond = recTotal / (recMs / 1000);
    console.log(
      `reconcile: ${recTotal} accounts by 4 clients in ${(recMs / 1000).toFixed(2)} s → ${perSecond.toFixed(0)}/s` +
        (tpcb ? `; pgbench tpcb-like ${tpcb} TPS → ${(perSecond / Number(tpcb)).toFixed(2)}×` : ''),
    );

    // 5. The bulk job over what is left, with peak RSS.
    const { jobId } = await c.reconciliation.startReconcileAll(org, null, { zeroBalanceOnly: false });
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const [bulkMs, run] = await timeIt(() =>
      c.reconciliation.runReconcileAll({ organizationId: org, jobRunId: jobId }),
    );
    clearInterval(sampler);
    const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
    console.log(
      `bulk job: ${run?.done} accounts (${run?.failed} failed) in ${(bulkMs / 1000).toFixed(2)} s → ${((run?.done ?? 0) / (bulkMs / 1000)).toFixed(0)} accounts/s; RSS ${mb(rssBefore)} → peak ${mb(peak)}`,
    );
    await app.close();
    await c.queue.stop({ graceful: false });
  } finally {
    await database.close().catch(() => undefined);
    await drop();
  }
}

async function main() {
  let tpcb: string | null = null;
  if (kind === 'pg') {
    tpcb = pgbenchTps();
    console.log(`pgbench -b tpcb-like -c 4 -j 2 -T 10 (scale 4): ${tpcb} TPS`);
    if (!/^[\d.]+$/.test(tpcb)) tpcb = null;
  }
  for (const n of sizes) await runSize(n, tpcb);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
