import { and, asc, desc, eq, lt, or, sql } from 'drizzle-orm';
import { conflict, notFound } from '../../lib/errors';
import { big, type Db } from '../../platform/db/db';
import { transactions } from './payments.table';

/** The queries of the attempts table (no rules here: services decide, repositories fetch). */

export type Transaction = typeof transactions.$inferSelect;
export type NewTransaction = typeof transactions.$inferInsert;

export type ChargeOutcome = {
  status: 'succeeded' | 'pending' | 'failed';
  code?: string;
  transactionId: string;
};

/** What a recorded gateway attempt means to the caller (`processing`: the answer is not recorded yet). */
export function outcomeOf(txn: Transaction): ChargeOutcome {
  if (txn.status === 'succeeded' || txn.status === 'settled')
    return { status: 'succeeded', transactionId: txn.id };
  if (txn.status === 'pending' || txn.status === 'processing')
    return { status: 'pending', transactionId: txn.id };
  return { status: 'failed', code: txn.failureCode ?? 'processing_error', transactionId: txn.id };
}

export async function transactionByKey(db: Db, organizationId: string, key: string) {
  const [seen] = await db
    .select()
    .from(transactions)
    .where(and(eq(transactions.organizationId, organizationId), eq(transactions.idempotencyKey, key)));
  return seen ?? null;
}

/**
 * The attempt a live gateway's webhook is about, by Recoup's idempotency key (carried in the gateway's
 * metadata) or else its gateway ref; null when neither finds one of this kind.
 */
export async function transactionForGateway(
  db: Db,
  organizationId: string,
  kind: Transaction['kind'],
  ref: { idempotencyKey?: string; gatewayRef?: string },
): Promise<Transaction | null> {
  const by = ref.idempotencyKey
    ? eq(transactions.idempotencyKey, ref.idempotencyKey)
    : ref.gatewayRef
      ? eq(transactions.gatewayRef, ref.gatewayRef)
      : null;
  if (!by) return null;
  const [txn] = await db
    .select()
    .from(transactions)
    .where(and(eq(transactions.organizationId, organizationId), eq(transactions.kind, kind), by))
    .limit(1);
  return txn ?? null;
}

export async function transactionById(db: Db, organizationId: string, id: string): Promise<Transaction> {
  const [txn] = await db
    .select()
    .from(transactions)
    .where(and(eq(transactions.organizationId, organizationId), eq(transactions.id, id)));
  if (!txn) throw notFound('transaction');
  return txn;
}

/** The collection of an obligation that is in flight or has collected (at most one: MS1's index). */
export async function collectionOf(db: Db, organizationId: string, obligationId: string) {
  const [txn] = await db
    .select()
    .from(transactions)
    .where(
      and(
        eq(transactions.organizationId, organizationId),
        eq(transactions.obligationId, obligationId),
        sql`${transactions.status} in ('processing', 'pending', 'succeeded', 'settled')`,
      ),
    );
  return txn ?? null;
}

const UNIQUE_VIOLATION = '23505';

