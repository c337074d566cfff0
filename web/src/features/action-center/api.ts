import { useQuery } from '@tanstack/react-query';
import { answer, api } from '../../api/client';
import type { Schemas } from '../../api/schema';

export type ActionCenterCharts = Schemas['ActionCenterCharts'];

const summaryKey = ['action-center', 'summary'] as const;
const chartsKey = ['action-center', 'charts'] as const;

export function useSummary() {
  return useQuery({
    queryKey: summaryKey,
    queryFn: () => answer(api.GET('/api/v1/action-center/summary')),
  });
}

export function useCharts() {
  return useQuery({
    queryKey: chartsKey,
    queryFn: () => answer(api.GET('/api/v1/action-center/charts')),
  });
}

export type RecoveryAnalytics = Schemas['RecoveryAnalytics'];

/** RC7: the last 12 weeks of failures, by failure week (the server's default range). */
export function useRecoveryAnalytics() {
  return useQuery({
    queryKey: ['action-center', 'recovery'] as const,
    queryFn: () => answer(api.GET('/api/v1/action-center/recovery')),
  });
}
