import { type SQL, sql } from 'drizzle-orm';

/**
 * The recovery summary's inbox (recovery_changes, recovery.table.ts): the account whose money the current
 * transaction changes. Run as a CTE of the account lock's statement (accounts/account-lock.ts), which every
 * transaction that moves money or changes what an account owes takes first — a posting, an allocation, a
 * refund, a charge or its outcome, a retry, an entry ignored or rescheduled, a card update, a reconcile — so
 * the summary hears of every change to an entry, its invoice or its attempts without each writer having to
 * remember it, and in the same transaction: the row commits or rolls back with the change.
 */
export function accountChangedCte(organizationId: string, accountId: string): SQL {
  return sql`insert into recovery_changes (organization_id, account_id) values (${organizationId}, ${accountId})`;
}

/** accountChangedCte for the accounts a query gives (`organization_id`, `id`), e.g. only an existing one. */
export function accountsChangedCte(accounts: SQL): SQL {
  return sql`insert into recovery_changes (organization_id, account_id) select organization_id, id from (${accounts}) a`;
}
