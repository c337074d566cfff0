import type { FailedTransactionFilters } from './api';

/**
 * The failed list's filters as they sit in the address bar, so that a filtered list can be shared, reloaded
 * and walked back with the browser's Back button. Unknown values are dropped rather than sent (the server
 * would answer 400 to a hand-edited address).
 */
export interface FailedView {
  filters: FailedTransactionFilters;
  paidElsewhereOnly: boolean;
}

const METHODS = ['card', 'echeck'] as const;
const TYPES = ['refund', 'echeck_payment', 'installment', 'subscription'] as const;
const RETRIES = ['automatic', 'manual'] as const;
const REASON = /^[A-Za-z0-9_]{1,60}$/;

function oneOf<T extends string>(values: readonly T[], value: string | null): T | undefined {
  return values.includes(value as T) ? (value as T) : undefined;
}

export function viewFromSearch(search: URLSearchParams): FailedView {
  const reason = search.get('reason');
  const filters: FailedTransactionFilters = {
    paymentMethod: oneOf(METHODS, search.get('method')),
    type: oneOf(TYPES, search.get('type')),
    retry: oneOf(RETRIES, search.get('retry')),
    reason: reason && REASON.test(reason) ? (reason as FailedTransactionFilters['reason']) : undefined,
  };
  for (const key of Object.keys(filters) as (keyof FailedTransactionFilters)[]) {
    if (filters[key] === undefined) delete filters[key];
  }
  return { filters, paidElsewhereOnly: search.get('paidElsewhere') === '1' };
}

export function searchFromView(view: FailedView): URLSearchParams {
  const search = new URLSearchParams();
  if (view.filters.paymentMethod) search.set('method', view.filters.paymentMethod);
  if (view.filters.type) search.set('type', view.filters.type);
  if (view.filters.reason) search.set('reason', view.filters.reason);
  if (view.filters.retry) search.set('retry', view.filters.retry);
  if (view.paidElsewhereOnly) search.set('paidElsewhere', '1');
  return search;
}
