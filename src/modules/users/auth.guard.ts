import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AppError, forbidden } from '../../lib/errors';
import { runInOrganization } from '../../lib/organization-context';
import type { AuthService } from './auth.service';
import type { Permission, Principal } from './permissions';

export const SESSION_COOKIE = 'recoup_session';
export const CSRF_COOKIE = 'recoup_csrf';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AuthGuard {
  /**
   * Signed in (bearer token or session cookie with its CSRF token on writes), and holding `permission`.
   * Used as the route's onRequest hook: who may call is settled before the body is even read, so an
   * unauthorised caller gets 401/403 whatever it sent, and learns nothing from validation errors.
   */
  require(permission?: Permission): onRequestAsyncHookHandler;
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('unauthenticated', 'Sign in first');
  return request.principal;
}

/**
 * Compares two secrets in constant time: both are hashed first, so neither their content nor their
 * length shows in the time taken (a `!==` stops at the first differing character).
 */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * preHandler hook (after the guard and the body): the rest of the request runs in the caller's
 * organization context, so the sandbox clock answers that organization's "now". A callback hook, so the
 * handler is called inside `run` (an onRequest context would be lost across body parsing).
 */
export function organizationContextHook(request: FastifyRequest, _reply: FastifyReply, done: () => void) {
  const organizationId = request.principal?.organizationId;
  if (organizationId) runInOrganization(organizationId, done);
  else done();
}

export function createAuthGuard(auth: AuthService): AuthGuard {
  async function authenticate(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    const acceptLanguage = request.headers['accept-language'];
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw new AppError('unauthenticated', 'Authorization must be "Bearer <token>"');
      const principal = await auth.resolve(match[1]!, acceptLanguage);
      if (principal?.kind !== 'bearer') {
        throw new AppError('unauthenticated', 'The token is unknown, expired or revoked');
      }
      return principal;
    }
    const cookie = request.cookies?.[SESSION_COOKIE];
    if (!cookie) throw new AppError('unauthenticated', 'Sign in first');
    const principal = await auth.resolve(cookie, acceptLanguage);
    if (principal?.kind !== 'session')
      throw new AppError('unauthenticated', 'The session has ended; sign in again');
    if (!SAFE_METHODS.has(request.method)) {
      // Cookies ride along with cross-site requests; the CSRF token proves the page itself sent this one.
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !principal.csrfToken || !sameSecret(sent, principal.csrfToken))
        throw new AppError('csrf', 'Send the X-CSRF-Token header with this session');
    }
    return principal;
  }

  return {
    require(permission?: Permission) {
      return async (request: FastifyRequest, _reply: FastifyReply) => {
        const principal = await authenticate(request);
        request.principal = principal;
        if (permission && !principal.permissions.includes(permission)) {
          throw forbidden(`This needs the permission ${permission}`);
        }
      };
    },
  };
}
