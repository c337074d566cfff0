/** Business dates (YYYY-MM-DD) are calendar facts: formatted in UTC so no time zone shifts them. */
export function formatDate(date: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(`${date.slice(0, 10)}T00:00:00Z`),
  );
}

/**
 * An instant as the organization's clock reads it: `timeZone` is the organization's IANA zone (its "today",
 * its digests and retries run there), never the browser's, so that two viewers in different zones read the
 * same time. Without one (still loading), the time is shown in UTC and says so.
 */
export function formatInstant(instant: string, locale: string, timeZone?: string): string {
  const text = new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: timeZone ?? 'UTC',
  }).format(new Date(instant));
  // Not `timeZoneName`: Intl refuses it beside `dateStyle` (a TypeError, "Invalid option"), which blanked
  // a page whose rows arrived before the organization did (e2e/audit-and-settings-fr.spec.ts, one run in 3).
  return timeZone ? text : `${text} UTC`;
}

export function formatExpiry(month: number | null | undefined, year: number | null | undefined): string {
  if (!month || !year) return '';
  return `${String(month).padStart(2, '0')}/${String(year).slice(-2)}`;
}

export function today(): string {
  const now = new Date();
  const month = String(now.getMonth() + 1).padStart(2, '0');
  const day = String(now.getDate()).padStart(2, '0');
  return `${now.getFullYear()}-${month}-${day}`;
}
