import { useQuery } from '@tanstack/react-query';
import { answer, api } from '../../api/client';

/** Which gateway moves money (the wallet form uses Stripe.js when it is `stripe`), for those who add methods. */
export function useGatewayStatus(enabled = true) {
  return useQuery({
    queryKey: ['organization', 'gateway'],
    queryFn: () => answer(api.GET('/api/v1/organization/gateway')),
    enabled,
    staleTime: 60_000,
  });
}
