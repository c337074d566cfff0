/**
 * Benchmark of section 1: the failed-transactions list and its export on PostgreSQL.
 * Run by hand, never in CI; it prints its figures.
 *
 *   npx tsx bench/failed-transactions.ts                              # 100,000 entries over 50,000 accounts
 *   npx tsx bench/failed-transactions.ts --entries 20000 --accounts 10000
 *
 * A scratch database `recoup_bench_ft_<pid>` is created from postgres://root@127.0.0.1:5432/test
 * (BENCH_PG_URL overrides) and dropped at the end. Everything is measured in the same run:
 * - for each filter (none, paymentMethod, type, reason, combined): the first page's median latency through
 *   the real app (`app.inject`) against a bare Fastify route serving the same JSON plus the page SQL's own
 *   time (the exact statement the repository sends, run directly on the pool), and EXPLAIN's plan;
 * - the export of every entry on the list (CSV and XLSX) by a server in a child process, read over HTTP,
 *   against `COPY (the same rows) TO STDOUT` through psql, with the child's peak RSS.
 *
 * The mix: 70 % card accounts, 30 % eCheck; entries are refunds (card only), eCheck payments (eCheck
 * only), installments and subscriptions, each with the documents, plans, subscriptions and scheduled
 * payments the list joins; 1 % are retrying; reasons follow a realistic skew (insufficient funds first).
 * 20 % more entries off the list (resolved or ignored) sit in the table as well.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, openSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import Fastify from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/app/app';
import { createContainer } from '../src/app/container';
import {
  csvStream,
  type ExportRow,
  xlsxStream,
} from '../src/modules/failed-transactions/failed-transactions.export';
import { loadConfig } from '../src/platform/config/config';
import { createDb, migrateDb, rows } from '../src/platform/db/db';
import { generate } from './failed-transactions-data';
import { compareOverHttp, httpLine } from './http-load';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '100000' },
    accounts: { type: 'string', default: '50000' },
    // internal: the export child process
    child: { type: 'boolean', default: false },
    url: { type: 'string' },
    token: { type: 'string' },
    format: { type: 'string' },
    // development: keep the scratch database (and reuse it when it exists) instead of dropping it
    keep: { type: 'string' },
    // print each page's whole EXPLAIN (ANALYZE, BUFFERS)
    plan: { type: 'boolean', default: false },
    runs: { type: 'string', default: '300' },
    'skip-export': { type: 'boolean', default: false },
    // development: only the export part
    'skip-list': { type: 'boolean', default: false },
  },
});
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
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

async function timeIt<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const result = await work();
  return [Number(process.hrtime.bigint() - start) / 1e6, result];
}

const benchConfig = (databaseUrl: string) =>
  loadConfig(
    {
      DATABASE_URL: databaseUrl,
      RECOUP_SANDBOX: 'false',
      RECOUP_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
      RECOUP_DATA_DIR: mkdtempSync(join(tmpdir(), 'recoup-bench-')),
    },
    { ensureSecret: false },
  );

/** Records the statements the Drizzle pool sends, to run the repository's exact SQL directly. */
function recordQueries(pool: pg.Pool) {
  const seen: { text: string; values: unknown[] }[] = [];
  const original = pool.query.bind(pool) as (...a: unknown[]) => unknown;
  (pool as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
    const q = a[0] as { text?: string; values?: unknown[] } | string;
    if (typeof q === 'object' && q?.text)
      seen.push({ text: q.text, values: q.values ?? (a[1] as unknown[]) ?? [] });
    else if (typeof q === 'string') seen.push({ text: q, values: (a[1] as unknown[]) ?? [] });
    return original(...a);
  };
  return {
    /** the last statement that read failed_transactions */
    lastListQuery: () => [...seen].reverse().find((q) => /from "failed_transactions"/.test(q.text)),
    clear: () => {
      seen.length = 0;
    },
  };
}

