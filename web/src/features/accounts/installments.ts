/**
 * Splits an integer amount of minor units into `count` parts that add up to it exactly (largest remainder:
 * every part gets the same base and the first ones get one more unit each until the remainder is used up).
 * Integer arithmetic only: 1000 in 3 → [334, 333, 333].
 */
export function splitEvenly(total: number, count: number): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError('total must be a non-negative integer');
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
  const remainder = total % count;
  const base = (total - remainder) / count;
  return Array.from({ length: count }, (_, index) => (index < remainder ? base + 1 : base));
}

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/**
 * A business date (YYYY-MM-DD) moved by whole months, keeping its day of month where the month has it and
 * the month's last day otherwise (Jan 31 + 1 month → Feb 28 or 29; + 2 months → Mar 31).
 */
export function addMonths(date: string, months: number): string {
  const [year = 0, month = 1, day = 1] = date.split('-').map(Number);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = index - targetYear * 12;
  const targetDay = Math.min(day, daysInMonth(targetYear, targetMonth));
  return `${String(targetYear).padStart(4, '0')}-${String(targetMonth + 1).padStart(2, '0')}-${String(
    targetDay,
  ).padStart(2, '0')}`;
}

/** `count` monthly due dates starting on `first`, each anchored on the first date's day of month. */
export function monthlyDates(first: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => addMonths(first, index));
}
