import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { answer, api } from '../../api/client';
import type { Schemas } from '../../api/schema';
import { recordReconciled, recordUndone } from './outcomes';

export type ReconcilableAccount = Schemas['ReconcilableAccount'];
export type ReconcileResult = Schemas['ReconcileResult'];
export type ReconcileState = ReconcileResult['state'];

export const reconcilableKey = ['reconcilable-accounts'] as const;

/** RA9: never refetched behind the user's back, so reconciled rows stay where they were. */
export function useReconcilableAccounts() {
  return useInfiniteQuery({
    queryKey: reconcilableKey,
    queryFn: ({ pageParam }) =>
      answer(
        api.GET('/api/v1/action-center/reconcilable-accounts', {
          params: { query: { cursor: pageParam ?? undefined, limit: 50 } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
}

function reconcile(accountId: string, dryRun: boolean) {
  return answer(
    api.POST('/api/v1/action-center/reconcilable-accounts/{accountId}/reconcile', {
      params: { path: { accountId }, query: dryRun ? { dryRun: true } : undefined },
    }),
  );
}

export function useReconcilePreview(accountId: string) {
  return useQuery({
    queryKey: ['reconcile-preview', accountId],
    queryFn: () => reconcile(accountId, true),
    staleTime: 0,
    gcTime: 0,
  });
}

/**
 * The account's documents, to show a preview's allocations as people read them (kind, date, reference,
 * amount) rather than by ID. One page of 200: a document beyond it is shown by its ID.
 */
export function useAccountDocuments(accountId: string) {
  return useQuery({
    queryKey: ['account', accountId, 'reconcile-documents'],
    queryFn: () =>
      answer(
        api.GET('/api/v1/accounts/{id}/ledger', {
          params: { path: { id: accountId }, query: { limit: 200 } },
        }),
      ),
    retry: false,
  });
}

export function useReconcile() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (accountId: string) => reconcile(accountId, false),
    onSuccess: (result) => {
      recordReconciled(result);
      void queryClient.invalidateQueries({ queryKey: ['action-center', 'summary'] });
      void queryClient.invalidateQueries({ queryKey: ['account', result.accountId] });
    },
  });
}

export function useUndoReconcile() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ batchId }: { accountId: string; batchId: string }) =>
      answer(api.DELETE('/api/v1/reconciliations/{batchId}', { params: { path: { batchId } } })),
    onSuccess: (_answer, { accountId }) => {
      recordUndone(accountId);
      void queryClient.invalidateQueries({ queryKey: ['action-center', 'summary'] });
      void queryClient.invalidateQueries({ queryKey: ['account', accountId] });
    },
  });
}

/** What "Reconcile all zero-balance accounts" would settle, read when its confirmation opens. */
export function useZeroBalanceSummary(enabled: boolean) {
  return useQuery({
    queryKey: ['reconcilable-accounts', 'zero-balance-summary'],
    queryFn: () => answer(api.GET('/api/v1/action-center/reconcilable-accounts/zero-balance-summary')),
    enabled,
    staleTime: 0,
  });
}

export function useReconcileAll() {
  return useMutation({
    mutationFn: () =>
      answer(
        api.POST('/api/v1/action-center/reconcilable-accounts/reconcile-all', {
          body: { zeroBalanceOnly: true },
        }),
      ),
  });
}

const FINISHED = ['completed', 'failed', 'cancelled'];

export function isJobFinished(job: Schemas['Job'] | undefined): boolean {
  return job !== undefined && FINISHED.includes(job.state);
}

export function useJob(jobId: string | null) {
  return useQuery({
    queryKey: ['jobs', jobId],
    queryFn: () => answer(api.GET('/api/v1/jobs/{id}', { params: { path: { id: jobId ?? '' } } })),
    enabled: jobId !== null,
    refetchInterval: (query) => (isJobFinished(query.state.data) ? false : 1000),
  });
}
