import { createHash } from 'node:crypto';
import type pg from 'pg';

/** Distinct statements one connection prepares at most; the others run unnamed, as before. */
export const MAX_PREPARED_PER_CONNECTION = 150;

/**
 * Plans kept per connection: every parameterised statement a connection of the pool runs is sent as a
 * named prepared statement (its name a hash of its text), so PostgreSQL parses and plans it once per
 * connection — after five runs it may keep one generic plan — instead of at every run. Recoup's money
 * statements are composed from several modules' fragments and take far longer to plan than to run
 * (reconcile's counted read: 0.5–0.6 ms of planning for 0.1 ms of execution; bench/reconcilable-accounts.ts,
 * where reconciles/s rose by half with it).
 *
 * Only on a direct connection to PostgreSQL: a transaction-mode pooler (PgBouncer, DATABASE_SESSION_URL set)
 * hands each transaction any server connection, on which the statement was never prepared, so there every
 * statement stays unnamed (createDb decides). Statements without parameters (BEGIN, COMMIT, migrations'
 * multi-statement scripts) are left alone, and a connection names at most MAX_PREPARED_PER_CONNECTION
 * texts, so a statement whose text varies cannot grow the server's memory without bound. Should the server
 * answer that named statements cannot work after all (a pooler nobody declared, a migration under running
 * connections), the pool stops naming them (PoolNaming).
 */
export function nameStatements(
  client: pg.PoolClient | pg.Client,
  max = MAX_PREPARED_PER_CONNECTION,
  pool: PoolNaming = new PoolNaming(),
): void {
  const names = new Map<string, string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (pool.enabled && isUnnamedConfig(config) && hasParameters(config, values)) {
      let name = names.get(config.text);
      if (name === undefined && names.size < max) {
        name = `r_${createHash('sha1').update(config.text).digest('base64url')}`;
        names.set(config.text, name);
      }
      if (name !== undefined) {
        // A statement the server says it cannot keep turns naming off for the whole pool (below).
        if (typeof callback === 'function') {
          return query({ ...config, name }, values, (err: unknown, res: unknown) => {
            pool.saw(err);
            (callback as (e: unknown, r: unknown) => void)(err, res);
          });
        }
        const sent = query({ ...config, name }, values);
        if (sent instanceof Promise) return sent.catch((err: unknown) => Promise.reject(pool.saw(err)));
        return sent;
      }
    }
    return query(config, values, callback);
  };
}

/**
 * What the connections of one pool share: whether they still name statements. The server's answers that
 * mean named statements cannot work here turn it off for good, with one log line; the statement that met it
 * fails (its transaction is aborted), every later one runs unnamed:
 * - 42P05 / 26000 (a prepared statement "already exists" / "does not exist"): a transaction-mode pooler is in
 *   front of PostgreSQL after all (DATABASE_URL pointed at one without a DATABASE_SESSION_URL of its own), so
 *   a client's statements are not on the server connection it was handed;
 * - 0A000 "cached plan must not change result type": a migration (a rolling deploy) changed the columns of a
 *   table a kept statement reads.
 */
export class PoolNaming {
  enabled = true;

  constructor(private readonly log: (message: string) => void = (m) => console.warn(m)) {}

  saw(err: unknown): unknown {
    const code = (err as { code?: unknown } | null)?.code;
    const message = String((err as { message?: unknown } | null)?.message ?? '');
    const broken =
      code === '42P05' || code === '26000' || (code === '0A000' && message.includes('cached plan'));
    if (broken && this.enabled) {
      this.enabled = false;
      this.log(
        `recoup: named prepared statements turned off for this process (${String(code)}: ${message}); ` +
          (code === '0A000'
            ? 'a migration changed a table under running connections'
            : 'a transaction-mode pooler needs DATABASE_SESSION_URL (README "Deploy")'),
      );
    }
    return err;
  }
}

interface QueryConfigLike {
  text: string;
  name?: string;
  values?: unknown[];
  submit?: unknown;
}

/** A plain query config without a name (not a string, not a Submittable such as a cursor). */
function isUnnamedConfig(config: unknown): config is QueryConfigLike {
  return (
    typeof config === 'object' &&
    config !== null &&
    typeof (config as QueryConfigLike).text === 'string' &&
    (config as QueryConfigLike).name === undefined &&
    typeof (config as QueryConfigLike).submit !== 'function'
  );
}

function hasParameters(config: QueryConfigLike, values: unknown): boolean {
  const given = Array.isArray(values) ? values : config.values;
  return Array.isArray(given) && given.length > 0;
}
