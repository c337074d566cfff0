import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { notifyError } from '../ui/errors';
import { isApiError } from './client';

declare module '@tanstack/react-query' {
  interface Register {
    mutationMeta: {
      /** The form shows field errors itself; only errors without field details become notifications. */
      form?: boolean;
      /** The component reports errors itself. */
      silent?: boolean;
      /** HTTP statuses the component shows itself (in the viewer's language); others still notify. */
      handles?: number[];
    };
  }
}

export const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({
    onError: (error, query) => {
      // A session that expired mid-way: asking for "me" again sends the user to the sign-in page.
      if (isApiError(error) && error.status === 401 && query.queryKey[0] !== 'me') {
        void queryClient.invalidateQueries({ queryKey: ['me'] });
      }
    },
  }),
  mutationCache: new MutationCache({
    onError: (error, _variables, _context, mutation) => {
      if (isApiError(error) && error.status === 401) void queryClient.invalidateQueries({ queryKey: ['me'] });
      if (mutation.meta?.silent) return;
      if (isApiError(error) && mutation.meta?.handles?.includes(error.status)) return;
      if (mutation.meta?.form && isApiError(error) && error.fieldErrors.length > 0) return;
      notifyError(error);
    },
  }),
  defaultOptions: {
    queries: {
      retry: (failureCount, error) =>
        failureCount < 2 && !(isApiError(error) && error.status >= 400 && error.status < 500),
      staleTime: 10_000,
    },
  },
});
