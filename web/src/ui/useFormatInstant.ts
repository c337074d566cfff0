import { useCallback } from 'react';
import { useOrganization } from '../admin/session';
import { formatInstant } from './dates';
import { useLocale } from './useLocale';

/** Instants in the viewer's language and the organization's time zone (not the browser's). */
export function useFormatInstant(timeZone?: string): (instant: string) => string {
  const locale = useLocale();
  // The portal passes its link's organization zone; the admin screens read the signed-in organization.
  const organization = useOrganization({ enabled: timeZone === undefined });
  const zone = timeZone ?? organization.data?.timezone;
  return useCallback((instant: string) => formatInstant(instant, locale, zone), [locale, zone]);
}
