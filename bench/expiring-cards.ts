/**
 * Benchmark of Action Center §2 (expiring cards). Run by hand, never in CI:
 *   npx tsx bench/expiring-cards.ts
 * On a scratch PostgreSQL database (created from TEST_DATABASE_URL, default postgres://root@127.0.0.1:5432/test,
 * dropped afterwards) it generates, with set-based SQL, 200,000 wallet cards over 150,000 accounts with
 * 300,000 upcoming payments, then prints:
 *   - the first page's median latency through the API (app.inject) against a bare Fastify route serving the
 *     same JSON plus the page's SQL time, measured in the same run (target ≤ 1.3×);
 *   - that SQL's median time (target ≤ 5 ms);
 *   - the reminder job's run time for 10,000 due reminders (SMTP unset: e-mails are only logged).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import Fastify from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/app/app';
import { createContainer } from '../src/app/container';
import { rebuildCardSummary } from '../src/modules/expiring-cards/card-summary';
import { ExpiringCardsRepository } from '../src/modules/expiring-cards/expiring-cards.repository';
import { expiryWindow } from '../src/modules/expiring-cards/expiry-window';
import { loadConfig } from '../src/platform/config/config';
import type { Db } from '../src/platform/db/db';
import { createOrg } from '../test/factories';

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
const ACCOUNTS = 150_000;
const CARDS = 200_000;
const SUBSCRIPTION_CARDS = 100_000; // cards 1..100,000 pay a subscription (2 payments each)
const PLAN_CARDS = 50_000; // cards 100,001..150,000 pay an installment plan (2 installments each)
const EXPIRY_SPREAD_MONTHS = 48; // expiries spread over four years: about 1/48 of the cards per month
const REMINDERS = 10_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 200);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
async function timeIt(runs: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(20, runs); i++) await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

async function main() {
  const dbName = `recoup_bench_ec_${process.pid}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  console.log(`scratch database ${dbName}`);
  let close: (() => Promise<void>) | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'recoup-bench-ec-'));
  try {
    const config = loadConfig(
      {
        DATABASE_URL: url.toString(),
        RECOUP_SANDBOX: 'false',
        PUBLIC_URL: 'http://bench.test',
        RECOUP_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
        RECOUP_DATA_DIR: dataDir,
      },
      { ensureSecret: false },
    );
    const c = await createContainer(config, { workers: false, schedules: false, supervise: false });
    const app = await buildApp(c, { serveWeb: false });
    close = async () => {
      await app.close();
      await c.close();
    };
    const org = await createOrg(c, { timezone: 'America/Toronto' });
    const orgId = org.organizationId;
    const window = expiryWindow('America/Toronto', c.clock.now());
    const [ty, tm] = window.today.split('-').map(Number) as [number, number];
    const baseMonth = ty * 12 + (tm - 1);
    const pool = c.database.pool!;
    // Bulk generation writes the tables straight (session_replication_role = replica, superuser: no FK checks)
    // and rebuilds the per-card summary set-based afterwards.
    const loader = new pg.Client({ connectionString: url.toString() });
    await loader.connect();
    await loader.query('set session_replication_role = replica');

    let start = Date.now();
    await loader.query(
      `insert into accounts (organization_id, id, owner_name, owner_email, locale, created_at)
       select $1, 'acc_b' || lpad(i::text, 8, '0'),
         initcap(substr(md5(i::text), 1, 6)) || ' ' || initcap(substr(md5((i * 31)::text), 1, 8)),
         'owner' || i || '@example.ca', case when i % 3 = 0 then 'en-CA' else 'fr-CA' end, now()
       from generate_series(1, $2::int) i`,
      [orgId, ACCOUNTS],
    );
    // Expiry month index = this month + (i * 7) mod 48: every month of the next four years gets 1/48 of the cards.
    await loader.query(
      `insert into payment_methods (organization_id, id, account_id, type, brand, last4, exp_month, exp_year,
         gateway_token, in_wallet, created_at)
       select $1, 'pm_b' || lpad(i::text, 8, '0'), 'acc_b' || lpad((((i - 1) % $3::int) + 1)::text, 8, '0'), 'card',
         (array['visa', 'mastercard', 'amex'])[1 + i % 3], lpad((i % 10000)::text, 4, '0'),
         (($4::int + (i * 7) % $5::int) % 12) + 1, ($4::int + (i * 7) % $5::int) / 12,
         'tok_bench_' || i, true, now()
       from generate_series(1, $2::int) i`,
      [orgId, CARDS, ACCOUNTS, baseMonth, EXPIRY_SPREAD_MONTHS],
    );
    await loader.query(
      `insert into subscriptions (organization_id, id, account_id, amount_minor, interval, start_date, anchor_day,
         payment_method_id, created_at)
       select $1, 'sub_b' || lpad(i::text, 8, '0'), 'acc_b' || lpad((((i - 1) % $3::int) + 1)::text, 8, '0'),
         1000 + i % 9000, 'month', $4::date, 1, 'pm_b' || lpad(i::text, 8, '0'), now()
       from generate_series(1, $2::int) i`,
      [orgId, SUBSCRIPTION_CARDS, ACCOUNTS, window.today],
    );
    await loader.query(
      `insert into installment_plans (organization_id, id, account_id, invoice_id, payment_method_id, created_at)
       select $1, 'ip_b' || lpad(i::text, 8, '0'), 'acc_b' || lpad((((i - 1) % $3::int) + 1)::text, 8, '0'),
         'inv_b' || lpad(i::text, 8, '0'), 'pm_b' || lpad(i::text, 8, '0'), now()
       from generate_series($2::int + 1, $2::int + $4::int) i`,
      [orgId, SUBSCRIPTION_CARDS, ACCOUNTS, PLAN_CARDS],
    );
    // Two upcoming payments per subscription and per plan: 300,000 in all, due over the next three months.
    await loader.query(
      `insert into scheduled_payments (organization_id, id, account_id, source, subscription_id,
         installment_plan_id, invoice_id, due_date, amount_minor, status, created_at)
       select $1, 'sp_b' || lpad(i::text, 8, '0') || k, 'acc_b' || lpad((((i - 1) % $3::int) + 1)::text, 8, '0'),
         case when i <= $2::int then 'subscription' else 'installment' end,
         case when i <= $2::int then 'sub_b' || lpad(i::text, 8, '0') end,
         case when i > $2::int then 'ip_b' || lpad(i::text, 8, '0') end,
         case when i > $2::int then 'inv_b' || lpad(i::text, 8, '0') end,
         $5::date + (i % 45) + 40 * k, 1000 + i % 9000, 'scheduled', now()
       from generate_series(1, $2::int + $4::int) i, generate_series(0, 1) k`,
      [orgId, SUBSCRIPTION_CARDS, ACCOUNTS, PLAN_CARDS, window.today],
    );
    await loader.query('analyze');
    const rebuildStart = Date.now();
    const rebuilt = await rebuildCardSummary(c.db, orgId);
    const rebuildMs = Date.now() - rebuildStart;
    await loader.end();
    await pool.query('vacuum analyze');
    console.log(
      `generated in ${((Date.now() - start) / 1000).toFixed(1)} s (${rebuilt} card summary rows rebuilt in ${rebuildMs} ms):`,
    );
    const counts = await pool.query(
      `select (select count(*) from accounts where organization_id = $1) as accounts,
        (select count(*) from payment_methods where organization_id = $1 and in_wallet) as wallet_cards,
        (select count(*) from scheduled_payments where organization_id = $1 and status = 'scheduled') as upcoming,
        (select count(*) from payment_methods where organization_id = $1 and in_wallet
           and exp_year = $2 and exp_month = $3) as cards_in_window`,
      [orgId, window.expYear, window.expMonth],
    );
    console.log(' ', counts.rows[0]);
    const listed = await c.expiringCards.countExpiringCards(orgId);
    console.log(`  listed (EC1) for ${window.expiryKey}: ${listed}`);

    // --- the first page: API, bare Fastify with the same JSON, and the page's SQL
    const path = '/api/v1/action-center/expiring-cards';
    const headers = { authorization: `Bearer ${org.adminToken}` };
    const first = await app.inject({ method: 'GET', url: path, headers });
    if (first.statusCode !== 200) throw new Error(`API answered ${first.statusCode}: ${first.body}`);
    const body = first.json();
    const bare = Fastify({ logger: false });
    bare.get('/page', async () => body);
    await bare.ready();
    const repo = new ExpiringCardsRepository();

    const sqlMs = await timeIt(RUNS, () => repo.list(c.db, orgId, window, { limit: 51 }));
    // Every statement the request runs, in order: the guard's token lookup, the organization (time zone,
    // currency), the page.
    const requestSqlMs = await timeIt(RUNS, async () => {
      await c.auth.resolve(org.adminToken);
      await c.organizations.get(orgId);
      await repo.list(c.db, orgId, window, { limit: 51 });
    });
    const bareMs = await timeIt(RUNS, () => bare.inject({ method: 'GET', url: '/page' }));
    const apiMs = await timeIt(RUNS, () => app.inject({ method: 'GET', url: path, headers }));
    const plan = await c.db.execute(sql`explain ${repo.listSql(orgId, window, { limit: 51 })}`);
    const usesIndex = (plan as unknown as { rows: Record<string, unknown>[] }).rows.some((r) =>
      String(r['QUERY PLAN']).includes('card_upcoming_payments_list'),
    );
    console.log(`first page (${body.items.length} rows, ${first.body.length} bytes):`);
    console.log(`  page SQL median            ${fmt(sqlMs)}  (target ≤ 5 ms)`);
    console.log(`  request SQL (token, org, page) ${fmt(requestSqlMs)}`);
    console.log(`  bare Fastify, same JSON    ${fmt(bareMs)}`);
    console.log(`  API median                 ${fmt(apiMs)}`);
    console.log(
      `  API / (bare + request SQL) ${(apiMs / (bareMs + requestSqlMs)).toFixed(2)}×  (target ≤ 1.3×)`,
    );
    console.log(`  API / (bare + page SQL)    ${(apiMs / (bareMs + sqlMs)).toFixed(2)}×  (page query alone)`);
    console.log(`  page is a range scan of card_upcoming_payments_list: ${usesIndex}`);
    await bare.close();

    // --- what keeping the summary costs the billing core's writes: 10,000 scheduled payments in one
    // statement, reported to the expiring-cards listener in the same transaction, against the bare insert
    const insertPayments = (db: Db, suffix: string, status: string) =>
      db.execute(
        sql`insert into scheduled_payments (organization_id, id, account_id, source, subscription_id, due_date,
              amount_minor, status, created_at)
            select ${orgId}, 'sp_x' || ${suffix} || i,
              'acc_b' || lpad((((i - 1) % ${ACCOUNTS}::int) + 1)::text, 8, '0'), 'subscription',
              'sub_b' || lpad(i::text, 8, '0'), ${window.today}::date + 90, 1234, ${status}, now()
            from generate_series(1, 10000) i`,
      );
    start = Date.now();
    await c.db.transaction(async (tx) => {
      await insertPayments(tx, 't', 'scheduled');
      const ids = Array.from({ length: 10000 }, (_, i) => `sp_xt${i + 1}`);
      await c.scheduled.cardScheduleChanged(tx, { organizationId: orgId, scheduledPaymentIds: ids });
    });
    const reported = Date.now() - start;
    start = Date.now();
    await insertPayments(c.db, 'r', 'cancelled');
    const bareMsInsert = Date.now() - start;
    console.log(
      `writes: 10,000 scheduled payments with the summary kept ${reported} ms, bare insert ${bareMsInsert} ms`,
    );

    if (process.env.BENCH_SKIP_REMINDERS) return;
    // --- the reminder job for 10,000 due reminders
    // Move the window's paying cards a year later, then put exactly 10,000 paying cards in the window.
    await pool.query(
      `update payment_methods set exp_year = exp_year + 1
       where organization_id = $1 and exp_year = $2 and exp_month = $3`,
      [orgId, window.expYear, window.expMonth],
    );
    await pool.query(
      `update payment_methods set exp_year = $2, exp_month = $3, expiry_reminder_for = null,
         expiry_reminder_sent_at = null, last_reminder_at = null
       where organization_id = $1 and id in (
         select 'pm_b' || lpad(i::text, 8, '0') from generate_series(1, $4::int) i where i % 15 = 0)`,
      [orgId, window.expYear, window.expMonth, SUBSCRIPTION_CARDS + PLAN_CARDS],
    );
    // written straight to the table above: the summary is rebuilt, as after any bulk load
    await rebuildCardSummary(c.db, orgId);
    await pool.query('vacuum analyze payment_methods');
    const due = await c.expiringCards.countExpiringCards(orgId);
    start = Date.now();
    const result = await c.expiringCards.sendDueReminders(orgId);
    const jobMs = Date.now() - start;
    console.log(`reminder job: ${result.sent} reminders (${due} due) in ${(jobMs / 1000).toFixed(2)} s`);
    console.log(`  ${(jobMs / Math.max(1, result.sent)).toFixed(2)} ms per reminder`);
    start = Date.now();
    const again = await c.expiringCards.sendDueReminders(orgId);
    console.log(`  second run: ${again.sent} sent in ${((Date.now() - start) / 1000).toFixed(2)} s`);
    if (REMINDERS !== result.sent) console.log(`  (expected ${REMINDERS})`);
  } finally {
    await close?.().catch((err) => console.error('close:', err));
    rmSync(dataDir, { recursive: true, force: true });
    if (process.env.BENCH_KEEP) console.log(`kept ${dbName} (BENCH_KEEP)`);
    else {
      await admin.query(`drop database if exists ${dbName} with (force)`);
      console.log(`dropped ${dbName}`);
    }
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
