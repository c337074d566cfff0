import { describe, expect, it } from 'vitest';
import { searchFromView, viewFromSearch } from './filtersUrl';

describe('the failed list filters in the address (issue 16: shareable, reloadable)', () => {
  it('round-trips every filter and the paid-elsewhere switch', () => {
    const view = {
      filters: {
        paymentMethod: 'card',
        type: 'subscription',
        reason: 'card_declined',
        retry: 'manual',
      } as const,
      paidElsewhereOnly: true,
    };
    const search = searchFromView(view);
    expect(search.toString()).toBe(
      'method=card&type=subscription&reason=card_declined&retry=manual&paidElsewhere=1',
    );
    expect(viewFromSearch(new URLSearchParams(search.toString()))).toEqual(view);
  });

  it('drops what the list cannot filter by instead of sending it', () => {
    expect(
      viewFromSearch(new URLSearchParams('method=cash&type=x&reason=%3Cscript%3E&paidElsewhere=yes')),
    ).toEqual({
      filters: {},
      paidElsewhereOnly: false,
    });
    expect(searchFromView({ filters: {}, paidElsewhereOnly: false }).toString()).toBe('');
  });
});
