import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { ActionCenterCharts, ActionCenterSummary } from '../../api/types';

const summaryKey = ['action-center', 'summary'] as const;
const chartsKey = ['action-center', 'charts'] as const;

export function useSummary() {
  return useQuery({
    queryKey: summaryKey,
    queryFn: () => api<ActionCenterSummary>('/action-center/summary'),
  });
}

export function useCharts() {
  return useQuery({ queryKey: chartsKey, queryFn: () => api<ActionCenterCharts>('/action-center/charts') });
}
