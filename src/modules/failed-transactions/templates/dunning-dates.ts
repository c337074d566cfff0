import type { Locale } from '../../../lib/locale';

/** "Tuesday, March 3, 2026 at 10:00" in the owner's language and the organization's time zone. */
export function formatAttemptAt(at: Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, {
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
  }).format(at);
}
