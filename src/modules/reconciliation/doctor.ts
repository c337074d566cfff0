import type { Db } from '../../platform/db/db';
import type { LedgerService } from '../ledger/ledger.service';
import { findSummaryMismatches, type SummaryMismatch } from './summary';

export interface DoctorReport {
  /** what disagreed when the check ran */
  mismatches: SummaryMismatch[];
  /** accounts whose summary was recomputed (--fix) */
  fixed: number;
  /** what still disagrees after the fix (equals `mismatches` without --fix) */
  remaining: SummaryMismatch[];
}

/**
 * `recoup doctor`: recomputes every reconciliation summary from the documents (the same RA2 expressions the
 * ledger uses) and lists the accounts whose stored row disagrees. With `fix`, each such account is touched
 * again in its own transaction, then the check runs once more.
 */
export async function runDoctorCheck(
  deps: { db: Db; ledger: LedgerService },
  opts: { organizationId?: string; fix?: boolean } = {},
): Promise<DoctorReport> {
  const mismatches = await findSummaryMismatches(deps.db, opts.organizationId);
  if (!opts.fix || mismatches.length === 0) return { mismatches, fixed: 0, remaining: mismatches };
  for (const m of mismatches) {
    await deps.db.transaction((tx) => deps.ledger.touch(tx, m.organizationId, m.accountId));
  }
  const remaining = await findSummaryMismatches(deps.db, opts.organizationId);
  return { mismatches, fixed: mismatches.length, remaining };
}

export function formatDoctorReport(report: DoctorReport): string {
  const lines = report.mismatches.map((m) => {
    const s = m.stored;
    const stored = s
      ? `debit ${s.debitCount}/${s.debitMinor}, credit ${s.creditCount}/${s.creditMinor}`
      : 'no summary row';
    const c = m.computed;
    return `mismatch ${m.organizationId} ${m.accountId}: stored ${stored}; documents say debit ${c.debitCount}/${c.debitMinor}, credit ${c.creditCount}/${c.creditMinor}`;
  });
  if (report.fixed) lines.push(`fixed ${report.fixed} account summaries`);
  lines.push(
    report.remaining.length === 0
      ? 'reconciliation summaries agree with the ledger'
      : `${report.remaining.length} account summaries disagree with the ledger`,
  );
  return lines.join('\n');
}
