import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { bigint, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { withCompiledRows } from './compiled-rows';

const a = pgTable('a', {
  id: text('id').notNull(),
  amount: bigint('amount', { mode: 'bigint' }).notNull(),
  at: timestamp('at', { withTimezone: true, mode: 'date' }),
});
const b = pgTable('b', { id: text('id').notNull(), aId: text('a_id') });
// Never connected: preparing a select builds its text and fields only.
const pool = new pg.Pool();
const db = drizzle(pool);
afterAll(() => pool.end());

type Mapper = ((rows: unknown[][]) => unknown[]) | undefined;
const mapperOf = (prepared: object) => (prepared as { customResultMapper?: Mapper }).customResultMapper;

describe('withCompiledRows', () => {
  it('maps top-level and nested fields through each column’s decoder, nulls as null', () => {
    const prepared = withCompiledRows(
      db
        .select({ row: a, label: sql<string>`'x'`, n: sql<bigint>`1`.mapWith(BigInt) })
        .from(a)
        .prepare('q'),
    );
    const map = mapperOf(prepared);
    expect(map).toBeTypeOf('function');
    expect(
      map!([
        ['a1', '1200', '2026-12-02 05:00:00+00', 'x', '7'],
        ['a2', '5', null, null, null],
      ]),
    ).toEqual([
      { row: { id: 'a1', amount: 1200n, at: new Date('2026-12-02T05:00:00Z') }, label: 'x', n: 7n },
      { row: { id: 'a2', amount: 5n, at: null }, label: null, n: null },
    ]);
  });

  it('keeps Drizzle’s mapping where a nested object may be nulled (a left-joined table)', () => {
    const prepared = withCompiledRows(db.select({ a, b }).from(a).leftJoin(b, eq(b.aId, a.id)).prepare('q'));
    expect(mapperOf(prepared)).toBeUndefined();
  });

  it('compiles a left join whose columns are selected at the top level (nothing to null)', () => {
    const prepared = withCompiledRows(
      db.select({ row: a, bId: b.id }).from(a).leftJoin(b, eq(b.aId, a.id)).prepare('q'),
    );
    expect(mapperOf(prepared)).toBeTypeOf('function');
  });
});
