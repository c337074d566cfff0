import { and, eq, type SQL, sql } from 'drizzle-orm';
import { big, type Db, int, rows } from '../../platform/db/db';
import { lockAccount } from '../accounts/account-lock';
import { accountsChangedCte } from '../recovery/recovery-changes';
import type { PlanDocument } from './plan';
import { jobRuns, reconciliationBatches } from './reconciliation.table';
import { countedForReconcileSql } from './summary';

/** RA4's sort keys of one summary row: the keyset cursor of the list. */
export type Ra4Key = readonly [balanceRank: number, items: number, ownerSort: string, accountId: string];

export interface ReconcilableRow {
  accountId: string;
  ownerName: string;
  items: number;
  debitMinor: bigint;
  creditMinor: bigint;
  key: Ra4Key;
}

/** Queries of the reconciliation section (no rules here: the service decides). */
export class ReconciliationRepository {
  /**
   * One page of RA1's accounts in RA4's order, read from the per-account summary. The predicate
   * `debit_count > 0 and credit_count > 0` is written literally and the keyset is one row-value comparison
   * on the index's columns, so PostgreSQL answers with a range scan of `account_reconciliation_ra4`.
   */
  async page(
    db: Db,
    organizationId: string,
    opts: { limit: number; after?: Ra4Key; zeroBalanceOnly?: boolean },
  ): Promise<ReconcilableRow[]> {
    const after = opts.after;
    const found = await rows<Record<string, unknown>>(
      db,
      sql`select account_id, owner_name, items, debit_minor, credit_minor, balance_rank, owner_sort
          from account_reconciliation
          where organization_id = ${organizationId}
            and debit_count > 0 and credit_count > 0
            ${opts.zeroBalanceOnly ? sql`and balance_rank = 0` : sql``}
            ${
              after
                ? sql`and (balance_rank, items, owner_sort, account_id) > (${after[0]}::int, ${after[1]}::int, ${after[2]}, ${after[3]})`
                : sql``
            }
          order by balance_rank, items, owner_sort, account_id
          limit ${opts.limit}`,
    );
    return found.map((r) => ({
      accountId: String(r.account_id),
      ownerName: String(r.owner_name),
      items: int(r.items),
      debitMinor: big(r.debit_minor),
      creditMinor: big(r.credit_minor),
      key: [int(r.balance_rank), int(r.items), String(r.owner_sort), String(r.account_id)] as const,
    }));
  }

  async count(db: Db, organizationId: string, opts: { zeroBalanceOnly?: boolean } = {}): Promise<number> {
    const [row] = await rows<{ n: unknown }>(
      db,
      sql`select count(*) as n from account_reconciliation
          where organization_id = ${organizationId} and debit_count > 0 and credit_count > 0
          ${opts.zeroBalanceOnly ? sql`and balance_rank = 0` : sql``}`,
    );
    return int(row?.n);
  }

  /** What "Reconcile all zero-balance accounts" would take on: how many accounts, and the amount they settle. */
  async zeroBalanceTotals(
    db: Db,
    organizationId: string,
  ): Promise<{ accounts: number; amountMinor: bigint }> {
    const [row] = await rows<{ n: unknown; amount: unknown }>(
      db,
      sql`select count(*) as n, coalesce(sum(debit_minor), 0) as amount from account_reconciliation
          where organization_id = ${organizationId} and debit_count > 0 and credit_count > 0
          and balance_rank = 0`,
    );
    return { accounts: int(row?.n), amountMinor: big(row?.amount ?? 0) };
  }

  async accountExists(db: Db, organizationId: string, accountId: string): Promise<boolean> {
    const found = await rows(
      db,
      sql`select 1 from accounts where organization_id = ${organizationId} and id = ${accountId}`,
    );
    return found.length > 0;
  }

  /**
   * RA8 in one round trip: true when the account exists, and then this transaction holds the account's
   * advisory lock (the same lock as lockAccount; taken only for an existing account).
   */
  async lockExistingAccount(tx: Db, organizationId: string, accountId: string): Promise<boolean> {
    const found = await rows(
      tx,
      // Like lockAccount, it reports the account to the recovery summary (recovery/recovery-changes.ts).
      sql`with a as (select organization_id, id from accounts
                      where organization_id = ${organizationId} and id = ${accountId}),
               changed as (${accountsChangedCte(sql`select organization_id, id from a`)})
          select pg_advisory_xact_lock(hashtext(organization_id), hashtext(id)) is null as locked from a`,
    );
    return found.length > 0;
  }

