/**
 * More than one process through a connection pooler: Debian's PgBouncer, started here on a free loopback
 * port, in front of this file's PostgreSQL database; 2 `api` + 2 `worker` processes use it. Several due runs
 * sent at once to both api processes (the workers' own schedules may run too) and concurrent retries of the
 * declined charges still collect each obligation exactly once.
 *
 * Pooling modes (see README "Deploy"):
 * - DATABASE_URL → `pool_mode=transaction`: the app's queries and transactions. Recoup's account lock is
 *   `pg_advisory_xact_lock` (released at COMMIT, so it never outlives the server connection's lease), jobs
 *   are enqueued inside the business transaction, statements are unnamed (no prepared-statement state), and
 *   `pg_notify()` inside a transaction is delivered at COMMIT whichever server connection ran it.
 * - DATABASE_SESSION_URL → `pool_mode=session` (or PostgreSQL itself): pg-boss keeps a LISTEN connection,
 *   the auth cache LISTENs for revocations, and the migrator holds a session-level `pg_advisory_lock` across
 *   many statements. In transaction mode a LISTEN is lost when the server connection goes back to the pool
 *   and a session lock stays on whichever server connection took it. pg-boss's own locks are
 *   `pg_advisory_xact_lock`, fine either way.
 * - PgBouncer rejects the `options` startup parameter (`-c jit=off`); it is ignored and the transaction
 *   pool sets `jit = off` with `connect_query` instead.
 */
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/platform/config/config';
import { createOrg } from '../factories';
import { createTestContext, type TestContext } from '../harness';
import { freePort, processes, stop, until } from '../processes';

const SECRET = 'pgbouncer-flow-secret-pgbouncer-flow-secret-0123';
const { start } = processes(SECRET);

/** PgBouncer with a transaction-mode and a session-mode alias of one database. */
async function startPgBouncer(serverUrl: string) {
  const server = new URL(serverUrl);
  const dir = mkdtempSync(join(tmpdir(), 'recoup-pgbouncer-'));
  const port = await freePort();
  const target = `host=${server.hostname} port=${server.port || 5432} dbname=${server.pathname.slice(1)}`;
  writeFileSync(join(dir, 'users.txt'), `"${decodeURIComponent(server.username)}" ""\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `app = ${target} pool_mode=transaction connect_query='SET jit = off'`,
      // session mode holds a server connection per client for its life (per process: pg-boss's pool of 4, its
      // LISTEN, the auth LISTEN, the migrator): sized for all of them, or a starting process waits forever
      `app_session = ${target} pool_mode=session pool_size=40`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'max_client_conn = 500',
      // fewer server connections than the four processes' pools ask for: they really share them
      'default_pool_size = 8',
      'ignore_startup_parameters = extra_float_digits,options',
      '',
    ].join('\n'),
  );
  // PgBouncer refuses to run as root; it then switches to an unprivileged user that must read its files.
  chmodSync(dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  const bouncer = start('/usr/sbin/pgbouncer', [
    ...(asRoot ? ['-u', 'nobody'] : []),
    join(dir, 'pgbouncer.ini'),
  ]);
  const user = server.username ? `${server.username}@` : '';
  const url = (db: string) => `postgres://${user}127.0.0.1:${port}/${db}`;
  await until(
    async () => {
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: url('app') });
      await client.connect();
      await client.end();
      return true;
    },
    'PgBouncer to accept connections',
    20_000,
  );
  return { bouncer, transactionUrl: url('app'), sessionUrl: url('app_session') };
}

