import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
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
import { type AuthService, SESSION_TTL_MS } from './auth.service';
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
    createdAt: Instant,
  },
  component('User'),
);
const Credentials = Type.Object(
  { email: Email, password: Type.String({ minLength: 1, maxLength: 200 }) },
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

  app.post(
    '/auth/login',
    {
      config: { rateLimit },
      schema: {
        operationId: 'login',
        tags: ['auth'],
        summary: 'Sign in with a session cookie (web UI)',
        body: Credentials,
        response: { 204: Type.Null(), ...errorResponses(429) },
      },
    },
    async (request, reply) => {
      const user = await auth.checkCredentials(request.body.email, request.body.password);
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
        response: { 201: Type.Object({ token: Type.String(), expiresAt: Instant }), ...errorResponses(429) },
      },
    },
    async (request, reply) => {
      const user = await auth.checkCredentials(request.body.email, request.body.password);
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
};
