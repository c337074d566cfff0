import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { answer, api } from '../api/client';
import type { BodyOf, Permission } from '../api/schema';

export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: () => answer(api.GET('/api/v1/me')),
    retry: false,
    staleTime: 60_000,
  });
}

/** Permissions of the signed-in user (an empty list while loading). */
export function useCan(): (permission: Permission) => boolean {
  const me = useMe();
  return (permission) => me.data?.permissions.includes(permission) ?? false;
}

export function useOrganization(options: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: ['organization'],
    queryFn: () => answer(api.GET('/api/v1/organization')),
    staleTime: 60_000,
    enabled: options.enabled ?? true,
  });
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: BodyOf<'login'>) => answer(api.POST('/api/v1/auth/login', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['me'] }),
    meta: { form: true },
  });
}

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => answer(api.POST('/api/v1/auth/logout')),
    onSettled: () => queryClient.clear(),
  });
}
