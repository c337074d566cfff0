import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { PortalCard, PortalPayResult, PortalSession } from '../api/types';
import { newIdempotencyKey } from '../ui/idempotency';

const sessionKey = (token: string) => ['portal', token] as const;

export function usePortalSession(token: string) {
  return useQuery({
    queryKey: sessionKey(token),
    queryFn: () => api<PortalSession>('/portal/session', { query: { token } }),
    enabled: token !== '',
    retry: false,
  });
}

export function usePortalSaveCard(token: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (card: { number: string; expMonth: number; expYear: number; cvc: string }) =>
      api<PortalCard>('/portal/payment-methods', { method: 'POST', query: { token }, json: card }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sessionKey(token) }),
    meta: { form: true },
  });
}

export function usePortalPay(token: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { failedTransactionId: string; paymentMethodId: string }) =>
      api<PortalPayResult>('/portal/pay', {
        method: 'POST',
        query: { token },
        json: body,
        headers: { 'Idempotency-Key': newIdempotencyKey() },
      }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sessionKey(token) }),
  });
}