/** Child process: a server of its own, the export read over HTTP to the end; prints time and peak RSS. */
async function exportChild() {
  const config = benchConfig(args.url!);
  const database = await createDb({ databaseUrl: args.url!, poolSize: 4 });
  const c = await createContainer(config, {
    database,
    workers: false,
    schedules: false,
    supervise: false,
    migrate: false,
  });
  const app = await buildApp(c, { serveWeb: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  const rssStart = process.memoryUsage().rss;
  let peak = rssStart;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const [took, bytes] = await timeIt(
    () =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: address.port,
            path: `/api/v1/action-center/failed-transactions/export?format=${args.format}`,
            headers: { authorization: `Bearer ${args.token}` },
          },
          (res) => {
            let n = 0;
            res.on('data', (chunk: Buffer) => {
              n += chunk.length;
            });
            res.on('end', () =>
              res.statusCode === 200 ? resolve(n) : reject(new Error(`${res.statusCode}`)),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end();
      }),
  );
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const maxRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify({ ms: took, bytes, rssStart, peak, maxRss })}\n`);
  await app.close();
  await c.queue.stop({ graceful: false });
  await database.close();
}

function runExportChild(url: string, token: string, format: 'csv' | 'xlsx', nodeFlags: string[] = []) {
  return new Promise<{ ms: number; bytes: number; rssStart: number; peak: number; maxRss: number }>(
    (resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          ...nodeFlags,
          ...process.execArgv,
          fileURLToPath(import.meta.url),
          '--child',
          '--url',
          url,
          '--token',
          token,
          '--format',
          format,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.on('exit', (code) => {
        const line = out.trim().split('\n').pop() ?? '';
        if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line));
        else reject(new Error(`export child exited ${code}: ${out}`));
      });
    },
  );
}

/** The same rows and columns as the export, straight out of PostgreSQL. */
const COPY_SQL = (org: string) => `copy (
  select a.owner_name, f.type, f.reason_code, f.payment_id, f.amount_minor, f.currency, f.failed_at,
         coalesce(pm.type, f.payment_method_type), pm.brand, pm.last4, f.attempts, f.status, d.open_minor,
         coalesce(s.payment_method_id, p.payment_method_id)
  from failed_transactions f
  join accounts a on a.organization_id = f.organization_id and a.id = f.account_id
  left join payment_methods pm on pm.organization_id = f.organization_id and pm.id = f.payment_method_id
  left join documents d on d.organization_id = f.organization_id and d.id = f.invoice_id
  left join scheduled_payments sp on sp.organization_id = f.organization_id and sp.id = f.scheduled_payment_id
  left join subscriptions s on s.organization_id = f.organization_id and s.id = sp.subscription_id
  left join installment_plans p on p.organization_id = f.organization_id and p.id = sp.installment_plan_id
  where f.organization_id = '${org}' and f.status in ('open', 'retrying')
  order by f.failed_at desc, f.id desc
) to stdout with (format csv)`;

async function main() {
  const n = Number(args.entries);
  const a = Number(args.accounts);
  const runs = Number(args.runs);
  const name = args.keep ?? `recoup_bench_ft_${process.pid}`;
  const exists = await admin(
    async (cl) => (await cl.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1,
  );
  if (!exists) await admin((cl) => cl.query(`create database ${name}`));
  const url = urlFor(name);
  const database = await createDb({ databaseUrl: url, poolSize: 10 });
  try {
    await migrateDb(database);
    const c = await createContainer(benchConfig(url), {
      database,
      workers: false,
      schedules: false,
      supervise: false,
      migrate: false,
    });
    const app = await buildApp(c, { serveWeb: false });
    let org: string;
    let token: string;
    console.log(
      `=== PostgreSQL, ${n.toLocaleString('en')} failed entries over ${a.toLocaleString('en')} accounts ===`,
    );
    const [reused] = exists
      ? await rows<{ id: string; user_id: string }>(
          c.db,
          sql`select o.id, u.id as user_id from organizations o join users u on u.organization_id = o.id limit 1`,
        )
      : [];
    if (reused) {
      org = reused.id;
      token = (await c.auth.issue({ organizationId: org, id: reused.user_id }, 'bearer')).token;
      console.log(`reusing the database ${name}`);
    } else {
      ({ organizationId: org, token } = await c.organizations.createWithAdmin({
        name: 'Bench FT',
        admin: { email: 'bench-ft@example.ca', password: 'bench-password' },
      }));
      // A bulk load written straight to the tables, in one transaction as a replica session (no FK checks).
      // These charges all failed, so they are never upcoming: the expiring-cards summary has nothing to keep
      // (it is kept by the billing core's write paths, which this load does not take).
      const [genMs] = await timeIt(() =>
        c.db.transaction(async (tx) => {
          await tx.execute(sql`set local session_replication_role = replica`);
          await generate(tx, org, n, a);
        }),
      );
      await c.db.execute(sql`vacuum analyze`);
      console.log(`generated in ${(genMs / 1000).toFixed(1)} s`);
    }
    const [count] = await rows<{ n: unknown }>(
      c.db,
      sql`select count(*) as n from failed_transactions where organization_id = ${org} and status in ('open', 'retrying')`,
    );
    console.log(`on the list: ${Number(count?.n).toLocaleString('en')}`);

    const recorder = recordQueries(database.pool!);
    const pool = database.pool!;
    const headers = { authorization: `Bearer ${token}` };
    if (process.env.BENCH_PRINT_SQL) {
      recorder.clear();
      await app.inject({ method: 'GET', url: '/api/v1/action-center/failed-transactions?limit=50', headers });
      console.log(recorder.lastListQuery());
    }
    const filters: [string, string][] = [
      ['none', ''],
      ['paymentMethod=echeck', 'paymentMethod=echeck'],
      ['type=subscription', 'type=subscription'],
      ['reason=expired_card', 'reason=expired_card'],
      [
        'combined card+installment+insufficient_funds',
        'paymentMethod=card&type=installment&reason=insufficient_funds',
      ],
    ];
    console.log(
      '\nfirst page (limit 50) per filter: API median vs bare Fastify + page SQL; target ≤ 1.3× and SQL ≤ 2 ms',
    );
    for (const [label, query] of args['skip-list'] ? [] : filters) {
      const url = `/api/v1/action-center/failed-transactions?limit=50${query ? `&${query}` : ''}`;
      recorder.clear();
      const first = await app.inject({ method: 'GET', url, headers });
      if (first.statusCode !== 200) throw new Error(`${url}: ${first.statusCode} ${first.body}`);
      const body = first.json();
      const statement = recorder.lastListQuery();
      if (!statement) throw new Error('the list statement was not seen');
      const bare = Fastify();
      bare.get('/bare', async () => body);
      await bare.ready();
      // The floor's statement goes as a query config, as the app's does, so that on a direct connection both
      // are named prepared statements of the pool's connections (src/platform/db/statement-cache.ts).
      const floorQuery = { text: statement.text, values: statement.values };
      for (let i = 0; i < Math.min(50, runs); i++) {
        await app.inject({ method: 'GET', url, headers });
        await bare.inject({ method: 'GET', url: '/bare' });
        await pool.query(floorQuery);
      }
      const apiTimes: number[] = [];
      const bareTimes: number[] = [];
      const sqlTimes: number[] = [];
      for (let i = 0; i < runs; i++) {
        apiTimes.push((await timeIt(() => app.inject({ method: 'GET', url, headers })))[0]);
        bareTimes.push((await timeIt(() => bare.inject({ method: 'GET', url: '/bare' })))[0]);
        sqlTimes.push((await timeIt(() => pool.query(floorQuery)))[0]);
      }
      // Over real HTTP too (the first filter: the page the Action Center opens on).
      const overHttp =
        label === 'none' ? await compareOverHttp(app, url, headers, bare, '/bare', body) : null;
      await bare.close();
      const plan = (
        await pool.query(`explain (analyze, buffers) ${statement.text}`, statement.values)
      ).rows.map((r: Record<string, string>) => String(Object.values(r)[0]));
      const ftScan =
        plan
          .find((l) => /Scan.* on failed_transactions/.test(l) || /Scan using failed_transactions/.test(l))
          ?.trim()
          .split('  (')[0] ??
        plan.find((l) => /Scan/.test(l))?.trim() ??
        '?';
      const exec = plan.find((l) => l.trim().startsWith('Execution Time'))?.split(': ')[1];
      if (args.plan) console.log(plan.map((l) => `    ${l}`).join('\n'));
      const api = median(apiTimes);
      const base = median(bareTimes) + median(sqlTimes);
      console.log(
        `  ${label}: ${body.items.length} items; API ${ms(api)} vs bare ${ms(median(bareTimes))} + SQL ${ms(median(sqlTimes))} = ${ms(base)} → ${(api / base).toFixed(2)}×; ` +
          `SQL server execution ${exec}; ${ftScan}`,
      );
      if (overHttp) console.log(`    ${httpLine(overHttp)}`);
    }

    if (args['skip-export']) return;
    console.log(
      '\nexport of every entry on the list (child process, over HTTP) vs COPY TO STDOUT; target CSV ≤ 3×, XLSX ≤ 6×, RSS ≤ +50 MB',
    );
    const copyTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const devNull = openSync('/dev/null', 'w');
      copyTimes.push(
        (
          await timeIt(async () =>
            execFileSync('psql', [url, '-qAt', '-c', COPY_SQL(org)], {
              stdio: ['ignore', devNull, 'inherit'],
            }),
          )
        )[0],
      );
    }
    const copy = median(copyTimes);
    console.log(`  COPY (same rows, same joins) TO STDOUT via psql: median ${ms(copy)}`);
    await sameAnswers(c, org);
    // Node's default young generation, and `npm start`'s production flag (scripts/start.mjs): V8 lets a
    // fast allocator's semi-spaces grow to 32 MB each before collecting, which is RSS but not data held.
    for (const [format, flags] of [
      ['csv', []],
      ['xlsx', []],
      ['csv', ['--max-semi-space-size=8']],
      ['xlsx', ['--max-semi-space-size=8']],
    ] as const) {
      const r = await runExportChild(url, token, format, [...flags]);
      console.log(
        `  ${format}${flags.length ? ` (${flags.join(' ')}, as npm start)` : ''}: ${(r.bytes / 1024 / 1024).toFixed(1)} MB in ${ms(r.ms)} → ${(r.ms / copy).toFixed(1)}× COPY; ` +
          `RSS ${mb(r.rssStart)} before → peak ${mb(r.peak)}, +${mb(r.peak - r.rssStart)} (process maxRSS ${mb(r.maxRss)})`,
      );
    }
    await app.close();
    await c.queue.stop({ graceful: false });
  } finally {
    await database.close().catch(() => undefined);
    if (!args.keep) await admin((cl) => cl.query(`drop database if exists ${name} with (force)`));
  }
}

/**
 * The answers must not change: the fast path (one statement, a cursor) gives the same CSV and workbook
 * bytes as the reference path (the list's own pages and items), whole list, in French.
 */
async function sameAnswers(c: Awaited<ReturnType<typeof createContainer>>, org: string) {
  const { timezone } = await c.organizations.get(org);
  const ctx = { locale: 'fr-CA' as const, timeZone: timezone };
  const service = c.failedTransactions;
  const [fastMs, fast] = await timeIt(() => text(service.exportCsv(org, {}, ctx)));
  // The reference rows are read once (100,000 in memory is fine for a benchmark) for both files.
  const [refMs, reference] = await timeIt(async () => {
    const out: ExportRow[][] = [];
    for await (const batch of service.exportReference(org, {}, 'fr-CA', timezone)) out.push(batch);
    return out;
  });
  const replay = () =>
    (async function* () {
      yield* reference;
    })();
  const ref = await text(csvStream(replay(), ctx));
  const digest = async (r: NodeJS.ReadableStream) => {
    const h = createHash('sha256');
    for await (const chunk of r) h.update(chunk as Buffer);
    return h.digest('hex');
  };
  const xFast = await digest(xlsxStream(service.exportRows(org, {}, timezone), ctx, 'x'));
  const xRef = await digest(xlsxStream(replay(), ctx, 'x'));
  const same = fast === ref && xFast === xRef;
  console.log(
    `  answers: fast path ${same ? '==' : '!='} reference path (list pages + items): CSV ${fast === ref ? 'same' : 'DIFFERENT'} ` +
      `bytes (${(fast.length / 1024 / 1024).toFixed(1)} M chars, ${fast.split('\r\n').length - 2} rows), XLSX ${xFast === xRef ? 'same' : 'DIFFERENT'} bytes; ` +
      `in-process CSV ${ms(fastMs)} (fast) vs reading the reference rows ${ms(refMs)}`,
  );
  if (!same) {
    const a = fast.split('\r\n');
    const b = ref.split('\r\n');
    const i = a.findIndex((line, k) => line !== b[k]);
    console.log(`  first difference at line ${i}:\n    fast: ${a[i]}\n    ref:  ${b[i]}`);
    process.exitCode = 1;
  }
}

(args.child ? exportChild() : main()).then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
