import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { answer, api } from '../../api/client';
import type { BodyOf, ItemOf, QueryOf, Schemas } from '../../api/schema';

export type EmailEntry = ItemOf<'listEmails'>;

export function useUpdateOrganization() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (patch: BodyOf<'updateOrganization'>) =>
      answer(api.PATCH('/api/v1/organization', { body: patch })),
    onSuccess: (organization) => queryClient.setQueryData(['organization'], organization),
    meta: { form: true },
  });
}

export function useUploadLogo() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (file: File) =>
      answer(
        api.PUT('/api/v1/organization/logo', {
          // Raw image bytes, which the OpenAPI document leaves undescribed (a body schema would make Fastify
          // validate the bytes as JSON); the server reads their type from their magic bytes.
          body: file as never,
          bodySerializer: (body: unknown) => body,
          headers: { 'Content-Type': file.type },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['organization'] }),
  });
}

export function useUsers(enabled = true) {
  return useQuery({
    queryKey: ['users'],
    queryFn: () => answer(api.GET('/api/v1/users')),
    enabled,
  });
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: BodyOf<'createUser'>) => answer(api.POST('/api/v1/users', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['users'] }),
    meta: { form: true },
  });
}

export function useChangeRole() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, role }: { id: string; role: Schemas['User']['role'] }) =>
      answer(api.PATCH('/api/v1/users/{id}', { params: { path: { id } }, body: { role } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['users'] }),
  });
}

/** Deactivate (sign-in refused, sessions and tokens stopped at once) or reactivate a person. */
export function useSetUserActive() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, active }: { id: string; active: boolean }) => {
      const params = { path: { id } };
      return active
        ? answer(api.POST('/api/v1/users/{id}/reactivate', { params }))
        : answer(api.POST('/api/v1/users/{id}/deactivate', { params }));
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['users'] }),
  });
}

export function useEmailPreferences() {
  return useQuery({
    queryKey: ['me', 'email-preferences'],
    queryFn: () => answer(api.GET('/api/v1/me/email-preferences')),
  });
}

export function useUpdateEmailPreferences() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (preferences: Schemas['EmailPreferences']) =>
      answer(api.PATCH('/api/v1/me/email-preferences', { body: preferences })),
    onSuccess: (preferences) => queryClient.setQueryData(['me', 'email-preferences'], preferences),
  });
}

/** Pages of 50 of a list that takes only a cursor. */
function usePaged<T extends { nextCursor: string | null }>(
  key: string,
  page: (query: { cursor?: string; limit: number }) => Promise<T>,
) {
  return useInfiniteQuery({
    queryKey: [key],
    queryFn: ({ pageParam }) => page({ cursor: pageParam ?? undefined, limit: 50 }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export const useEmails = () =>
  usePaged('emails', (query) => answer(api.GET('/api/v1/emails', { params: { query } })));
export type AuditFilters = Omit<QueryOf<'listAuditLog'>, 'limit' | 'cursor'>;

/** The audit log narrowed on the server (action, person, local days); each filter set is its own cache entry. */
export function useAuditLog(filters: AuditFilters = {}) {
  return useInfiniteQuery({
    queryKey: ['audit-log', filters],
    queryFn: ({ pageParam }) =>
      answer(
        api.GET('/api/v1/audit-log', {
          params: { query: { ...filters, cursor: pageParam ?? undefined, limit: 50 } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useEmail(id: string) {
  return useQuery({
    queryKey: ['emails', id],
    queryFn: () => answer(api.GET('/api/v1/emails/{id}', { params: { path: { id } } })),
  });
}
