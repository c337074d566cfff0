import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { answer, api } from '../api/client';
import type { BodyOf, Schemas } from '../api/schema';
import { newIdempotencyKey } from '../ui/idempotency';

export type PortalSession = Schemas['PortalSession'];
export type PortalCard = Schemas['PortalCard'];
export type PortalFailedPayment = PortalSession['failedPayments'][number];

const sessionKey = (token: string) => ['portal', token] as const;

export function usePortalSession(token: string) {
  return useQuery({
    queryKey: sessionKey(token),
    queryFn: () => answer(api.GET('/api/v1/portal/session', { params: { query: { token } } })),
    enabled: token !== '',
    retry: false,
  });
}

export function usePortalSaveCard(token: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (card: BodyOf<'savePortalCard'>) =>
      answer(api.POST('/api/v1/portal/payment-methods', { params: { query: { token } }, body: card })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sessionKey(token) }),
    meta: { form: true },
  });
}

/** Live gateway: a SetupIntent of the link's account for Stripe's Payment Element. */
export function usePortalSetupIntent(token: string) {
  return useMutation({
    mutationFn: (type: 'card' | 'echeck') =>
      answer(api.POST('/api/v1/portal/setup-intent', { params: { query: { token } }, body: { type } })),
  });
}

export function usePortalPay(token: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: BodyOf<'payPortalFailedPayment'>) =>
      answer(
        api.POST('/api/v1/portal/pay', {
          params: { query: { token } },
          body,
          headers: { 'Idempotency-Key': newIdempotencyKey() },
        }),
      ),
    // A link that paid is used up (the server revokes it): re-reading the session would only say the
    // link is no longer valid, so the page keeps what it shows, with the success.
    onSuccess: (result) =>
      result.status === 'failed' ? queryClient.invalidateQueries({ queryKey: sessionKey(token) }) : undefined,
  });
}
