import { useQueryClient } from '@tanstack/react-query';
import { useOrganization } from '../admin/session';
import { today } from './dates';

/** The calendar date at `now` in `timeZone` (YYYY-MM-DD); the browser's own date without a zone. */
export function todayIn(timeZone: string | undefined, now = new Date()): string {
  if (!timeZone) return today();
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

/**
 * "Today" as the server reads it for rules such as "not in the past": the organization's time zone, and the
 * sandbox clock when the banner has already read it (it may have been moved forward).
 */
export function useOrganizationToday(): string {
  const organization = useOrganization();
  const clock = useQueryClient().getQueryData<{ now: string }>(['sandbox', 'clock']);
  return todayIn(organization.data?.timezone, clock ? new Date(clock.now) : new Date());
}
