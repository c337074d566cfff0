import { useMediaQuery } from '@mantine/hooks';

/**
 * Below Mantine's `sm` breakpoint (48em, a phone held upright): lists become cards and wide filters become
 * selects, so that nothing needs a sideways scroll at 390 px.
 */
export const PHONE_QUERY = '(max-width: 47.99em)';

export function usePhone(): boolean {
  // Read on the first render too, so a phone never draws the wide table first.
  return useMediaQuery(PHONE_QUERY, window.matchMedia(PHONE_QUERY).matches) ?? false;
}
