import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { ExpiringCard, Page } from '../../api/types';

const expiringCardsKey = ['expiring-cards'] as const;

export function useExpiringCards() {
  return useInfiniteQuery({
    queryKey: expiringCardsKey,
    queryFn: ({ pageParam }) =>
      api<Page<ExpiringCard>>('/action-center/expiring-cards', { query: { cursor: pageParam, limit: 50 } }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useRemind() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (paymentMethodId: string) =>
      api<void>(`/action-center/expiring-cards/${paymentMethodId}/remind`, { method: 'POST' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: expiringCardsKey }),
    // RemindButton says "too soon" next to the button itself and reports any other error.
    meta: { silent: true },
  });
}