  /**
   * Reconcile's read in one round trip: the counted debits and credits in plan order; with `lock`, their
   * documents row-locked first (see countedForReconcileSql).
   */
  async countedForReconcile(
    db: Db,
    organizationId: string,
    accountId: string,
    opts: { lock: boolean },
  ): Promise<{ debits: PlanDocument[]; credits: PlanDocument[] }> {
    const found = await rows<Record<string, unknown>>(
      db,
      countedForReconcileSql(organizationId, accountId, opts.lock),
    );
    const debits: PlanDocument[] = [];
    const credits: PlanDocument[] = [];
    for (const r of found) {
      const doc = {
        id: String(r.id),
        date: String(r.date),
        createdAtMs: Number(r.created_ms),
        amount: big(r.counted_minor),
      };
      (r.side === 'debit' ? debits : credits).push(doc);
    }
    return { debits, credits };
  }

  /**
   * RA8: one reconcile (or undo) of an account at a time. A transaction-level advisory lock on the account,
   * taken before any row lock, so it never joins a lock cycle with the ledger's document locks.
   */
  async lockAccount(tx: Db, organizationId: string, accountId: string): Promise<void> {
    await lockAccount(tx, organizationId, accountId);
  }

  async insertBatch(
    tx: Db,
    batch: {
      organizationId: string;
      id: string;
      accountId: string;
      createdBy: string | null;
      createdAt: Date;
    },
    /** statements of other modules to run as CTEs of this INSERT (the audit row) */
    alongside: SQL[] = [],
  ) {
    const insert = tx.insert(reconciliationBatches).values(batch);
    if (alongside.length === 0) {
      await insert;
      return;
    }
    const withs = sql.join(
      alongside.map((cte, i) => sql`${sql.raw(`alongside_${i}`)} as (${cte})`),
      sql`, `,
    );
    await tx.execute(sql`with ${withs} ${insert.getSQL()}`);
  }

  /** The account a batch belongs to, without locking (to take the account lock first). */
  async batchAccount(db: Db, organizationId: string, batchId: string) {
    const [row] = await db
      .select({ accountId: reconciliationBatches.accountId })
      .from(reconciliationBatches)
      .where(
        and(eq(reconciliationBatches.organizationId, organizationId), eq(reconciliationBatches.id, batchId)),
      );
    return row ?? null;
  }

  async lockBatch(tx: Db, organizationId: string, batchId: string) {
    const [batch] = await tx
      .select()
      .from(reconciliationBatches)
      .where(
        and(eq(reconciliationBatches.organizationId, organizationId), eq(reconciliationBatches.id, batchId)),
      )
      .for('update');
    return batch;
  }

  async markBatchUndone(tx: Db, organizationId: string, batchId: string, at: Date, by: string | null) {
    await tx
      .update(reconciliationBatches)
      .set({ undoneAt: at, undoneBy: by })
      .where(
        and(eq(reconciliationBatches.organizationId, organizationId), eq(reconciliationBatches.id, batchId)),
      );
  }

  async batchAllocations(db: Db, organizationId: string, batchId: string) {
    const found = await rows<Record<string, unknown>>(
      db,
      sql`select id, credit_id, debit_id, amount_minor from allocations
          where organization_id = ${organizationId} and batch_id = ${batchId}
          order by id`,
    );
    return found.map((r) => ({
      id: String(r.id),
      creditId: String(r.credit_id),
      debitId: String(r.debit_id),
      amount: big(r.amount_minor),
    }));
  }

  /** Allocations outside the batch on any of `documentIds` (the undo rule decides which are "later"). */
  async otherAllocationsOn(db: Db, organizationId: string, batchId: string, documentIds: string[]) {
    const found = await rows<Record<string, unknown>>(
      db,
      sql`select id from allocations
          where organization_id = ${organizationId}
            and (batch_id is distinct from ${batchId})
            and (credit_id = any(${sql.param(documentIds)}::text[]) or debit_id = any(${sql.param(documentIds)}::text[]))`,
    );
    return found.map((r) => String(r.id));
  }

  async insertJobRun(tx: Db, run: typeof jobRuns.$inferInsert) {
    await tx.insert(jobRuns).values(run);
  }

  async getJobRun(db: Db, organizationId: string, id: string) {
    const [run] = await db
      .select()
      .from(jobRuns)
      .where(and(eq(jobRuns.organizationId, organizationId), eq(jobRuns.id, id)));
    return run;
  }

  async updateJobRun(
    db: Db,
    organizationId: string,
    id: string,
    patch: Partial<Pick<typeof jobRuns.$inferInsert, 'state' | 'done' | 'total' | 'failed' | 'finishedAt'>>,
  ) {
    await db
      .update(jobRuns)
      .set(patch)
      .where(and(eq(jobRuns.organizationId, organizationId), eq(jobRuns.id, id)));
  }
}
