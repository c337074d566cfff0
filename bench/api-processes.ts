/**
 * More than one `api` process through PgBouncer: the failed-transactions first page's throughput with 1 and
 * with 2 `recoup serve` processes (RECOUP_ROLE=api, compiled build when fresh, else the sources), both on one
 * PostgreSQL database through Debian's pgbouncer (transaction pooling for DATABASE_URL, session pooling for
 * DATABASE_SESSION_URL, as README "Deploy" says), loaded over real HTTP by autocannon with 32 connections in
 * all (split evenly between the processes). Run by hand, never in CI:
 *
 *   npx tsx bench/api-processes.ts                        # 30,000 entries over 15,000 accounts, 10 s per run
 *   npx tsx bench/api-processes.ts --entries 100000 --accounts 50000 --seconds 20
 *
 * Every process's page must equal the in-process app's answer on a direct connection (the slow path).
 * On a 2-core machine two processes share the same two cores with PostgreSQL and PgBouncer: the figure says
 * what a second process adds there, not what it adds on a larger host.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { buildApp } from '../src/app/app';
import { createContainer } from '../src/app/container';
import { loadConfig } from '../src/platform/config/config';
import { createDb, migrateDb } from '../src/platform/db/db';
import { generate } from './failed-transactions-data';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '30000' },
    accounts: { type: 'string', default: '15000' },
    seconds: { type: 'string', default: '10' },
  },
});
const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const children: ChildProcess[] = [];

const urlFor = (name: string) => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
};

async function admin(statement: string) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function start(cmd: string, argv: string[], env: Record<string, string>) {
  const child = spawn(cmd, argv, {
    env: { ...process.env, LOG_LEVEL: 'warn', RECOUP_SECRET: SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  children.push(child);
  return { child, output: () => output };
}

async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** PgBouncer in front of `database` (as test/flows/pgbouncer.test.ts starts it). */
async function startPgBouncer(database: string) {
  const server = new URL(ADMIN_URL);
  const dir = mkdtempSync(join(tmpdir(), 'recoup-bench-pgbouncer-'));
  const port = await freePort();
  const target = `host=${server.hostname} port=${server.port || 5432} dbname=${database}`;
  writeFileSync(join(dir, 'users.txt'), `"${decodeURIComponent(server.username)}" ""\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `app = ${target} pool_mode=transaction connect_query='SET jit = off'`,
      `app_session = ${target} pool_mode=session pool_size=40`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'max_client_conn = 500',
      'default_pool_size = 8',
      'ignore_startup_parameters = extra_float_digits,options',
      '',
    ].join('\n'),
  );
  chmodSync(dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  start('/usr/sbin/pgbouncer', [...(asRoot ? ['-u', 'nobody'] : []), join(dir, 'pgbouncer.ini')], {});
  const user = server.username ? `${server.username}@` : '';
  const url = (db: string) => `postgres://${user}127.0.0.1:${port}/${db}`;
  await until(async () => {
    const client = new pg.Client({ connectionString: url('app') });
    await client.connect();
    await client.end();
    return true;
  }, 'PgBouncer');
  return { transactionUrl: url('app'), sessionUrl: url('app_session') };
}

async function main() {
  const seconds = Number(args.seconds);
  const name = `recoup_bench_procs_${process.pid}`;
  await admin(`create database ${name}`);
  const url = urlFor(name);
  const database = await createDb({ databaseUrl: url, poolSize: 4 });
  try {
    await migrateDb(database);
    const config = loadConfig(
      {
        DATABASE_URL: url,
        RECOUP_SANDBOX: 'false',
        RECOUP_SECRET: SECRET,
        RECOUP_DATA_DIR: mkdtempSync(join(tmpdir(), 'recoup-bench-')),
      },
      { ensureSecret: false },
    );
    const c = await createContainer(config, {
      database,
      workers: false,
      schedules: false,
      supervise: false,
      migrate: false,
    });
    const app = await buildApp(c, { serveWeb: false });
    const { organizationId: org, token } = await c.organizations.createWithAdmin({
      name: 'Bench processes',
      admin: { email: 'bench-procs@example.ca', password: 'bench-password' },
    });
    await c.db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await generate(tx, org, Number(args.entries), Number(args.accounts));
    });
    await c.db.execute(sql`vacuum analyze`);
    const path = '/api/v1/action-center/failed-transactions?limit=50';
    const headers = { authorization: `Bearer ${token}` };
    const expected = (await app.inject({ method: 'GET', url: path, headers })).body;
    await app.close();
    await c.queue.stop({ graceful: false });
    console.log(
      `=== ${Number(args.entries).toLocaleString('en')} failed entries; first page through PgBouncer, c = 32 in all, ${seconds} s ===`,
    );

    const bouncer = await startPgBouncer(name);
    for (const count of [1, 2]) {
      const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
      const apis = ports.map((port) =>
        start(process.execPath, ['bin/recoup.mjs', 'serve'], {
          DATABASE_URL: bouncer.transactionUrl,
          DATABASE_SESSION_URL: bouncer.sessionUrl,
          RECOUP_SANDBOX: 'false',
          RECOUP_ROLE: 'api',
          RECOUP_QUIET_STALE: 'true',
          PORT: String(port),
        }),
      );
      for (const [i, port] of ports.entries()) {
        await until(
          async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
          `readyz on ${port}`,
        ).catch((err) => {
          throw new Error(`${(err as Error).message}\n${apis[i]!.output()}`);
        });
      }
      let same = true;
      for (const port of ports) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
        same &&= res.status === 200 && (await res.text()) === expected;
      }
      const target = (port: number) => ({
        url: `http://127.0.0.1:${port}${path}`,
        headers,
        connections: 32 / count,
      });
      await Promise.all(ports.map((port) => autocannon({ ...target(port), duration: 2 })));
      const runs = await Promise.all(ports.map((port) => autocannon({ ...target(port), duration: seconds })));
      const bad = runs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
      const rps = runs.reduce((n, r) => n + r.requests.average, 0);
      const line = `${count} api process${count > 1 ? 'es' : ''}: ${rps.toFixed(0)} req/s (${bad} errors); same answer as the direct in-process app: ${same}`;
      console.log(line);
      await Promise.all(apis.map((a) => stop(a.child)));
    }
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await database.close().catch(() => undefined);
    await admin(`drop database if exists ${name} with (force)`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    process.exit(1);
  },
);
