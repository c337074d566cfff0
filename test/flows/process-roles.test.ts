/**
 * The product as processes: `recoup serve` stops gracefully on SIGTERM, and on PostgreSQL an `api` process
 * and a `worker` process share one database — the api never works jobs, the worker does.
 * (PGlite is one process per data directory, so its variant is the single embedded `all` process.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { emails } from '../../src/modules/notifications/notifications.table';
import { createOrg } from '../factories';
import { createTestContext, type TestContext } from '../harness';
import { freePort, processes, stop, until } from '../processes';

const SECRET = 'process-roles-secret-process-roles-secret-0123';
const { serve } = processes(SECRET);

const ready = (port: number) =>
  until(
    async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined),
    `readyz on ${port}`,
  );

if (process.env.TEST_DB === 'pg') {
  describe('api and worker processes on one PostgreSQL', () => {
    let t: TestContext;
    afterAll(async () => t?.close());

    it('the worker works the jobs the api and others enqueue; the api works none; both stop on SIGTERM', async () => {
      t = await createTestContext();
      const org = await createOrg(t.c);
      const url = t.c.database.url!;
      const queueEmail = (key: string) =>
        t.c.db.transaction((tx) =>
          t.c.notifications.enqueue(tx, {
            organizationId: org.organizationId,
            dedupeKey: key,
            kind: 'test',
            to: 'someone@example.ca',
            locale: 'fr-CA',
            subject: key,
            html: '<p>x</p>',
            text: 'x',
          }),
        );
      const statusOf = async (id: string) =>
        (
          await t.c.db
            .select({ status: emails.status })
            .from(emails)
            .where(and(eq(emails.organizationId, org.organizationId), eq(emails.id, id)))
        )[0]?.status;

      const port = await freePort();
      const api = serve({
        DATABASE_URL: url,
        RECOUP_ROLE: 'api',
        PORT: String(port),
        RECOUP_SANDBOX: 'false',
      });
      await ready(port);
      const first = await queueEmail('while-only-the-api-runs');
      await new Promise((r) => setTimeout(r, 3_000));
      expect(await statusOf(first.id)).toBe('queued');

      const worker = serve({ DATABASE_URL: url, RECOUP_ROLE: 'worker', RECOUP_SANDBOX: 'false' });
      await until(
        async () => ((await statusOf(first.id)) === 'logged' ? true : undefined),
        'the worker to deliver',
      );
      const second = await queueEmail('with-the-worker');
      await until(
        async () => ((await statusOf(second.id)) === 'logged' ? true : undefined),
        'the worker to deliver again',
      );

      expect(await stop(api.child), api.output()).toBe(0);
      expect(await stop(worker.child), worker.output()).toBe(0);
      expect(worker.output()).toMatch(/SIGTERM: finishing requests and jobs in flight/);
    }, 180_000);
  });
} else {
  describe('the embedded all-in-one process', () => {
    it('serves, then on SIGTERM finishes and exits 0, releasing the data directory', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'recoup-serve-'));
      const env = { ...process.env, RECOUP_DATA_DIR: dir, DATABASE_URL: '' };
      // An organization first, so that the first start does not load the demo.
      const created = spawnSync(
        process.execPath,
        [
          'bin/recoup.mjs',
          'org',
          'create',
          '--name',
          'Club',
          '--admin-email',
          `a${Date.now()}@example.ca`,
          '--admin-password',
          'long-enough-1',
        ],
        { env, encoding: 'utf8' },
      );
      expect(created.status, created.stderr).toBe(0);
      const port = await freePort();
      const server = serve({ RECOUP_DATA_DIR: dir, DATABASE_URL: '', PORT: String(port) });
      await ready(port);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect(await stop(server.child), server.output()).toBe(0);
      // The lock is gone: the CLI can open the database again.
      const migrate = spawnSync(process.execPath, ['bin/recoup.mjs', 'migrate'], { env, encoding: 'utf8' });
      expect(migrate.status, migrate.stderr).toBe(0);
    }, 180_000);
  });
}
