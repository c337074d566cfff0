import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type {
  AuditEntry,
  EmailDetail,
  EmailPreferences,
  EmailSummary,
  Organization,
  Page,
  Role,
  User,
} from '../../api/types';

export function useUpdateOrganization() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (patch: Partial<Omit<Organization, 'id' | 'logoUrl'>>) =>
      api<Organization>('/organization', { method: 'PATCH', json: patch }),
    onSuccess: (organization) => queryClient.setQueryData(['organization'], organization),
    meta: { form: true },
  });
}

export function useUploadLogo() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (file: File) =>
      api<Organization | undefined>('/organization/logo', {
        method: 'PUT',
        body: file,
        headers: { 'Content-Type': file.type },
      }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['organization'] }),
  });
}

export function useUsers(enabled = true) {
  return useQuery({
    queryKey: ['users'],
    queryFn: () => api<Page<User>>('/users'),
    enabled,
  });
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; name: string; password: string; role: Role }) =>
      api<User>('/users', { method: 'POST', json: body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['users'] }),
    meta: { form: true },
  });
}

export function useChangeRole() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, role }: { id: string; role: Role }) =>
      api<User>(`/users/${id}`, { method: 'PATCH', json: { role } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['users'] }),
  });
}

export function useEmailPreferences() {
  return useQuery({
    queryKey: ['me', 'email-preferences'],
    queryFn: () => api<EmailPreferences>('/me/email-preferences'),
  });
}

export function useUpdateEmailPreferences() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (preferences: EmailPreferences) =>
      api<EmailPreferences>('/me/email-preferences', { method: 'PATCH', json: preferences }),
    onSuccess: (preferences) => queryClient.setQueryData(['me', 'email-preferences'], preferences),
  });
}

function usePaged<T>(key: string, path: string) {
  return useInfiniteQuery({
    queryKey: [key],
    queryFn: ({ pageParam }) => api<Page<T>>(path, { query: { cursor: pageParam, limit: 50 } }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export const useEmails = () => usePaged<EmailSummary>('emails', '/emails');
export const useAuditLog = () => usePaged<AuditEntry>('audit-log', '/audit-log');

export function useEmail(id: string) {
  return useQuery({ queryKey: ['emails', id], queryFn: () => api<EmailDetail>(`/emails/${id}`) });
}