if (process.env.TEST_DB === 'pg') {
  describe('2 api + 2 worker processes through PgBouncer (transaction pooling)', () => {
    let t: TestContext;
    afterAll(async () => t?.close());

    it('concurrent due runs and retries on both api processes collect every charge exactly once', async () => {
      expect(existsSync('/usr/sbin/pgbouncer'), "Debian's pgbouncer is needed").toBe(true);
      t = await createTestContext();
      const org = await createOrg(t.c);
      const { bouncer, transactionUrl, sessionUrl } = await startPgBouncer(t.c.database.url!);
      const env = {
        DATABASE_URL: transactionUrl,
        DATABASE_SESSION_URL: sessionUrl,
        RECOUP_SANDBOX: 'true',
      };
      const ports = [await freePort(), await freePort()];
      const apis = ports.map((port) =>
        start(process.execPath, ['bin/recoup.mjs', 'serve'], {
          ...env,
          RECOUP_ROLE: 'api',
          PORT: String(port),
        }),
      );
      const workers = [0, 1].map(() =>
        start(process.execPath, ['bin/recoup.mjs', 'serve'], { ...env, RECOUP_ROLE: 'worker' }),
      );
      for (const [i, port] of ports.entries())
        await until(
          async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined),
          `readyz on ${port}`,
        ).catch((err) => {
          throw new Error(`${err.message}\n${apis[i]!.output()}\n${bouncer.output().slice(-2000)}`);
        });

      let turn = 0;
      const api = async (method: string, path: string, body?: unknown) => {
        const port = ports[turn++ % ports.length];
        const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
          method,
          headers: {
            authorization: `Bearer ${org.adminToken}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : null };
      };

      expect((await api('PUT', '/sandbox/clock', { now: '2026-03-01T15:00:00Z' })).status).toBe(200);
      const accounts: { id: string; declined: boolean }[] = [];
      for (let i = 0; i < 6; i++) {
        const account = await api('POST', '/accounts', {
          ownerName: `Client ${i}`,
          ownerEmail: `client${i}@example.ca`,
        });
        expect(account.status).toBe(201);
        const card = await api('POST', `/accounts/${account.body.id}/payment-methods`, {
          type: 'card',
          number: '4242424242424242',
          expMonth: 12,
          expYear: 2040,
          cvc: '123',
          saveToWallet: true,
        });
        expect(card.status).toBe(201);
        const declined = i >= 4;
        if (declined) {
          const forced = await api('POST', `/sandbox/payment-methods/${card.body.id}/next-outcome`, {
            outcome: 'card_declined',
          });
          expect(forced.status).toBe(200);
        }
        const sub = await api('POST', `/accounts/${account.body.id}/subscriptions`, {
          amount: 4500,
          interval: 'month',
          startDate: '2026-03-01',
          paymentMethodId: card.body.id,
        });
        expect(sub.status).toBe(201);
        accounts.push({ id: account.body.id, declined });
      }

      // Six due runs at once over both api processes.
      const runs = await Promise.all(
        Array.from({ length: 6 }, () => api('POST', '/sandbox/jobs/payments-due')),
      );
      for (const run of runs) expect(run.status, JSON.stringify(run.body)).toBe(200);

      // The two declined charges: retried four times each, at once, over both api processes.
      const entries = await api('GET', '/action-center/failed-transactions?limit=200');
      expect(entries.status).toBe(200);
      expect(entries.body.items).toHaveLength(2);
      const retries = await Promise.all(
        entries.body.items.flatMap((entry: { id: string }) =>
          Array.from({ length: 4 }, () =>
            api('POST', `/action-center/failed-transactions/${entry.id}/retry`),
          ),
        ),
      );
      for (const retry of retries) expect([202, 409]).toContain(retry.status);
      expect(retries.filter((r) => r.status === 202).length).toBeGreaterThanOrEqual(2);

      // The workers collect the retries; then every invoice is paid by exactly one payment of its amount.
      const ledgerOf = async (accountId: string) =>
        (await api('GET', `/accounts/${accountId}/ledger`)).body.items as {
          kind: string;
          amount: number;
          openAmount: number;
        }[];
      for (const account of accounts) {
        const ledger = await until(async () => {
          const items = await ledgerOf(account.id);
          return items.some((d) => d.kind === 'payment') ? items : undefined;
        }, `a payment on ${account.id}`);
        void ledger;
      }
      await new Promise((r) => setTimeout(r, 3_000)); // a duplicate would have landed by now
      for (const account of accounts) {
        const ledger = await ledgerOf(account.id);
        const payments = ledger.filter((d) => d.kind === 'payment');
        const invoices = ledger.filter((d) => d.kind === 'invoice');
        expect(payments, JSON.stringify(ledger)).toHaveLength(1);
        expect(payments[0]!.amount).toBe(4500);
        expect(invoices).toHaveLength(1);
        expect(invoices[0]!.openAmount).toBe(0);
      }
      const after = await api('GET', '/action-center/failed-transactions?limit=200');
      expect(after.body.items).toHaveLength(0);

      for (const p of [...apis, ...workers]) expect(await stop(p.child), p.output()).toBe(0);
      await stop(bouncer.child);
    }, 300_000);
  });
} else {
  describe('pooler configuration (PostgreSQL only; the embedded database is one process)', () => {
    it('DATABASE_SESSION_URL defaults to DATABASE_URL, is checked, and needs DATABASE_URL', () => {
      const base = { RECOUP_SECRET: SECRET };
      const direct = loadConfig({ ...base, DATABASE_URL: 'postgres://u@h/db' });
      expect(direct.databaseSessionUrl).toBe('postgres://u@h/db');
      const pooled = loadConfig({
        ...base,
        DATABASE_URL: 'postgres://u@pooler:6432/app',
        DATABASE_SESSION_URL: 'postgres://u@pooler:6432/app_session',
      });
      expect(pooled.databaseSessionUrl).toBe('postgres://u@pooler:6432/app_session');
      expect(() => loadConfig({ ...base, DATABASE_SESSION_URL: 'postgres://u@h/db' })).toThrow(ConfigError);
      expect(() =>
        loadConfig({
          ...base,
          DATABASE_URL: 'postgres://u@h/db',
          DATABASE_SESSION_URL: 'mysql://x:secret@h',
        }),
      ).toThrow(/DATABASE_SESSION_URL must use postgres:/);
      expect(() => loadConfig({ ...base, RECOUP_ROLE: 'api' })).toThrow(/RECOUP_ROLE must be all/);
    });
  });
}
