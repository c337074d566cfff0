import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Job, LedgerDocument, Page, ReconcilableAccount, ReconcileResult } from '../../api/types';
import { recordReconciled, recordUndone } from './outcomes';

export const reconcilableKey = ['reconcilable-accounts'] as const;

/** RA9: never refetched behind the user's back, so reconciled rows stay where they were. */
export function useReconcilableAccounts() {
  return useInfiniteQuery({
    queryKey: reconcilableKey,
    queryFn: ({ pageParam }) =>
      api<Page<ReconcilableAccount>>('/action-center/reconcilable-accounts', {
        query: { cursor: pageParam, limit: 50 },
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
}

function reconcile(accountId: string, dryRun: boolean) {
  return api<ReconcileResult>(`/action-center/reconcilable-accounts/${accountId}/reconcile`, {
    method: 'POST',
    query: dryRun ? { dryRun: true } : undefined,
  });
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
    queryFn: () => api<Page<LedgerDocument>>(`/accounts/${accountId}/ledger`, { query: { limit: 200 } }),
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
      api<void>(`/reconciliations/${batchId}`, { method: 'DELETE' }),
    onSuccess: (_answer, { accountId }) => {
      recordUndone(accountId);
      void queryClient.invalidateQueries({ queryKey: ['action-center', 'summary'] });
      void queryClient.invalidateQueries({ queryKey: ['account', accountId] });
    },
  });
}

export function useReconcileAll() {
  return useMutation({
    mutationFn: () =>
      api<{ jobId: string }>('/action-center/reconcilable-accounts/reconcile-all', {
        method: 'POST',
        json: { zeroBalanceOnly: true },
      }),
  });
}

const FINISHED = ['completed', 'failed', 'cancelled'];

export function isJobFinished(job: Job | undefined): boolean {
  return job !== undefined && FINISHED.includes(job.state);
}

export function useJob(jobId: string | null) {
  return useQuery({
    queryKey: ['jobs', jobId],
    queryFn: () => api<Job>(`/jobs/${jobId}`),
    enabled: jobId !== null,
    refetchInterval: (query) => (isJobFinished(query.state.data) ? false : 1000),
  });
}
