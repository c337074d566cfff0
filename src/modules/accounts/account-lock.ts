import { sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/db';
import { accountChangedCte } from '../recovery/recovery-changes';

/**
 * THE LOCK ORDER of every transaction that moves money or changes what an account owes. One order, so
 * that two transactions can never wait on each other (a deadlock on PostgreSQL aborts one of them, and the
 * aborted one may be the one recording money the gateway already moved):
 *
 *   1. the account: `lockAccount` (a transaction-level advisory lock), first, before any row lock;
 *   2. the schedule: the subscription or installment plan row;
 *   3. its scheduled payments, in ID order;
 *   4. the Action Center entry;
 *   5. the attempt (`transactions` row);
 *   6. ledger documents, in ID order (`LedgerService.lockDocuments`), then allocations;
 *   7. the account's summaries (reconciliation, expiring cards), written last.
 *
 * Posting, allocations and undo, refunds, scheduled charges, retries, portal payments, eCheck settlement,
 * reconcile and undo, lifecycle changes: each takes the account lock first, so within one account they run
 * one after the other, and across accounts they never share a row. Work over many accounts (the due-charge
 * claim, the sweeper) only takes row locks with SKIP LOCKED or one account at a time.
 *
 * Taking it also reports the account to the recovery summary (RC7's figures), which catches up before
 * it is read: a change that took this lock can never be missing from the recovery analytics.
 *
 * The lock is re-entrant within a transaction (PostgreSQL stacks advisory locks per session), so a
 * service called with the caller's `tx` may take it again at no risk. The key is the same as
 * reconciliation's RA8 lock, which therefore serialises reconcile with every money movement of the account.
 */
export async function lockAccount(tx: Db, organizationId: string, accountId: string): Promise<void> {
  // The same round trip tells the recovery summary which account changed (recovery/recovery-changes.ts):
  // the lock is the one step every money movement of the account shares.
  await tx.execute(sql`with changed as (${accountChangedCte(organizationId, accountId)})
    select pg_advisory_xact_lock(hashtext(${organizationId}), hashtext(${accountId}))`);
}

/** `db.transaction` with the account lock taken first (step 1 of the lock order). */
export function accountTransaction<T>(
  db: Db,
  organizationId: string,
  accountId: string,
  work: (tx: Db) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    await lockAccount(tx, organizationId, accountId);
    return work(tx);
  });
}
