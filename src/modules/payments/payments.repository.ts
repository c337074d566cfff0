import { and, eq, sql } from 'drizzle-orm';
import { notFound } from '../../lib/errors';
import { big, type Db } from '../../platform/db/db';
import { type FailedTransaction, failedTransactions } from '../failed-transactions/failed-transactions.table';
import { allocations } from '../ledger/ledger.table';
import { scheduledPayments } from '../schedules/schedules.table';
import { transactions } from './payments.table';

/** The queries the money-moving parts share (no rules here: services decide, repositories fetch). */

export type Transaction = typeof transactions.$inferSelect;
export type ScheduledPayment = typeof scheduledPayments.$inferSelect;

export type ChargeOutcome = {
  status: 'succeeded' | 'pending' | 'failed';
  code?: string;
  transactionId: string;
};

/** What a recorded gateway attempt means to the caller. */
export function outcomeOf(txn: Transaction): ChargeOutcome {
  if (txn.status === 'succeeded' || txn.status === 'settled')
    return { status: 'succeeded', transactionId: txn.id };
  if (txn.status === 'pending') return { status: 'pending', transactionId: txn.id };
  return { status: 'failed', code: txn.failureCode ?? 'processing_error', transactionId: txn.id };
}

export async function transactionByKey(
  db: Db,
  organizationId: string,
  key: string,
): Promise<Transaction | null> {
  const [seen] = await db
    .select()
    .from(transactions)
    .where(and(eq(transactions.organizationId, organizationId), eq(transactions.idempotencyKey, key)));
  return seen ?? null;
}

export async function transactionById(db: Db, organizationId: string, id: string): Promise<Transaction> {
  const [txn] = await db
    .select()
    .from(transactions)
    .where(and(eq(transactions.organizationId, organizationId), eq(transactions.id, id)));
  if (!txn) throw notFound('transaction');
  return txn;
}

/**
 * Inserts an attempt's transaction row unless its idempotency key is already there: `inserted` tells
 * whether this call won (and must record the effects) or found an earlier recording.
 */
export async function insertTransaction(
  tx: Db,
  values: typeof transactions.$inferInsert,
): Promise<{ txn: Transaction; inserted: boolean }> {
  const [inserted] = await tx
    .insert(transactions)
    .values(values)
    .onConflictDoNothing({ target: [transactions.organizationId, transactions.idempotencyKey] })
    .returning();
  if (inserted) return { txn: inserted, inserted: true };
  const seen = await transactionByKey(tx, values.organizationId, values.idempotencyKey);
  if (!seen) throw new Error(`transaction ${values.idempotencyKey} conflicted but was not found`);
  return { txn: seen, inserted: false };
}

/**
 * Completes a pending transaction (a refund answered, an eCheck settled or returned): null when another
 * call completed it first, so only one records the effects.
 */
export async function completePending(
  tx: Db,
  organizationId: string,
  id: string,
  values: Pick<typeof transactions.$inferInsert, 'status' | 'failureCode' | 'settledAt'> &
    Partial<Pick<typeof transactions.$inferInsert, 'gatewayRef' | 'documentId'>>,
): Promise<Transaction | null> {
  const [done] = await tx
    .update(transactions)
    .set(values)
    .where(
      and(
        eq(transactions.organizationId, organizationId),
        eq(transactions.id, id),
        eq(transactions.status, 'pending'),
      ),
    )
    .returning();
  return done ?? null;
}

/** Links a transaction to the Action Center entry it opened or updated. */
export async function linkTransactionToEntry(
  tx: Db,
  organizationId: string,
  transactionId: string,
  entryId: string,
) {
  await tx
    .update(transactions)
    .set({ failedTransactionId: entryId })
    .where(and(eq(transactions.organizationId, organizationId), eq(transactions.id, transactionId)));
}

export async function entryById(db: Db, organizationId: string, id: string): Promise<FailedTransaction> {
  const [entry] = await db
    .select()
    .from(failedTransactions)
    .where(and(eq(failedTransactions.organizationId, organizationId), eq(failedTransactions.id, id)));
  if (!entry) throw notFound('failed transaction');
  return entry;
}

export async function scheduledPaymentById(
  db: Db,
  organizationId: string,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<ScheduledPayment | null> {
  const query = db
    .select()
    .from(scheduledPayments)
    .where(and(eq(scheduledPayments.organizationId, organizationId), eq(scheduledPayments.id, id)));
  const [row] = opts.forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

export async function setScheduledStatus(tx: Db, sp: ScheduledPayment, status: ScheduledPayment['status']) {
  await tx
    .update(scheduledPayments)
    .set({ status })
    .where(and(eq(scheduledPayments.organizationId, sp.organizationId), eq(scheduledPayments.id, sp.id)));
}

/** How much of a credit is allocated (to invoices and refunds). */
export async function allocatedFrom(db: Db, organizationId: string, creditId: string): Promise<bigint> {
  const [allocated] = await db
    .select({ total: sql<unknown>`coalesce(sum(${allocations.amountMinor}), 0)` })
    .from(allocations)
    .where(and(eq(allocations.organizationId, organizationId), eq(allocations.creditId, creditId)));
  return big(allocated?.total);
}
