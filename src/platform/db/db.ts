import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { MIGRATIONS_FOLDER } from '../paths';
import { MAX_PREPARED_PER_CONNECTION, nameStatements, PoolNaming } from './statement-cache';
/**
 * Both drivers' Drizzle databases share this type; a transaction is one too. No relational schema is
 * registered: queries name their tables, so the plumbing needs no import of the domain's tables.
 */
export type Db = PgDatabase<PgQueryResultHKT>;

/** Where the committed migrations are, from the sources and from the compiled build alike. */
export { MIGRATIONS_FOLDER };

export interface Database {
  kind: 'pglite' | 'pg';
  /** the PostgreSQL connection string */
  url?: string;
  /**
   * where session-level features connect (the migrator's advisory lock, pg-boss, LISTEN): the server
   * itself or a session-mode pooler, when `url` is a transaction-mode pooler (PgBouncer); else `url`
   */
  sessionUrl?: string;
  db: Db;
  /** the embedded engine, for pg-boss's adapter */
  pglite?: PGlite;
  /** the PostgreSQL pool */
  pool?: pg.Pool;
  close(): Promise<void>;
}

/** Another process holds the embedded database: it cannot be opened twice. */
export class DatabaseLockedError extends Error {}

export interface CreateDbOptions {
  databaseUrl?: string;
  databaseSessionUrl?: string;
  dataDir?: string;
  /** an already open PGlite (tests clone a migrated template) */
  pglite?: PGlite;
  poolSize?: number;
  /** named prepared statements per connection (statement-cache.ts); default: when there is no pooler */
  preparedStatements?: boolean;
  /** a PGlite dump (dumpDataDir) to start an empty data directory from: the prepared demo */
  loadDataDir?: Blob;
}

export async function createDb(opts: CreateDbOptions): Promise<Database> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      // JIT planning costs tens of milliseconds on these short queries (../shared/STACK-NOTES.md).
      options: '-c jit=off',
    });
    pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it. Queries in flight report their own error.
    });
    const sessionUrl = opts.databaseSessionUrl ?? opts.databaseUrl;
    // Plans kept per connection, only when DATABASE_URL is PostgreSQL itself (statement-cache.ts): behind a
    // transaction-mode pooler (a DATABASE_SESSION_URL of its own) a connection's prepared statements are not
    // the next transaction's.
    if (opts.preparedStatements ?? sessionUrl === opts.databaseUrl) {
      const naming = new PoolNaming();
      pool.on('connect', (client) => nameStatements(client, MAX_PREPARED_PER_CONNECTION, naming));
    }
    const db = drizzlePg(pool) as unknown as Db;
    return { kind: 'pg', url: opts.databaseUrl, sessionUrl, db, pool, close: () => pool.end() };
  }
  if (opts.pglite) {
    const db = drizzlePglite(opts.pglite) as unknown as Db;
    return { kind: 'pglite', db, pglite: opts.pglite, close: () => opts.pglite!.close() };
  }
  const dataDir = resolve(opts.dataDir ?? './data');
  const pgDir = join(dataDir, 'pglite');
  mkdirSync(pgDir, { recursive: true });
  const release = acquireLock(join(dataDir, 'recoup.lock'));
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(pgDir, opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {});
  } catch (err) {
    release();
    throw err;
  }
  const db = drizzlePglite(pglite) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    pglite,
    close: async () => {
      await pglite.close();
      release();
    },
  };
}

/**
 * PGlite is one process per data directory; a second one would corrupt it. The lock file names the
 * holder's PID; a lock left by a process that no longer runs is taken over.
 */
function acquireLock(file: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(file, 'utf8'));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new DatabaseLockedError(
          `the embedded database in ${dirname(file)} is in use by process ${holder}; stop it first, or set DATABASE_URL to share a PostgreSQL server`,
        );
      }
      if (existsSync(file)) unlinkSync(file);
    }
  }
  throw new DatabaseLockedError(`could not lock the embedded database in ${dirname(file)}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Applies the committed migrations. Safe to run again, and from several processes on PostgreSQL. */
export async function migrateDb(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    await migratePglite(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    return;
  }
  // A session of its own: the advisory lock below is session-level, and through a transaction-mode pooler
  // the lock and its unlock could land on different server connections (the lock would then never go).
  const client = new pg.Client({ connectionString: database.sessionUrl ?? database.url });
  await client.connect();
  try {
    // One migrator at a time when several api/worker processes start together.
    await client.query('select pg_advisory_lock(72871001)');
    await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await client.query('select pg_advisory_unlock(72871001)').catch(() => undefined);
    await client.end();
  }
}

/** Raw rows of a hand-written query. int8 comes back as string (pg) or number/BigInt (PGlite): normalise. */
export async function rows<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

export function big(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'string') return BigInt(value);
  if (value === null || value === undefined) return 0n;
  throw new TypeError(`not an integer: ${String(value)}`);
}

export function int(value: unknown): number {
  return Number(big(value));
}
