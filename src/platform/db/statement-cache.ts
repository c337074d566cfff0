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
 * texts, so a statement whose text varies cannot grow the server's memory without bound.
 */
export function nameStatements(client: pg.PoolClient | pg.Client, max = MAX_PREPARED_PER_CONNECTION): void {
  const names = new Map<string, string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (isUnnamedConfig(config) && hasParameters(config, values)) {
      let name = names.get(config.text);
      if (name === undefined && names.size < max) {
        name = `r_${createHash('sha1').update(config.text).digest('base64url')}`;
        names.set(config.text, name);
      }
      if (name !== undefined) return query({ ...config, name }, values, callback);
    }
    return query(config, values, callback);
  };
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
