import {
  type InfiniteData,
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { answer, api } from '../../api/client';
import type { Answer, QueryOf, Schemas } from '../../api/schema';
import { retriesAwaitingOutcome } from './retryOutcomes';

export type FailedTransaction = Schemas['FailedTransaction'];
export type TransactionType = FailedTransaction['type'];

/** The list's filters (the query without its paging). */
export type FailedTransactionFilters = Pick<
  QueryOf<'listFailedTransactions'>,
  'paymentMethod' | 'type' | 'reason' | 'retry'
>;

type FailedPages = InfiniteData<Answer<'listFailedTransactions'>, string | null>;

const failedTransactionsKey = ['failed-transactions'] as const;
/** The list's pages only (the reasons facet shares the prefix, so that one invalidation refreshes both). */
const failedListKey = [...failedTransactionsKey, 'list'] as const;

function anyRetrying(data: FailedPages | undefined): boolean {
  return data?.pages.some((page) => page.items.some((item) => item.status === 'retrying')) ?? false;
}

/** FT3: while an entry is retrying the list is polled until the attempt is over (the row leaves or fails). */
/**
 * FT7's "paid elsewhere only" is a filter of the server's list like the others, so that the pages hold only
 * those entries and the export (the same filters) is exactly what the list shows.
 */
export function useFailedTransactions(filters: FailedTransactionFilters, paidElsewhereOnly = false) {
  const query = { ...filters, ...(paidElsewhereOnly ? { paidElsewhere: true } : {}) };
  return useInfiniteQuery({
    queryKey: [...failedListKey, query],
    queryFn: ({ pageParam }) =>
      answer(
        api.GET('/api/v1/action-center/failed-transactions', {
          params: { query: { ...query, cursor: pageParam ?? undefined, limit: 50 } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: (query) => (anyRetrying(query.state.data) ? 1500 : false),
  });
}

/**
 * FT9: the reasons the list can still be narrowed to under the other filters, each with its count, so that
 * no reason offered leads to an empty list.
 */
export function useFailedReasons(filters: FailedTransactionFilters) {
  const { reason: _reason, ...others } = filters;
  return useQuery({
    queryKey: [...failedTransactionsKey, 'reasons', others],
    queryFn: () =>
      answer(api.GET('/api/v1/action-center/failed-transactions/reasons', { params: { query: others } })),
    placeholderData: keepPreviousData,
  });
}

export function useRetry() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, idempotencyKey }: { id: string; idempotencyKey: string }) =>
      answer(
        api.POST('/api/v1/action-center/failed-transactions/{id}/retry', {
          params: { path: { id } },
          headers: { 'Idempotency-Key': idempotencyKey },
        }),
      ),
    onSuccess: (_answer, { id }) => {
      const asked = queryClient
        .getQueriesData<FailedPages>({ queryKey: failedListKey })
        .flatMap(([, data]) => data?.pages.flatMap((page) => page.items) ?? [])
        .find((item) => item.id === id);
      if (asked) retriesAwaitingOutcome.set(id, asked);
      // Show the orange clock at once; polling takes over from here.
      queryClient.setQueriesData<FailedPages>({ queryKey: failedListKey }, (data) =>
        data
          ? {
              ...data,
              pages: data.pages.map((page) => ({
                ...page,
                items: page.items.map((item) =>
                  item.id === id
                    ? { ...item, status: 'retrying', actions: { ...item.actions, retry: false } }
                    : item,
                ),
              })),
            }
          : data,
      );
      void queryClient.invalidateQueries({ queryKey: failedTransactionsKey });
    },
    onError: () => queryClient.invalidateQueries({ queryKey: failedTransactionsKey }),
  });
}

export function useIgnore() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, note }: { id: string; note?: string }) =>
      answer(
        api.POST('/api/v1/action-center/failed-transactions/{id}/ignore', {
          params: { path: { id } },
          body: note ? { note } : {},
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: failedTransactionsKey });
      void queryClient.invalidateQueries({ queryKey: ['action-center'] });
    },
    meta: { form: true },
  });
}
