import { minBig } from '../../lib/money';

/**
 * RA5's allocation rule as a pure function: credits are allocated to debits oldest first (document date,
 * then creation instant, then ID so that the order is total), partially where amounts differ.
 * Amounts are what RA1–RA2 count (for an invoice: open amount minus what is scheduled or pending for it),
 * so that the covered part of an invoice is never touched (RA6).
 */
export interface PlanDocument {
  id: string;
  /** business date YYYY-MM-DD */
  date: string;
  /** creation instant in epoch milliseconds */
  createdAtMs: number;
  /** the counted amount in minor units (> 0 to take part) */
  amount: bigint;
}

export interface PlannedAllocation {
  creditId: string;
  debitId: string;
  amount: bigint;
}

export type ReconciliationState = 'reconciled' | 'debit_remaining' | 'credit_remaining';

export interface ReconciliationPlan {
  allocations: PlannedAllocation[];
  /** counted debit left after the allocations */
  debitRemaining: bigint;
  /** counted credit left after the allocations */
  creditRemaining: bigint;
  /** RA3's unreconciled items left after the allocations: the counted documents with something still open */
  itemsRemaining: number;
  /** the same, per side (the account's summary row after the reconcile, summary.ts) */
  debitItemsRemaining: number;
  creditItemsRemaining: number;
  state: ReconciliationState;
}

export function oldestFirst(a: PlanDocument, b: PlanDocument): number {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  if (a.createdAtMs !== b.createdAtMs) return a.createdAtMs - b.createdAtMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function stateOf(debitRemaining: bigint, creditRemaining: bigint): ReconciliationState {
  if (debitRemaining > 0n) return 'debit_remaining';
  if (creditRemaining > 0n) return 'credit_remaining';
  return 'reconciled';
}

export function planReconciliation(
  debits: readonly PlanDocument[],
  credits: readonly PlanDocument[],
): ReconciliationPlan {
  const ds = debits.filter((d) => d.amount > 0n).sort(oldestFirst);
  const cs = credits.filter((c) => c.amount > 0n).sort(oldestFirst);
  const debitLeft = ds.map((d) => d.amount);
  const creditLeft = cs.map((c) => c.amount);
  const allocations: PlannedAllocation[] = [];
  let i = 0;
  let j = 0;
  while (i < ds.length && j < cs.length) {
    const dl = debitLeft[i] as bigint;
    const cl = creditLeft[j] as bigint;
    const amount = minBig(dl, cl);
    allocations.push({ creditId: (cs[j] as PlanDocument).id, debitId: (ds[i] as PlanDocument).id, amount });
    debitLeft[i] = dl - amount;
    creditLeft[j] = cl - amount;
    if (debitLeft[i] === 0n) i++;
    if (creditLeft[j] === 0n) j++;
  }
  const debitRemaining = debitLeft.reduce((s, v) => s + v, 0n);
  const creditRemaining = creditLeft.reduce((s, v) => s + v, 0n);
  const debitItemsRemaining = debitLeft.filter((left) => left > 0n).length;
  const creditItemsRemaining = creditLeft.filter((left) => left > 0n).length;
  return {
    allocations,
    debitRemaining,
    creditRemaining,
    itemsRemaining: debitItemsRemaining + creditItemsRemaining,
    debitItemsRemaining,
    creditItemsRemaining,
    state: stateOf(debitRemaining, creditRemaining),
  };
}
