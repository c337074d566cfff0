import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../lib/errors';
import type { Locale } from '../../lib/locale';
import type { Database } from '../../platform/db/db';
import {
  component,
  Email,
  errorResponses,
  Id,
  Instant,
  LocaleSchema,
  Name,
} from '../../platform/http/schemas';
import type { OrganizationsService } from '../organizations/organizations.service';
import { type AuthGuard, CSRF_COOKIE, principalOf, SESSION_COOKIE } from './auth.guard';
import { type AuthService, SESSION_TTL_MS, SignInLockedError } from './auth.service';
import { PERMISSIONS, ROLES } from './permissions';
import { publicUser, type UsersService } from './users.service';

const RoleSchema = Type.Enum([...ROLES]);
const UserSchema = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    role: RoleSchema,
    locale: Type.Union([LocaleSchema, Type.Null()]),
    active: Type.Boolean({ description: 'false once deactivated: cannot sign in, no token works' }),
    deactivatedAt: Type.Union([Instant, Type.Null()]),
    createdAt: Instant,
  },
  component('User'),
);
const TokenSchema = Type.Object({
  id: Type.String({ examples: ['tok_01jd3k4m5n6p7q8r9s0t1v2w3x'] }),
  kind: Type.Enum(['session', 'bearer'], {
    description: 'session: a signed-in browser; bearer: an API token',
  }),
  createdAt: Instant,
  expiresAt: Instant,
  current: Type.Boolean({ description: 'the token or session this request was made with' }),
});
const UserParams = Type.Object({ id: Id('usr_01jd3k4m5n6p7q8r9s0t1v2w3x') });
const Credentials = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 1, maxLength: 200 }),
    organizationId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^org_[0-9a-z]+$',
        examples: ['org_01jd3k4m5n6p7q8r9s0t1v2w3x'],
        description:
          'Needed only when the same e-mail and password belong to people of several organizations (409 organization_required otherwise)',
      }),
    ),
  },
  { additionalProperties: false },
);

export interface UsersRoutesDeps {
  auth: AuthService;
  guard: AuthGuard;
  users: UsersService;
  organizations: OrganizationsService;
  database: Database;
  secureCookies: boolean;
  authRateLimit: { max: number; timeWindow: number };
}

