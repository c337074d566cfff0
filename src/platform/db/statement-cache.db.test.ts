/**
 * Plans kept per connection (statement-cache.ts) on PostgreSQL reached directly, and never behind a
 * transaction-mode pooler (a DATABASE_SESSION_URL of its own) nor on PGlite.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/databases';
import { createDb, type Database, int, rows } from './db';

const isPg = process.env.TEST_DB === 'pg';
let database: Database & { drop(): Promise<void> };

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.drop());

/** The statements this transaction's connection has prepared under the cache's names. */
const preparedHere = (tx: Database['db']) =>
  rows<{ n: unknown }>(tx, sql`select count(*) as n from pg_prepared_statements where name like ${'r\\_%'}`);

describe('plans kept per connection', () => {
  it('on PostgreSQL reached directly a parameterised statement is prepared once on its connection; on PGlite none is', async () => {
    await database.db.transaction(async (tx) => {
      // The probe is a parameterised statement too: on PostgreSQL it counts itself.
      const before = int((await preparedHere(tx))[0]?.n);
      const first = await rows<{ v: unknown }>(tx, sql`select ${41}::int + 1 as v`);
      const again = await rows<{ v: unknown }>(tx, sql`select ${41}::int + 1 as v`);
      expect(first).toEqual([{ v: 42 }]);
      expect(again).toEqual(first);
      const after = int((await preparedHere(tx))[0]?.n);
      if (isPg) {
        expect(before).toBeGreaterThanOrEqual(1);
        expect(after).toBe(before + 1);
      } else {
        expect([before, after]).toEqual([0, 0]);
      }
    });
  });

  it('behind a pooler (a DATABASE_SESSION_URL of its own) nothing is prepared by name', async () => {
    const pooled = database.url
      ? await createDb({ databaseUrl: database.url, databaseSessionUrl: `${database.url}?session` })
      : null;
    const db = pooled?.db ?? database.db;
    try {
      await db.transaction(async (tx) => {
        await rows(tx, sql`select ${1}::int as v`);
        expect(int((await preparedHere(tx))[0]?.n)).toBe(0);
      });
    } finally {
      await pooled?.close();
    }
  });

  it('a migration under a kept statement fails that statement once, then the pool runs unnamed', async () => {
    // One connection, so that the second run meets the statement the first one prepared.
    const single = database.url ? await createDb({ databaseUrl: database.url, poolSize: 1 }) : null;
    const db = single?.db ?? database.db;
    try {
      await db.execute(sql.raw('create table naming_probe (id int primary key, label text)'));
      await db.execute(sql.raw("insert into naming_probe values (1, 'un')"));
      const read = () => rows<Record<string, unknown>>(db, sql`select * from naming_probe where id = ${1}`);
      expect(await read()).toEqual([{ id: 1, label: 'un' }]);
      await db.execute(sql.raw('alter table naming_probe add column extra int'));
      if (isPg) {
        const failed = await read().then(
          () => null,
          (e: Error & { cause?: Error }) => e,
        );
        expect(String(failed?.cause?.message ?? failed?.message)).toMatch(
          /cached plan must not change result type/,
        );
      }
      expect(await read()).toEqual([{ id: 1, label: 'un', extra: null }]);
    } finally {
      await db.execute(sql.raw('drop table if exists naming_probe'));
      await single?.close();
    }
  });
});
