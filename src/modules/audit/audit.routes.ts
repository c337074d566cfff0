import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { validation } from '../../lib/errors';
import { CursorQuery, cursorKey, LimitQuery, ListOf, paged } from '../../platform/http/pagination';
import { component, errorResponses, Instant, IsoDateSchema } from '../../platform/http/schemas';
import type { OrganizationsService } from '../organizations/organizations.service';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import type { UsersService } from '../users/users.service';
import { AUDIT_ACTIONS, type AuditAction } from './audit.actions';
import type { AuditService } from './audit.service';

const auditPages = paged(cursorKey.instant('at'), cursorKey.id('id', 'aud'));

const actionSchema = (options: Record<string, unknown> = {}) =>
  Type.Enum([...AUDIT_ACTIONS], {
    description: 'What happened (the UI labels each in both languages)',
    ...options,
  });

const AuditSchema = Type.Object(
  {
    id: Type.String(),
    actorId: Type.Union([Type.String(), Type.Null()]),
    actorName: Type.Union([Type.String(), Type.Null()], {
      description: 'The name of the person who acted (null for the system, e.g. a scheduled job)',
    }),
    action: actionSchema(component('AuditAction')),
    subjectType: Type.String(),
    subjectId: Type.String(),
    at: Instant,
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  component('AuditEntry'),
);

export const auditRoutes: FastifyPluginAsyncTypebox<{
  audit: AuditService;
  users: UsersService;
  organizations: OrganizationsService;
  guard: AuthGuard;
}> = async (app, { audit, users, organizations, guard }) => {
  app.get(
    '/audit-log',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'listAuditLog',
        tags: ['audit'],
        summary: 'Every retry, ignore, reconcile, allocation and change of payment method, newest first',
        description:
          'Filters combine: `action`, `actorId` (a user of the organization), `subjectId`, and `from`/`to`, ' +
          "local days of the organization's time zone (inclusive).",
        querystring: Type.Object(
          {
            limit: Type.Optional(LimitQuery),
            cursor: Type.Optional(CursorQuery),
            subjectId: Type.Optional(Type.String({ maxLength: 64 })),
            action: Type.Optional(actionSchema()),
            actorId: Type.Optional(Type.String({ maxLength: 64, description: 'Only what this user did' })),
            from: Type.Optional(IsoDateSchema),
            to: Type.Optional(IsoDateSchema),
          },
          { additionalProperties: false },
        ),
        response: { 200: ListOf(AuditSchema), ...errorResponses() },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { from, to, action, actorId, subjectId } = request.query;
      if (from && to && from > to) {
        throw validation('from is after to', [{ field: 'querystring.from', message: `on or before ${to}` }]);
      }
      const limit = request.query.limit ?? 50;
      const cursor = auditPages.after(request.query.cursor);
      const [org, people] = await Promise.all([
        organizations.settings(principal.organizationId),
        users.list(principal.organizationId),
      ]);
      const rows = await audit.list(principal.organizationId, {
        limit,
        subjectId,
        action,
        actorId,
        from,
        to,
        timeZone: org.timezone,
        after: cursor ? { at: cursor[0], id: cursor[1] } : undefined,
      });
      // People are named by the organization's own users only: an ID of another organization names no one.
      const names = new Map(people.map((u) => [u.id, u.name]));
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map((r) => ({
          ...r,
          action: r.action as AuditAction,
          actorName: r.actorId ? (names.get(r.actorId) ?? null) : null,
          at: r.at.toISOString(),
        })),
        nextCursor: auditPages.next(rows.length > limit && last ? [last.at, last.id] : null),
      };
    },
  );
};
