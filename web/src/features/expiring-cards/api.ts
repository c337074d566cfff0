import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { answer, api } from '../../api/client';
import type { ItemOf } from '../../api/schema';

export type ExpiringCard = ItemOf<'listExpiringCards'>;

const expiringCardsKey = ['expiring-cards'] as const;

export function useExpiringCards() {
  return useInfiniteQuery({
    queryKey: expiringCardsKey,
    queryFn: ({ pageParam }) =>
      answer(
        api.GET('/api/v1/action-center/expiring-cards', {
          params: { query: { cursor: pageParam ?? undefined, limit: 50 } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useRemind() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (paymentMethodId: string) =>
      answer(
        api.POST('/api/v1/action-center/expiring-cards/{paymentMethodId}/remind', {
          params: { path: { paymentMethodId } },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: expiringCardsKey }),
    // RemindButton says "too soon" next to the button itself and reports any other error.
    meta: { silent: true },
  });
}
