import type { FailedTransaction, FailedTransactionFilters } from './api';

/** What became of an entry retried from this page, read from the list. */
export type RetryOutcome =
  | { kind: 'recovered'; entry: FailedTransaction }
  | { kind: 'failed'; entry: FailedTransaction };

/** The entries this browser asked to retry, as they were when asked (until their outcome is told). */
export const retriesAwaitingOutcome = new Map<string, FailedTransaction>();

/**
 * FT3: a retry's end is seen only in the list — the entry leaves it (recovered) or is back open with one
 * more attempt and a new reason (declined again). The worker may finish before the list shows the clock, so
 * the comparison is with the entry as it was when the retry was asked, not with the previous read. An entry
 * missing from a read that is incomplete (more pages) or filtered by reason (the reason changes on failure)
 * is not taken for recovered.
 */
export function retryOutcomes(
  asked: ReadonlyMap<string, FailedTransaction>,
  list: FailedTransaction[],
  view: { complete: boolean; filters: FailedTransactionFilters },
): RetryOutcome[] {
  const now = new Map(list.map((entry) => [entry.id, entry]));
  const outcomes: RetryOutcome[] = [];
  for (const [id, before] of asked) {
    const current = now.get(id);
    if (current) {
      if (current.status === 'open' && current.attempts > before.attempts) {
        outcomes.push({ kind: 'failed', entry: current });
      }
      continue;
    }
    const shown =
      (!view.filters.type || view.filters.type === before.type) &&
      (!view.filters.paymentMethod || view.filters.paymentMethod === before.paymentMethod.type) &&
      !view.filters.reason;
    if (view.complete && shown) outcomes.push({ kind: 'recovered', entry: before });
  }
  return outcomes;
}
