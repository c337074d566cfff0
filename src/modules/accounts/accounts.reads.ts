import { and, eq, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { Locale } from '../../lib/locale';
import type { Db } from '../../platform/db/db';
import { accounts } from './accounts.table';

/**
 * What other modules read about an account, so that none of them imports `accounts` (STYLE habit 11:
 * the accounts module is its one writer and the one place that knows its columns).
 */

/**
 * The owner's name as a scalar subquery on the primary key, for a list that shows it beside its own rows.
 * A subquery rather than a join: PostgreSQL evaluates it only for the rows a page returns, after the
 * LIMIT, and plans the page in a fraction of a join's time (bench/failed-transactions.ts). The account
 * always exists (every referencing table has a foreign key), so it is never null.
 */
export const ownerNameOf = (organizationId: SQLWrapper, accountId: SQLWrapper): SQL<string> =>
  sql<string>`(select a.owner_name from accounts a
          where a.organization_id = ${organizationId} and a.id = ${accountId})`;

/** Whom a notice about the account goes to, and in which language; null for an unknown account. */
export async function accountOwner(
  db: Db,
  organizationId: string,
  accountId: string,
): Promise<{ name: string; email: string; locale: Locale } | null> {
  const [found] = await db
    .select({ name: accounts.ownerName, email: accounts.ownerEmail, locale: accounts.locale })
    .from(accounts)
    .where(and(eq(accounts.organizationId, organizationId), eq(accounts.id, accountId)))
    .limit(1);
  return found ?? null;
}
