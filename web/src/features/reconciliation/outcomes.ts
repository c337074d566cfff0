import { useSyncExternalStore } from 'react';
import type { ReconcileResult, ReconcileState } from './api';

/** What happened to a row in this page's life. */
export interface RowOutcome {
  state: ReconcileState | 'undone';
  batchId: string | null;
  unreconciledDebit?: number;
  unreconciledCredit?: number;
  /** what the reconcile left: the row's count must agree with its amounts (no "2 items" beside $0.00/$0.00) */
  unreconciledItems?: number;
}

// RA9: a reconciled row keeps its new status until the page is reloaded, so outcomes live in memory only
// (they outlast the tab being switched away and back, not a reload).
let outcomes: Record<string, RowOutcome> = {};
const listeners = new Set<() => void>();

function emit(next: Record<string, RowOutcome>) {
  outcomes = next;
  for (const listener of listeners) listener();
}

export function recordReconciled(result: ReconcileResult): void {
  emit({
    ...outcomes,
    [result.accountId]: {
      state: result.state,
      batchId: result.batchId,
      unreconciledDebit: result.unreconciledDebit,
      unreconciledCredit: result.unreconciledCredit,
      unreconciledItems: result.unreconciledItems,
    },
  });
}

export function recordUndone(accountId: string): void {
  emit({ ...outcomes, [accountId]: { state: 'undone', batchId: null } });
}

export function clearOutcomes(): void {
  emit({});
}

export function useOutcomes(): Record<string, RowOutcome> {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => outcomes,
  );
}
