import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';

/**
 * What other modules read about an organization inside their own queries, so that none of them imports
 * `organizations` (STYLE habit 11: the organizations module is its one writer).
 */

/**
 * The organization's language as a scalar subquery on its primary key, for a query that resolves a person
 * and needs the language they fall back to. Never null: every tenant row's organization exists.
 */
export const organizationLocaleOf = (organizationId: SQLWrapper): SQL<string> =>
  sql<string>`(select o.locale from organizations o where o.id = ${organizationId})`;