function violated(err: unknown, constraint: string): boolean {
  let e = err as { code?: string; constraint?: string; cause?: unknown } | undefined;
  for (let i = 0; e && i < 4; i++) {
    if (e.code === UNIQUE_VIOLATION && (e.constraint === constraint || !e.constraint)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/**
 * Writes an attempt before the gateway is called (MS5), or finds the one already written under its key.
 * A second collection of an obligation in flight or collected is refused by the unique index
 * `transactions_one_collection` (MS1): the caller gets a 409 saying which attempt holds it. A savepoint
 * keeps the caller's transaction usable when the index refuses.
 */
export async function insertAttempt(
  tx: Db,
  values: NewTransaction,
): Promise<{ txn: Transaction; inserted: boolean }> {
  let inserted: Transaction | undefined;
  try {
    [inserted] = await tx.transaction((sp) =>
      sp
        .insert(transactions)
        .values(values)
        .onConflictDoNothing({ target: [transactions.organizationId, transactions.idempotencyKey] })
        .returning(),
    );
  } catch (err) {
    if (values.obligationId && violated(err, 'transactions_one_collection')) {
      const holder = await collectionOf(tx, values.organizationId, values.obligationId);
      throw collectionConflict(holder);
    }
    throw err;
  }
  if (inserted) return { txn: inserted, inserted: true };
  const seen = await transactionByKey(tx, values.organizationId, values.idempotencyKey);
  if (!seen) throw new Error(`transaction ${values.idempotencyKey} conflicted but was not found`);
  return { txn: seen, inserted: false };
}

/** MS1's refusal, with what holds the obligation. */
export function collectionConflict(holder: Transaction | null) {
  const collected = holder && (holder.status === 'succeeded' || holder.status === 'settled');
  return conflict(
    collected
      ? 'This amount was already collected (payment attempt ' + holder.id + ')'
      : 'A payment of this amount is already being processed' +
          (holder
            ? ` (attempt ${holder.id}, ${holder.kind === 'echeck_debit' ? 'a bank debit that settles in a few business days' : 'answered in a moment'})`
            : ''),
    {
      code: collected ? 'already_collected' : 'collection_in_flight',
      ...(holder ? { transactionId: holder.id } : {}),
    },
  );
}

/**
 * Records the gateway's answer on an attempt still `processing`: null when another call (a replay, the
 * sweeper) recorded it first, so that exactly one records the effects (MS6).
 */
export async function completeAttempt(
  tx: Db,
  organizationId: string,
  id: string,
  /** succeeded: only a refund a live gateway had accepted and that failed later */
  from: 'processing' | 'pending' | 'succeeded',
  values: Partial<Pick<NewTransaction, 'status' | 'failureCode' | 'settledAt' | 'gatewayRef' | 'documentId'>>,
): Promise<Transaction | null> {
  const [done] = await tx
    .update(transactions)
    .set(values)
    .where(
      and(
        eq(transactions.organizationId, organizationId),
        eq(transactions.id, id),
        eq(transactions.status, from),
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

/**
 * One page of an account's attempts, newest first (the account file's history): a range of the index
 * `transactions_account` (organization_id, account_id, created_at), the ID breaking ties. One row more than
 * the page says whether another page follows.
 */
export async function attemptsOfAccount(
  db: Db,
  organizationId: string,
  accountId: string,
  opts: { limit: number; after?: { createdAt: Date; id: string } },
): Promise<{ items: Transaction[]; next: { createdAt: Date; id: string } | null }> {
  const conditions = [eq(transactions.organizationId, organizationId), eq(transactions.accountId, accountId)];
  if (opts.after) {
    conditions.push(
      or(
        lt(transactions.createdAt, opts.after.createdAt),
        and(eq(transactions.createdAt, opts.after.createdAt), lt(transactions.id, opts.after.id)),
      )!,
    );
  }
  const found = await db
    .select()
    .from(transactions)
    .where(and(...conditions))
    .orderBy(desc(transactions.createdAt), desc(transactions.id))
    .limit(opts.limit + 1);
  const items = found.slice(0, opts.limit);
  const last = items[items.length - 1];
  return {
    items,
    next: found.length > opts.limit && last ? { createdAt: last.createdAt, id: last.id } : null,
  };
}

/** Attempts the gateway has not answered for longer than the lease, oldest first (the sweeper's read). */
export async function staleAttempts(db: Db, organizationId: string, before: Date, limit: number) {
  return db
    .select()
    .from(transactions)
    .where(
      and(
        eq(transactions.organizationId, organizationId),
        eq(transactions.status, 'processing'),
        lt(transactions.createdAt, before),
      ),
    )
    .orderBy(asc(transactions.createdAt), asc(transactions.id))
    .limit(limit);
}

/** The sum of attempt amounts matching a condition (e.g. money in flight). */
export async function sumAmounts(db: Db, where: ReturnType<typeof and>): Promise<bigint> {
  const [row] = await db
    .select({ total: sql<unknown>`coalesce(sum(${transactions.amountMinor}), 0)` })
    .from(transactions)
    .where(where);
  return big(row?.total);
}
