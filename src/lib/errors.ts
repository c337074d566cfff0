/**
 * The one error table of the product. Every error a client can see is one of these problem types,
 * rendered as application/problem+json (RFC 9457) by the HTTP layer.
 */
export const PROBLEMS = {
  validation: { status: 400, title: 'Invalid request' },
  bad_request: { status: 400, title: 'Bad request' },
  unauthenticated: { status: 401, title: 'Not signed in' },
  payment_declined: { status: 402, title: 'Payment declined' },
  forbidden: { status: 403, title: 'Not allowed' },
  csrf: { status: 403, title: 'Missing or wrong CSRF token' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  idempotency_conflict: { status: 409, title: 'Idempotency key reused with another request' },
  payload_too_large: { status: 413, title: 'Request body too large' },
  uri_too_long: { status: 414, title: 'URI too long' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  business_rule: { status: 422, title: 'Business rule broken' },
  too_many_requests: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ProblemKind = keyof typeof PROBLEMS;

export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly kind: ProblemKind;
  readonly status: number;
  readonly errors?: FieldError[];
  readonly extra?: Record<string, unknown>;

  constructor(
    kind: ProblemKind,
    detail: string,
    opts: { errors?: FieldError[]; extra?: Record<string, unknown> } = {},
  ) {
    super(detail);
    this.kind = kind;
    this.status = PROBLEMS[kind].status;
    this.errors = opts.errors;
    this.extra = opts.extra;
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const forbidden = (detail = 'You do not have the permission for this action') =>
  new AppError('forbidden', detail);
export const conflict = (detail: string, extra?: Record<string, unknown>) =>
  new AppError('conflict', detail, { extra });
export const businessRule = (detail: string, extra?: Record<string, unknown>) =>
  new AppError('business_rule', detail, { extra });
export const validation = (detail: string, errors: FieldError[] = []) =>
  new AppError('validation', detail, { errors });

export function problemBody(err: AppError, instance?: string) {
  return {
    type: `https://recoup.dev/problems/${err.kind.replace(/_/g, '-')}`,
    title: PROBLEMS[err.kind].title,
    status: err.status,
    detail: err.message,
    ...(instance ? { instance } : {}),
    ...(err.errors ? { errors: err.errors } : {}),
    ...(err.extra ?? {}),
  };
}
