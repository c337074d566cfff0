import type { SQL } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { conflict, notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Db } from '../../platform/db/db';
import type { JobQueue } from '../../platform/jobs/queue';
import type { AuditService } from '../audit/audit.service';
import type { AccountChange, LedgerService } from '../ledger/ledger.service';
import type { OrganizationsService } from '../organizations/organizations.service';
import { type PlannedAllocation, planReconciliation, type ReconciliationState } from './plan';
import { type Ra4Key, type ReconcilableRow, ReconciliationRepository } from './reconciliation.repository';
import {
  addPostedDocumentToSummary,
  addPostedDocumentToSummarySql,
  refreshReconciliationSummary,
  summaryAfterReconcileSql,
} from './summary';

export interface ReconcileResult {
  accountId: string;
  /** null on a dry run, and when nothing was allocated (no batch is made) */
  batchId: string | null;
  allocations: PlannedAllocation[];
  state: ReconciliationState;
  unreconciledDebit: bigint;
  unreconciledCredit: bigint;
  /** the unreconciled items left (so the row's count agrees with its amounts once reconciled) */
  unreconciledItems: number;
}

export interface ReconcileAllPayload {
  organizationId: string;
  jobRunId: string;
}

export interface JobRunView {
  id: string;
  name: string;
  state: 'queued' | 'running' | 'completed' | 'failed';
  done: number;
  total: number;
  failed: number;
}

/** Accounts the bulk job reads per page: memory stays constant whatever the number of accounts. */
const BULK_PAGE = 100;

/**
 * Section 3 of the Action Center: the reconcilable accounts (RA1–RA4, read from the per-account summary that
 * the ledger keeps in step), one-click reconcile oldest first (RA5, RA6, RA8), its preview, its undo, and the
 * bulk job.
 */
