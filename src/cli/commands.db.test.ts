/**
 * `recoup migrate` takes its session-level work (the migrator's advisory lock) to DATABASE_SESSION_URL, as
 * the server does: behind a transaction-mode pooler the lock and its unlock could land on different server
 * connections. Here DATABASE_URL points at a port nothing listens on, so only the session URL can migrate.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/databases';
import { loadConfig } from '../platform/config/config';
import type { Database } from '../platform/db/db';
import { runMigrate } from './commands';

let scratch: (Database & { drop(): Promise<void> }) | null = null;
beforeAll(async () => {
  if (process.env.TEST_DB === 'pg') scratch = await createTestDatabase();
});
afterAll(async () => scratch?.drop());

const config = (env: Record<string, string>) =>
  loadConfig(
    {
      ...env,
      RECOUP_DATA_DIR: mkdtempSync(join(tmpdir(), 'recoup-migrate-')),
      RECOUP_SECRET: 'x'.repeat(40),
    },
    { ensureSecret: false },
  );

describe('recoup migrate', () => {
  it('migrates through DATABASE_SESSION_URL when DATABASE_URL is a pooler (on PGlite: its data directory)', async () => {
    if (scratch?.url) {
      await runMigrate(
        config({ DATABASE_URL: 'postgres://root@127.0.0.1:1/nowhere', DATABASE_SESSION_URL: scratch.url }),
      );
      const client = new pg.Client({ connectionString: scratch.url });
      await client.connect();
      try {
        const { rows } = await client.query(`select to_regclass('public.failed_transactions') as t`);
        expect(rows[0]?.t).toBe('failed_transactions');
      } finally {
        await client.end();
      }
    } else {
      await expect(runMigrate(config({}))).resolves.toBeUndefined();
    }
  });
});
