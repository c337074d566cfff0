import { addDays, parseIsoDate, todayIn } from '../../lib/dates';

/** The paths an entry can leave the list by (RC7), and whether the money was collected by it. */
export const RECOVERY_PATHS = [
  'automatic_retry',
  'manual_retry',
  'card_update',
  'portal_payment',
  'paid_elsewhere',
  'rescheduled',
  'ignored',
] as const;
export type RecoveryPathName = (typeof RECOVERY_PATHS)[number];

/** Money collected on the failed obligation itself; `rescheduled` moved it onto later installments, `ignored` wrote it off. */
export const COLLECTING_PATHS: ReadonlySet<RecoveryPathName> = new Set([
  'automatic_retry',
  'manual_retry',
  'card_update',
  'portal_payment',
  'paid_elsewhere',
]);

/** One failed payment as the entries and the ledger know it (FailedTransactionsRepository.recoveryFacts). */
export interface RecoveryFact {
  id: string;
  method: 'card' | 'echeck';
  reason: string;
  amountMinor: bigint;
  firstFailedAt: Date;
  status: string;
  recoveredBy: string | null;
  resolvedAt: Date | null;
  ignoredAt: Date | null;
  /** the open amount of the invoice it was for (null: no invoice) */
  invoiceOpenMinor: bigint | null;
  /** the collected amount of the attempt that resolved the entry (succeeded or settled) */
  resolvedAmountMinor: bigint | null;
  /** what the owner paid for it in the portal, and when first */
  portalAmountMinor: bigint;
  portalAt: Date | null;
}

export interface Outcome {
  path: RecoveryPathName;
  collected: boolean;
  amountMinor: bigint;
  at: Date | null;
}

/**
 * RC7: the one path that recovered a failure. A resolved entry by its retry's origin; money the owner paid
 * in the portal, or that the invoice shows paid another way (FT7: the entry stays until ignored), counts as
 * recovered even when the entry was ignored afterwards; a rescheduled installment; an ignored entry with
 * nothing collected. Null while the entry is still open and nothing was collected.
 */
export function outcomeOf(f: RecoveryFact): Outcome | null {
  if (f.status === 'resolved') {
    const path = (RECOVERY_PATHS as readonly string[]).includes(f.recoveredBy ?? '')
      ? (f.recoveredBy as RecoveryPathName)
      : 'manual_retry';
    return { path, collected: true, amountMinor: f.resolvedAmountMinor ?? f.amountMinor, at: f.resolvedAt };
  }
  if (f.portalAmountMinor > 0n) {
    return { path: 'portal_payment', collected: true, amountMinor: f.portalAmountMinor, at: f.portalAt };
  }
  if (f.status === 'rescheduled') {
    return { path: 'rescheduled', collected: false, amountMinor: f.amountMinor, at: f.resolvedAt };
  }
  if (f.invoiceOpenMinor !== null && f.invoiceOpenMinor <= 0n) {
    return { path: 'paid_elsewhere', collected: true, amountMinor: f.amountMinor, at: f.ignoredAt };
  }
  if (f.status === 'ignored') return { path: 'ignored', collected: false, amountMinor: 0n, at: f.ignoredAt };
  return null;
}

/** The Monday of the local week a failure happened in (ISO weeks). */
export function weekOf(at: Date, timeZone: string): string {
  const day = todayIn(timeZone, at);
  const { year, month, day: d } = parseIsoDate(day);
  const weekday = new Date(Date.UTC(year, month - 1, d)).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}

/** Failed and recovered counts and amounts of a group of failures. */
export interface RecoveryBucket {
  failedCount: number;
  failedAmount: bigint;
  recoveredCount: number;
  recoveredAmount: bigint;
}
type Bucket = RecoveryBucket;
const emptyBucket = (): Bucket => ({
  failedCount: 0,
  failedAmount: 0n,
  recoveredCount: 0,
  recoveredAmount: 0n,
});

/**
 * What RC7's figures are made of, before presentation: computed in SQL by
 * FailedTransactionsRepository.recoveryAggregates (only these cross the wire), or from the facts by
 * `aggregateFacts` (the reference implementation the SQL is tested against).
 */
export interface RecoveryAggregates {
  total: RecoveryBucket;
  openCount: number;
  medianDaysToRecover: number | null;
  /** by the Monday of the local week of the first failure */
  weeks: [string, RecoveryBucket][];
  methods: [string, RecoveryBucket][];
  /** in the order each reason first appears among the failures (by first failure, then id) */
  reasons: [string, RecoveryBucket][];
  paths: Map<RecoveryPathName, { count: number; amount: bigint }>;
}

/** Recovered ÷ failed, by amount; 0 when nothing failed. Four decimals. */
function rate(b: Bucket): number {
  if (b.failedAmount === 0n) return 0;
  return Number((b.recoveredAmount * 10_000n) / b.failedAmount) / 10_000;
}

