import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { answer, api } from '../../api/client';
import type { Schemas } from '../../api/schema';

export type RetryPolicy = Schemas['RetryPolicy'];
export type DunningEmail = 'failure-notice' | 'reminder-before-retry' | 'final-notice';

const policyKey = ['retry-policy'] as const;

export function useRetryPolicy() {
  return useQuery({
    queryKey: policyKey,
    queryFn: () => answer(api.GET('/api/v1/organization/retry-policy')),
  });
}

export function useUpdateRetryPolicy() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (policy: RetryPolicy) =>
      answer(api.PUT('/api/v1/organization/retry-policy', { body: policy })),
    onSuccess: (policy) => {
      queryClient.setQueryData(policyKey, policy);
      // Every open entry was planned again: the list's next retries changed.
      void queryClient.invalidateQueries({ queryKey: ['failed-transactions'] });
    },
    meta: { form: true },
  });
}

export function useDunningPreview(kind: DunningEmail | null) {
  return useQuery({
    queryKey: ['retry-policy', 'preview', kind],
    enabled: kind !== null,
    queryFn: () =>
      answer(
        api.GET('/api/v1/organization/retry-policy/preview/{kind}', {
          params: { path: { kind: kind as DunningEmail } },
        }),
      ),
  });
}
