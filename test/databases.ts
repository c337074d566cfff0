import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { createDb, type Database, migrateDb } from '../src/platform/db/db';
import { JobQueue } from '../src/platform/jobs/queue';

/** The PostgreSQL that CI machines have; override with TEST_DATABASE_URL. */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

export function pgUrlFor(database: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Migrates one template per run (schema + pg-boss), so each test file only copies it. */
export async function prepareTemplates(
  kind: 'pg' | 'pglite',
): Promise<{ value: string; teardown: () => Promise<void> }> {
  if (kind === 'pglite') {
    const pglite = await PGlite.create();
    const database = await createDb({ pglite });
    await migrateDb(database);
    const queue = await JobQueue.create(database, { schedule: false, supervise: false });
    await queue.stop({ graceful: false });
    const dump = (await pglite.dumpDataDir('none')) as Blob;
    const file = join(
      tmpdir(),
      `recoup-pglite-template-${process.pid}-${randomBytes(4).toString('hex')}.tar`,
    );
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    await pglite.close();
    process.env.RECOUP_PGLITE_TEMPLATE = file;
    return { value: file, teardown: async () => undefined };
  }
  const name = `recoup_tpl_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const database = await createDb({ databaseUrl: pgUrlFor(name), poolSize: 2 });
  await migrateDb(database);
  const queue = await JobQueue.create(database, { schedule: false, supervise: false });
  await queue.stop({ graceful: false });
  await database.close();
  process.env.RECOUP_PG_TEMPLATE = name;
  return {
    value: name,
    teardown: async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** A fresh database for one test file, copied from the run's template. */
export async function createTestDatabase(template?: string): Promise<Database & { drop(): Promise<void> }> {
  const kind = process.env.TEST_DB === 'pg' ? 'pg' : 'pglite';
  if (kind === 'pglite') {
    const file = template ?? process.env.RECOUP_PGLITE_TEMPLATE;
    const pglite = file
      ? await PGlite.create({ loadDataDir: new Blob([readFileSync(file)]) })
      : await PGlite.create();
    const database = await createDb({ pglite });
    if (!file) await migrateDb(database);
    return { ...database, drop: async () => database.close() };
  }
  template ??= process.env.RECOUP_PG_TEMPLATE;
  const name = `recoup_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(template ? `create database ${name} template ${template}` : `create database ${name}`);
  } finally {
    await admin.end();
  }
  const database = await createDb({ databaseUrl: pgUrlFor(name), poolSize: 20 });
  if (!template) await migrateDb(database);
  return {
    ...database,
    drop: async () => {
      await database.close();
      const dropper = new pg.Client({ connectionString: TEST_PG_URL });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}