export class ReconciliationService {
  private readonly repo = new ReconciliationRepository();

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      ledger: LedgerService;
      audit: AuditService;
      organizations: OrganizationsService;
      queue: JobQueue;
      /** accounts the bulk job reads per page (tests use a small one to see progress) */
      bulkPageSize?: number;
    },
  ) {}

  /**
   * The ledger's listener: keeps the account's summary row (RA1–RA3) in step, in the transaction that
   * changed the account. A new posted document adds its share; any other change recounts the account.
   */
  async accountChanged(tx: Db, change: AccountChange): Promise<void> {
    const now = this.deps.clock.now();
    const { organizationId, accountId, posted } = change;
    if (posted) {
      await addPostedDocumentToSummary(tx, organizationId, accountId, posted.side, posted.openMinor, now);
    } else {
      await refreshReconciliationSummary(tx, organizationId, accountId, now);
    }
  }

  /**
   * The listener's inline form (ChangeHook.reportWith): a new posted document's share as one statement the
   * ledger runs inside its INSERT; null for any other change (those recount after the write).
   */
  accountChangedSql(change: AccountChange): SQL | null {
    const { organizationId, accountId, posted } = change;
    if (!posted) return null;
    return addPostedDocumentToSummarySql(
      organizationId,
      accountId,
      posted.side,
      posted.openMinor,
      this.deps.clock.now(),
    );
  }

  /** RA1–RA4: one page in RA4's order; `after` is the previous page's last key. */
  async list(
    organizationId: string,
    opts: { limit: number; after?: Ra4Key },
  ): Promise<{ rows: ReconcilableRow[]; currency: string; next: Ra4Key | null }> {
    const org = await this.deps.organizations.settings(organizationId);
    const found = await this.repo.page(this.deps.db, organizationId, {
      limit: opts.limit + 1,
      after: opts.after,
    });
    const rows = found.slice(0, opts.limit);
    const last = rows[rows.length - 1];
    return { rows, currency: org.currency, next: found.length > opts.limit && last ? last.key : null };
  }

  /** The zero-balance accounts (RA4's first group) a bulk reconcile would settle, for its confirmation. */
  async zeroBalanceSummary(organizationId: string) {
    const org = await this.deps.organizations.settings(organizationId);
    const totals = await this.repo.zeroBalanceTotals(this.deps.db, organizationId);
    return { ...totals, currency: org.currency };
  }

  /** The Action Center summary's count (RA1); callers omit it without `reconciliations.manage` (RA7). */
  async countReconcilable(organizationId: string): Promise<number> {
    return this.repo.count(this.deps.db, organizationId);
  }

  /**
   * RA5: allocates the account's counted credits to its counted debits, oldest first, in one transaction.
   * RA8: the account's advisory lock (taken with the existence check, one round trip), then one read that
   * row-locks its open documents in ID order and computes the counted amounts from the locked rows; a second
   * concurrent call waits on the advisory lock, then reads the first one's allocations and finds nothing.
   * RA6: amounts come from RA2's counted expressions: the covered part of an invoice is never allocated.
   * The batch row, the audit row and the account's summary after the reconcile (from the plan:
   * summaryAfterReconcileSql) are one statement; the allocations go to the ledger as one batch (allocateMany:
   * the ledger's checks, locks and writes in one statement, which refuses the whole batch if any allocation
   * no longer fits, rolling the summary back with it): six round trips (BEGIN and COMMIT included) whatever
   * the number of allocations.
   * A dry run reads the same amounts without locking and writes nothing.
   */
  async reconcile(
    organizationId: string,
    accountId: string,
    opts: { actorId: string | null; dryRun?: boolean },
  ): Promise<ReconcileResult> {
    const { db, ledger, audit, clock } = this.deps;
    if (opts.dryRun) {
      if (!(await this.repo.accountExists(db, organizationId, accountId))) throw notFound('account');
      const { debits, credits } = await this.repo.countedForReconcile(db, organizationId, accountId, {
        lock: false,
      });
      const plan = planReconciliation(debits, credits);
      return {
        accountId,
        batchId: null,
        allocations: plan.allocations,
        state: plan.state,
        unreconciledDebit: plan.debitRemaining,
        unreconciledCredit: plan.creditRemaining,
        unreconciledItems: plan.itemsRemaining,
      };
    }
    return db.transaction(async (tx) => {
      if (!(await this.repo.lockExistingAccount(tx, organizationId, accountId))) throw notFound('account');
      const { debits, credits } = await this.repo.countedForReconcile(tx, organizationId, accountId, {
        lock: true,
      });
      const plan = planReconciliation(debits, credits);
      const result: ReconcileResult = {
        accountId,
        batchId: null,
        allocations: plan.allocations,
        state: plan.state,
        unreconciledDebit: plan.debitRemaining,
        unreconciledCredit: plan.creditRemaining,
        unreconciledItems: plan.itemsRemaining,
      };
      if (plan.allocations.length === 0) return result;

      const batchId = newId('batch');
      // The batch row, its audit row (the audit module's INSERT) and the summary go in one statement.
      await this.repo.insertBatch(
        tx,
        { organizationId, id: batchId, accountId, createdBy: opts.actorId, createdAt: clock.now() },
        [
          summaryAfterReconcileSql(
            organizationId,
            accountId,
            {
              debitCount: plan.debitItemsRemaining,
              debitMinor: plan.debitRemaining,
              creditCount: plan.creditItemsRemaining,
              creditMinor: plan.creditRemaining,
            },
            clock.now(),
          ),
          audit.recordSql(tx, {
            organizationId,
            actorId: opts.actorId,
            action: 'reconciliation.reconciled',
            subjectType: 'account',
            subjectId: accountId,
            details: {
              batchId,
              state: plan.state,
              allocations: plan.allocations.map((x) => ({
                creditId: x.creditId,
                debitId: x.debitId,
                amount: Number(x.amount),
              })),
            },
          }),
        ],
      );
      // The ledger re-checks every open amount under its own locks: the last guard against over-allocation.
      // No summary refresh after it: the statement above wrote the summary these allocations leave.
      await ledger.allocateMany(
        tx,
        plan.allocations.map((a) => ({
          organizationId,
          accountId,
          creditId: a.creditId,
          debitId: a.debitId,
          amountMinor: a.amount,
          source: 'reconcile',
          batchId,
          actorId: opts.actorId,
        })),
        { refresh: false },
      );
      return { ...result, batchId };
    });
  }

  /**
   * Undoes one reconcile: removes exactly that batch's allocations.
   * 409 rule: refused when a document the batch touched has an allocation made AFTER the batch (by anyone:
   * a manual allocation, a payment, another reconcile). Such an allocation was decided on the state the
   * batch left, so undoing the batch under it would rewrite history silently; undo the later one first
   * (undo is last-in, first-out). "After" is judged by allocation IDs, which are time-ordered at creation
   * (lib/ids) and, unlike `created_at`, do not follow the movable sandbox clock.
   */
  async undo(organizationId: string, batchId: string, actorId: string | null): Promise<void> {
    const { db, ledger, audit, clock } = this.deps;
    const peek = await this.repo.batchAccount(db, organizationId, batchId);
    if (!peek) throw notFound('reconciliation batch');
    await db.transaction(async (tx) => {
      // The lock order (accounts/account-lock.ts): the account first, then the batch row.
      await this.repo.lockAccount(tx, organizationId, peek.accountId);
      const batch = await this.repo.lockBatch(tx, organizationId, batchId);
      if (!batch) throw notFound('reconciliation batch');
      if (batch.undoneAt) throw conflict(`reconciliation ${batchId} was already undone`);
      const own = await this.repo.batchAllocations(tx, organizationId, batchId);
      const documentIds = [...new Set(own.flatMap((a) => [a.creditId, a.debitId]))];
      const firstId = own.map((a) => a.id).sort()[0];
      if (firstId) {
        const later = (await this.repo.otherAllocationsOn(tx, organizationId, batchId, documentIds)).filter(
          (id) => id > firstId,
        );
        if (later.length > 0) {
          throw conflict(
            'a later allocation depends on this reconciliation; undo that allocation or reconciliation first',
            { laterAllocationIds: later.sort() },
          );
        }
      }
      for (const a of own) await ledger.deleteAllocation(tx, organizationId, a.id);
      await this.repo.markBatchUndone(tx, organizationId, batchId, clock.now(), actorId);
      await audit.record(tx, {
        organizationId,
        actorId,
        action: 'reconciliation.undone',
        subjectType: 'reconciliation',
        subjectId: batchId,
        details: {
          accountId: batch.accountId,
          allocations: own.map((a) => ({
            creditId: a.creditId,
            debitId: a.debitId,
            amount: Number(a.amount),
          })),
        },
      });
    });
  }

  /** Starts the bulk job: its progress row and its queue entry commit together. */
  async startReconcileAll(
    organizationId: string,
    actorId: string | null,
    opts: { zeroBalanceOnly: boolean },
  ): Promise<{ jobId: string }> {
    const { db, queue, audit, clock } = this.deps;
    return db.transaction(async (tx) => {
      const id = newId('job');
      await this.repo.insertJobRun(tx, {
        organizationId,
        id,
        name: 'reconcile-all',
        state: 'queued',
        total: await this.repo.count(tx, organizationId, opts),
        params: JSON.stringify({ zeroBalanceOnly: opts.zeroBalanceOnly }),
        createdBy: actorId,
        createdAt: clock.now(),
      });
      const payload: ReconcileAllPayload = { organizationId, jobRunId: id };
      await queue.enqueue(tx, 'reconcile-all', payload);
      await audit.record(tx, {
        organizationId,
        actorId,
        action: 'reconciliation.bulk_started',
        subjectType: 'job',
        subjectId: id,
        details: { zeroBalanceOnly: opts.zeroBalanceOnly },
      });
      return { jobId: id };
    });
  }

  /**
   * The `reconcile-all` job: streams through the listed accounts in keyset pages (constant memory),
   * reconciles each in its own transaction, and records progress after every page. One failing account
   * is counted in `failed` and the others go on. `done` counts every account processed (failed ones too),
   * so done/total is the progress bar. Re-delivery of a finished run does nothing; of an interrupted one
   * starts counting again (reconciled accounts have left the list, so nothing is done twice).
   */
  async runReconcileAll(data: ReconcileAllPayload): Promise<JobRunView | null> {
    const { db, clock } = this.deps;
    const run = await this.repo.getJobRun(db, data.organizationId, data.jobRunId);
    if (!run || run.state === 'completed' || run.state === 'failed') return run ? view(run) : null;
    const zeroBalanceOnly = Boolean(
      (JSON.parse(run.params ?? '{}') as { zeroBalanceOnly?: boolean }).zeroBalanceOnly,
    );
    let total = await this.repo.count(db, data.organizationId, { zeroBalanceOnly });
    let done = 0;
    let failed = 0;
    await this.repo.updateJobRun(db, data.organizationId, run.id, { state: 'running', done, failed, total });
    try {
      let after: Ra4Key | undefined;
      for (;;) {
        const page = await this.repo.page(db, data.organizationId, {
          limit: this.deps.bulkPageSize ?? BULK_PAGE,
          after,
          zeroBalanceOnly,
        });
        if (page.length === 0) break;
        for (const row of page) {
          try {
            await this.reconcile(data.organizationId, row.accountId, { actorId: run.createdBy });
          } catch {
            // One account's failure (e.g. documents in another currency) does not stop the others.
            failed++;
          }
          done++;
        }
        after = page[page.length - 1]!.key;
        total = Math.max(total, done);
        await this.repo.updateJobRun(db, data.organizationId, run.id, { done, failed, total });
      }
      await this.repo.updateJobRun(db, data.organizationId, run.id, {
        state: 'completed',
        finishedAt: clock.now(),
      });
    } catch (err) {
      await this.repo.updateJobRun(db, data.organizationId, run.id, {
        state: 'failed',
        finishedAt: clock.now(),
      });
      throw err;
    }
    return { id: run.id, name: run.name, state: 'completed', done, total, failed };
  }

  async getJob(organizationId: string, id: string): Promise<JobRunView> {
    const run = await this.repo.getJobRun(this.deps.db, organizationId, id);
    if (!run) throw notFound('job');
    return view(run);
  }
}

function view(run: {
  id: string;
  name: string;
  state: JobRunView['state'];
  done: number;
  total: number;
  failed: number;
}): JobRunView {
  return {
    id: run.id,
    name: run.name,
    state: run.state,
    done: run.done,
    total: run.total,
    failed: run.failed,
  };
}
