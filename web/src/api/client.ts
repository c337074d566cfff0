import createClient, { type Middleware } from 'openapi-fetch';
import type { Schemas } from './schema';
import type { paths } from './schema.gen';

export type Problem = Schemas['Problem'];
export type FieldError = NonNullable<Problem['errors']>[number];

/** An HTTP error answered by the API as application/problem+json (or anything else non-2xx). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }

  get fieldErrors(): FieldError[] {
    return this.problem.errors ?? [];
  }
}

let acceptLanguage = 'fr-CA';

/** The API answers reason messages and e-mails in the viewer's language. */
export function setApiLanguage(language: string): void {
  acceptLanguage = language;
}

function readCookie(name: string): string | undefined {
  const prefix = `${name}=`;
  const found = document.cookie.split('; ').find((part) => part.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : undefined;
}

/** Empty filters are left out of the URL rather than sent as `?reason=`. */
function serializeQuery(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  return params.toString();
}

async function toApiError(response: Response): Promise<ApiError> {
  const fallback: Problem = {
    type: 'about:blank',
    title: response.statusText,
    status: response.status,
    detail: '',
  };
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as Partial<Problem>;
    return new ApiError(response.status, { ...fallback, ...parsed });
  } catch {
    return new ApiError(response.status, fallback);
  }
}

/** The conventions of every call: language header, CSRF header on writes, problem+json errors thrown. */
const conventions: Middleware = {
  onRequest({ request }) {
    request.headers.set('Accept-Language', acceptLanguage);
    if (request.method !== 'GET') {
      const csrf = readCookie('recoup_csrf');
      if (csrf) request.headers.set('X-CSRF-Token', csrf);
    }
    return request;
  },
  async onResponse({ response }) {
    if (!response.ok) throw await toApiError(response);
  },
  onError() {
    return new ApiError(0, { type: 'about:blank', title: 'Network error', status: 0, detail: '' });
  },
};

/**
 * The one place that talks HTTP, typed by the generated contract: `api.GET('/api/v1/me')`. The session
 * cookie goes along (same origin); a non-2xx answer rejects with an ApiError, so `data` is the answer.
 */
export const api = createClient<paths>({
  credentials: 'same-origin',
  headers: { Accept: 'application/json' },
  querySerializer: serializeQuery,
});
api.use(conventions);

/** The answer's body: failures were already thrown as ApiError by the middleware. */
export async function answer<T>(call: Promise<{ data?: T }>): Promise<T> {
  const { data } = await call;
  return data as T;
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}
