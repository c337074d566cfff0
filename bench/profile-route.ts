/**
 * One route through `app.inject` against a bare Fastify route answering the same JSON, many times, on a
 * database a benchmark kept (`--keep NAME`): for a CPU profile of the app's per-request work.
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-route.ts [route] [count]
 *   (BENCH_DB_URL, default postgres://root@127.0.0.1:5432/ftbench from failed-transactions.ts --keep ftbench)
 * It found @fastify/helmet building helmet's middleware again on every request (src/platform/http/server.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import Fastify from 'fastify';
import { buildApp } from '../src/app/app';
import { createContainer } from '../src/app/container';
import { loadConfig } from '../src/platform/config/config';
import { createDb, rows } from '../src/platform/db/db';

const url = process.env.BENCH_DB_URL ?? 'postgres://root@127.0.0.1:5432/ftbench';
const route = process.argv[2] ?? '/api/v1/action-center/reconcilable-accounts?limit=50';
const n = Number(process.argv[3] ?? 3000);
const database = await createDb({ databaseUrl: url, poolSize: 10 });
const config = loadConfig(
  {
    DATABASE_URL: url,
    RECOUP_SANDBOX: 'false',
    RECOUP_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    RECOUP_DATA_DIR: mkdtempSync(join(tmpdir(), 'rb-')),
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
const [o] = await rows<{ id: string; user_id: string }>(
  c.db,
  sql`select o.id, u.id as user_id from organizations o join users u on u.organization_id = o.id limit 1`,
);
const token = (await c.auth.issue({ organizationId: o!.id, id: o!.user_id }, 'bearer')).token;
const headers = { authorization: `Bearer ${token}` };
const first = await app.inject({ method: 'GET', url: route, headers });
console.log(first.statusCode, first.body.length);
const bare = Fastify();
const body = first.json();
bare.get('/bare', async () => body);
for (let i = 0; i < 300; i++) {
  await app.inject({ method: 'GET', url: route, headers });
  await bare.inject({ method: 'GET', url: '/bare' });
}
const t0 = performance.now();
for (let i = 0; i < n; i++) await app.inject({ method: 'GET', url: route, headers });
const t1 = performance.now();
for (let i = 0; i < n; i++) await bare.inject({ method: 'GET', url: '/bare' });
const t2 = performance.now();
console.log(`app ${((t1 - t0) / n).toFixed(3)} ms, bare ${((t2 - t1) / n).toFixed(3)} ms`);
process.exit(0);