/** A tenth of a day, in milliseconds: the median's unit (one decimal of days). */
export const TENTH_MS = 8_640_000n;

/** ⌊a ÷ b⌋ for b > 0 (BigInt division truncates towards zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/**
 * The median days to recover, in tenths of a day: the mean of the two middle durations (`lo`, `hi`; the
 * middle one twice for an odd count) rounded half up, in integers so that every place computing it — this
 * reference, the reference statement and the summary's histogram — agrees to the millisecond:
 * ⌊((lo + hi) / 2 + TENTH / 2) / TENTH⌋ = ⌊(lo + hi + TENTH) / (2 · TENTH)⌋.
 */
export function medianTenths(lo: bigint, hi: bigint): number {
  return Number(floorDiv(lo + hi + TENTH_MS, 2n * TENTH_MS));
}

/** The tenth of a day a duration rounds to (half up): its bucket in the summary's histogram. */
export function tenthOf(ms: bigint): bigint {
  return floorDiv(2n * ms + TENTH_MS, 2n * TENTH_MS);
}

function median(values: bigint[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = Math.floor(sorted.length / 2);
  const [lo, hi] = sorted.length % 2 ? [sorted[mid]!, sorted[mid]!] : [sorted[mid - 1]!, sorted[mid]!];
  return medianTenths(lo, hi) / 10;
}

/**
 * The reference aggregation (RC7) in Node: each failure once, in the week it failed, under the path that
 * recovered it. "Recovered" is money collected (the COLLECTING_PATHS); rescheduled and ignored entries are
 * counted under their path but not as recovered. Days to recover: from the first failure to the collection.
 * `facts` come ordered by first failure, then id.
 */
export function aggregateFacts(facts: RecoveryFact[], timeZone: string): RecoveryAggregates {
  const total = emptyBucket();
  const weeks = new Map<string, Bucket>();
  const methods = new Map<string, Bucket>();
  const reasons = new Map<string, Bucket>();
  const paths = new Map<RecoveryPathName, { count: number; amount: bigint }>(
    RECOVERY_PATHS.map((p) => [p, { count: 0, amount: 0n }]),
  );
  const durations: bigint[] = [];
  let open = 0;
  for (const f of facts) {
    const outcome = outcomeOf(f);
    const buckets = [
      total,
      getOr(weeks, weekOf(f.firstFailedAt, timeZone)),
      getOr(methods, f.method),
      getOr(reasons, f.reason),
    ];
    for (const b of buckets) {
      b.failedCount++;
      b.failedAmount += f.amountMinor;
      if (outcome?.collected) {
        b.recoveredCount++;
        b.recoveredAmount += outcome.amountMinor;
      }
    }
    if (!outcome) {
      open++;
      continue;
    }
    const p = paths.get(outcome.path)!;
    p.count++;
    p.amount += outcome.amountMinor;
    if (outcome.collected && outcome.at)
      durations.push(BigInt(outcome.at.getTime() - f.firstFailedAt.getTime()));
  }
  return {
    total,
    openCount: open,
    medianDaysToRecover: median(durations),
    weeks: [...weeks.entries()],
    methods: [...methods.entries()],
    reasons: [...reasons.entries()],
    paths,
  };
}

/** The endpoint's answer from the aggregates (RC7). */
export function presentRecovery(a: RecoveryAggregates) {
  const present = (b: Bucket) => ({
    failedCount: b.failedCount,
    failedAmount: Number(b.failedAmount),
    recoveredCount: b.recoveredCount,
    recoveredAmount: Number(b.recoveredAmount),
    rate: rate(b),
  });
  return {
    ...present(a.total),
    openCount: a.openCount,
    medianDaysToRecover: a.medianDaysToRecover,
    byWeek: [...a.weeks].sort(([x], [y]) => x.localeCompare(y)).map(([week, b]) => ({ week, ...present(b) })),
    byPath: RECOVERY_PATHS.map((path) => ({
      path,
      collected: COLLECTING_PATHS.has(path),
      count: a.paths.get(path)?.count ?? 0,
      amount: Number(a.paths.get(path)?.amount ?? 0n),
    })),
    byMethod: [...a.methods]
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([method, b]) => ({ method, ...present(b) })),
    // A stable sort: equal counts keep the order of first appearance.
    byReason: [...a.reasons]
      .sort(([, x], [, y]) => y.failedCount - x.failedCount)
      .map(([code, b]) => ({ code, ...present(b) })),
  };
}

/** Recovery analytics (RC7) from the facts, in Node: the reference for the SQL aggregation. */
export function summarizeRecovery(facts: RecoveryFact[], timeZone: string) {
  return presentRecovery(aggregateFacts(facts, timeZone));
}

function getOr(map: Map<string, Bucket>, key: string): Bucket {
  let b = map.get(key);
  if (!b) {
    b = emptyBucket();
    map.set(key, b);
  }
  return b;
}
