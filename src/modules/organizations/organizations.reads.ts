import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';

/**
 * What other modules read about an organization inside their own queries, so that none of them imports
 * `organizations` (STYLE habit 11: the organizations module is its one writer).
 */

/**
 * The organization a row belongs to, for a query that also needs its language: join `source` on `on(…)`
 * and select `locale`. A join and not a scalar subquery: the token lookup keeps the plan it always had (it
 * runs on every request the principal cache misses). `alias` must not clash with the query's other names.
 */
export function organizationJoin(alias: string) {
  const o = sql.identifier(alias);
  return {
    source: sql`organizations ${o}`,
    on: (organizationId: SQLWrapper): SQL => sql`${o}.id = ${organizationId}`,
    locale: sql<string>`${o}.locale`,
  };
}
