/**
 * Money is always an integer number of minor units (cents) held in a bigint.
 * Every split of an amount goes through `allocate` so rounding lives in one place.
 */
export type Minor = bigint;

/** The largest amount the product accepts: 10^12 minor units (ten billion dollars). */
export const MAX_AMOUNT_MINOR = 1_000_000_000_000n;

export function toMinor(value: number | string | bigint): Minor {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer amount of minor units: ${value}`);
    return BigInt(value);
  }
  if (!/^-?\d+$/.test(value)) throw new RangeError(`not an integer amount of minor units: ${value}`);
  return BigInt(value);
}

/** JSON carries minor units as numbers; 10^12 is far below 2^53, so this is exact. */
export function toJsonAmount(value: Minor | number | string): number {
  const big = typeof value === 'bigint' ? value : toMinor(value);
  return Number(big);
}

export function minBig(a: Minor, b: Minor): Minor {
  return a < b ? a : b;
}

export function maxBig(a: Minor, b: Minor): Minor {
  return a > b ? a : b;
}

export function sumMinor(values: Iterable<Minor>): Minor {
  let total = 0n;
  for (const v of values) total += v;
  return total;
}

/**
 * Splits `total` in proportion to `weights` with the largest-remainder method:
 * the parts always add up to `total` exactly, and no part is off by more than one minor unit.
 */
export function allocate(total: Minor, weights: readonly Minor[]): Minor[] {
  if (weights.length === 0) throw new RangeError('allocate needs at least one weight');
  const weightSum = sumMinor(weights);
  if (weightSum <= 0n) throw new RangeError('allocate needs a positive total weight');
  const parts = weights.map((w) => (total * w) / weightSum);
  const remainders = weights.map((w, i) => ({ i, r: (total * w) % weightSum }));
  let left = total - sumMinor(parts);
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left <= 0n) break;
    parts[i] = (parts[i] as Minor) + 1n;
    left -= 1n;
  }
  return parts;
}

/** Formats minor units for people (e-mails, exports' display). The UI has its own single formatter. */
export function formatMoney(amount: Minor | number, currency: string, locale: string): string {
  const minor = typeof amount === 'bigint' ? amount : BigInt(amount);
  const digits = currencyDigits(currency);
  const scale = 10n ** BigInt(digits);
  const sign = minor < 0n ? '-' : '';
  const abs = minor < 0n ? -minor : minor;
  // Intl formats a decimal string exactly (no float rounding) when given a string.
  const decimal = `${sign}${abs / scale}${digits > 0 ? `.${(abs % scale).toString().padStart(digits, '0')}` : ''}`;
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(decimal as unknown as number);
}

export function currencyDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

/** Major units as a JS number, only for spreadsheet cells where a number type is required. */
export function toMajorNumber(amount: Minor, currency: string): number {
  const digits = currencyDigits(currency);
  return Number(amount) / 10 ** digits;
}
