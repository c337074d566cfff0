const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string, locale: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formatters.set(key, formatter);
  }
  return formatter;
}

/**
 * The only money formatter of the UI. Amounts are integer minor units; the single division below happens
 * for display only, never for arithmetic.
 */
export function formatMoney(minor: number, currency: string, locale: string): string {
  const formatter = formatterFor(currency, locale);
  const digits = formatter.resolvedOptions().maximumFractionDigits ?? 2;
  return formatter.format(minor / 10 ** digits);
}

/**
 * Reads what a person typed ("12,50", "12.5", "1 234,56") into integer minor units, by string
 * manipulation only (no float arithmetic). Answers null when it is not a positive amount (or zero, with
 * `allowZero`: a fee may be nothing).
 */
export function parseMoneyInput(
  text: string,
  fractionDigits = 2,
  opts: { allowZero?: boolean } = {},
): number | null {
  const cleaned = text.replace(/[\s\u00a0\u202f$]/g, '').replace(',', '.');
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return null;
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  if (fraction.length > fractionDigits) return null;
  const minor = Number.parseInt(whole + fraction.padEnd(fractionDigits, '0'), 10);
  return Number.isSafeInteger(minor) && (minor > 0 || (opts.allowZero && minor === 0)) ? minor : null;
}

/** How many minor-unit digits a currency has (2 for CAD, 0 for JPY). */
export function currencyDigits(currency: string): number {
  return formatterFor(currency, 'en-CA').resolvedOptions().maximumFractionDigits ?? 2;
}

/** The decimal separator people type in this locale ("," in fr-CA, "." in en-CA). */
export function decimalSeparator(locale: string): string {
  return (
    new Intl.NumberFormat(locale).formatToParts(1.5).find((part) => part.type === 'decimal')?.value ?? '.'
  );
}

/**
 * Minor units back into the text of an amount field ("1250" → "12.50" or "12,50"), by string manipulation
 * only, so that parseMoneyInput reads it back to exactly the same integer.
 */
export function toMoneyInput(minor: number, fractionDigits = 2, separator = '.'): string {
  const digits = String(Math.trunc(Math.abs(minor)));
  if (fractionDigits === 0) return digits;
  const padded = digits.padStart(fractionDigits + 1, '0');
  return `${padded.slice(0, -fractionDigits)}${separator}${padded.slice(-fractionDigits)}`;
}