export const usersRoutes: FastifyPluginAsyncTypebox<UsersRoutesDeps> = async (app, deps) => {
  const { auth, guard, users } = deps;
  const rateLimit = { max: deps.authRateLimit.max, timeWindow: deps.authRateLimit.timeWindow };
  const signIn = async (
    body: { email: string; password: string; organizationId?: string },
    reply: FastifyReply,
  ) => {
    try {
      return await auth.checkCredentials(body.email, body.password, body.organizationId);
    } catch (err) {
      if (err instanceof SignInLockedError) reply.header('retry-after', String(err.retryAfterSeconds));
      throw err;
    }
  };

  app.post(
    '/auth/login',
    {
      config: { rateLimit },
      schema: {
        operationId: 'login',
        tags: ['auth'],
        summary: 'Sign in with a session cookie (web UI)',
        body: Credentials,
        response: { 204: Type.Null(), ...errorResponses(409, 429) },
      },
    },
    async (request, reply) => {
      const user = await signIn(request.body, reply);
      const issued = await auth.issue(user, 'session');
      const cookie = {
        path: '/',
        sameSite: 'lax' as const,
        secure: deps.secureCookies,
        maxAge: SESSION_TTL_MS / 1000,
      };
      reply.setCookie(SESSION_COOKIE, issued.token, { ...cookie, httpOnly: true });
      // Readable by the page's script, which echoes it in X-CSRF-Token (double submit).
      reply.setCookie(CSRF_COOKIE, issued.csrfToken!, { ...cookie, httpOnly: false });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/logout',
    {
      onRequest: guard.require(),
      schema: {
        operationId: 'logout',
        tags: ['auth'],
        summary: 'End this session or revoke this token',
        response: { 204: Type.Null(), ...errorResponses() },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await auth.revoke(principal.organizationId, principal.tokenId);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      reply.clearCookie(CSRF_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/token',
    {
      config: { rateLimit },
      schema: {
        operationId: 'createToken',
        tags: ['auth'],
        summary: 'Get a bearer token for API clients',
        body: Credentials,
        response: {
          201: Type.Object({ token: Type.String(), expiresAt: Instant }),
          ...errorResponses(409, 429),
        },
      },
    },
    async (request, reply) => {
      const user = await signIn(request.body, reply);
      const issued = await auth.issue(user, 'bearer');
      return reply.status(201).send({ token: issued.token, expiresAt: issued.expiresAt.toISOString() });
    },
  );

  app.get(
    '/me',
    {
      onRequest: guard.require(),
      schema: {
        operationId: 'getMe',
        tags: ['people'],
        summary: 'Who is signed in, with their permissions',
        response: {
          200: Type.Object(
            {
              id: Type.String(),
              email: Type.String(),
              name: Type.String(),
              role: RoleSchema,
              permissions: Type.Array(Type.Enum([...PERMISSIONS])),
              organizationId: Type.String(),
              locale: LocaleSchema,
              profileLocale: Type.Union([LocaleSchema, Type.Null()], {
                description:
                  "the person's own language, whatever the request's Accept-Language (null: the organization's applies)",
              }),
            },
            component('Me'),
          ),
          ...errorResponses(),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const user = await users.get(principal.organizationId, principal.userId);
      return {
        id: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
        permissions: [...principal.permissions],
        organizationId: user.organizationId,
        locale: principal.locale,
        profileLocale: (user.locale as Locale | null) ?? null,
      };
    },
  );

  const Preferences = Type.Object(
    { failedTransactionsDigest: Type.Boolean() },
    component('EmailPreferences'),
  );
  app.get(
    '/me/email-preferences',
    {
      onRequest: guard.require(),
      schema: {
        operationId: 'getEmailPreferences',
        tags: ['people'],
        summary: 'My e-mail preferences',
        response: { 200: Preferences, ...errorResponses() },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const user = await users.get(principal.organizationId, principal.userId);
      return { failedTransactionsDigest: user.failedTransactionsDigest };
    },
  );

  app.patch(
    '/me/email-preferences',
    {
      onRequest: guard.require(),
      schema: {
        operationId: 'updateEmailPreferences',
        tags: ['people'],
        summary: 'Opt in or out of the daily failed-transactions digest (FT10)',
        body: Type.Object({ failedTransactionsDigest: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: Preferences, ...errorResponses() },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const value = await users.setDigestPreference(
        principal.organizationId,
        principal.userId,
        request.body.failedTransactionsDigest,
      );
      return { failedTransactionsDigest: value };
    },
  );

  app.post(
    '/users',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'createUser',
        tags: ['people'],
        summary: 'Add a person to the organization',
        body: Type.Object(
          {
            email: Email,
            name: Name,
            password: Type.String({ minLength: 8, maxLength: 200 }),
            role: RoleSchema,
            locale: Type.Optional(LocaleSchema),
          },
          { additionalProperties: false },
        ),
        response: { 201: UserSchema, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = await deps.database.db.transaction((tx) =>
        users.create(tx, principal.organizationId, principal.userId, request.body),
      );
      return reply.status(201).send(publicUser(user));
    },
  );

  app.get(
    '/users',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'listUsers',
        tags: ['people'],
        summary: "The organization's people",
        response: {
          200: Type.Object({ items: Type.Array(UserSchema), nextCursor: Type.Null() }),
          ...errorResponses(),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const list = await users.list(principal.organizationId);
      return { items: list.map(publicUser), nextCursor: null };
    },
  );

  app.patch(
    '/users/:id',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'updateUser',
        tags: ['people'],
        summary: "Change a person's role, name or language",
        params: Type.Object({ id: Id('usr_01jd3k4m5n6p7q8r9s0t1v2w3x') }),
        body: Type.Object(
          { role: Type.Optional(RoleSchema), name: Type.Optional(Name), locale: Type.Optional(LocaleSchema) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: UserSchema, ...errorResponses(404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const user = await users.update(
        principal.organizationId,
        principal.userId,
        request.params.id,
        request.body,
      );
      return publicUser(user);
    },
  );

  for (const active of [false, true]) {
    app.post(
      `/users/:id/${active ? 'reactivate' : 'deactivate'}`,
      {
        onRequest: guard.require('settings.manage'),
        schema: {
          operationId: active ? 'reactivateUser' : 'deactivateUser',
          tags: ['people'],
          summary: active
            ? 'Let a deactivated person sign in again (their old sessions and tokens stay revoked)'
            : 'Stop a person: they cannot sign in, and their sessions and tokens stop at once',
          params: UserParams,
          response: { 200: UserSchema, ...errorResponses(404, 422) },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const user = await users.setActive(
          principal.organizationId,
          principal.userId,
          request.params.id,
          active,
        );
        return publicUser(user);
      },
    );
  }

  const presentToken =
    (currentId: string) =>
    (t: { id: string; kind: 'session' | 'bearer'; createdAt: Date; expiresAt: Date }) => ({
      id: t.id,
      kind: t.kind,
      createdAt: t.createdAt.toISOString(),
      expiresAt: t.expiresAt.toISOString(),
      current: t.id === currentId,
    });

  app.get(
    '/me/tokens',
    {
      onRequest: guard.require(),
      schema: {
        operationId: 'listMyTokens',
        tags: ['people'],
        summary: 'My live sessions and API tokens (never their secrets)',
        response: {
          200: Type.Object({ items: Type.Array(TokenSchema), nextCursor: Type.Null() }),
          ...errorResponses(),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const rows = await auth.listTokens(principal.organizationId, principal.userId);
      return { items: rows.map(presentToken(principal.tokenId)), nextCursor: null };
    },
  );

  app.get(
    '/users/:id/tokens',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'listUserTokens',
        tags: ['people'],
        summary:
          "A person's live sessions and API tokens, for an administrator (revoke with DELETE /me/tokens/:id)",
        params: UserParams,
        response: {
          200: Type.Object({ items: Type.Array(TokenSchema), nextCursor: Type.Null() }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      await users.get(principal.organizationId, request.params.id);
      const rows = await auth.listTokens(principal.organizationId, request.params.id);
      return { items: rows.map(presentToken(principal.tokenId)), nextCursor: null };
    },
  );

  app.delete(
    '/me/tokens/:id',
    {
      onRequest: guard.require(),
      schema: {
        operationId: 'revokeToken',
        tags: ['people'],
        summary: "Revoke one of my sessions or tokens (an administrator: anyone's in the organization)",
        params: Type.Object({ id: Id('tok_01jd3k4m5n6p7q8r9s0t1v2w3x') }),
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const token = await auth.findToken(principal.organizationId, request.params.id);
      // Someone else's token is a 404 to a non-administrator, as another organization's would be.
      const mayRevoke =
        token && (token.userId === principal.userId || principal.permissions.includes('settings.manage'));
      if (!mayRevoke) throw new AppError('not_found', 'token not found (or already revoked or expired)');
      await auth.revoke(principal.organizationId, token.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/me/password',
    {
      onRequest: guard.require(),
      config: { rateLimit },
      schema: {
        operationId: 'changeMyPassword',
        tags: ['people'],
        summary: 'Change my password (proven by the current one); my other sessions and tokens end',
        body: Type.Object(
          {
            current: Type.String({ minLength: 1, maxLength: 200 }),
            new: Type.String({ minLength: 8, maxLength: 200, description: 'at least 8 characters' }),
          },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errorResponses(429) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await users.changePassword(principal.organizationId, principal.userId, principal.tokenId, request.body);
      return reply.status(204).send(null);
    },
  );
};
