import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CursorQuery, cursorKey, LimitQuery, ListOf, paged } from '../../platform/http/pagination';
import { component, errorResponses, Instant } from '../../platform/http/schemas';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import type { AuditService } from './audit.service';

const auditPages = paged(cursorKey.instant('at'), cursorKey.id('id', 'aud'));

const AuditSchema = Type.Object(
  {
    id: Type.String(),
    actorId: Type.Union([Type.String(), Type.Null()]),
    action: Type.String(),
    subjectType: Type.String(),
    subjectId: Type.String(),
    at: Instant,
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  component('AuditEntry'),
);

export const auditRoutes: FastifyPluginAsyncTypebox<{ audit: AuditService; guard: AuthGuard }> = async (
  app,
  { audit, guard },
) => {
  app.get(
    '/audit-log',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'listAuditLog',
        tags: ['audit'],
        summary: 'Every retry, ignore, reconcile, allocation and change of payment method, newest first',
        querystring: Type.Object(
          {
            limit: Type.Optional(LimitQuery),
            cursor: Type.Optional(CursorQuery),
            subjectId: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ListOf(AuditSchema), ...errorResponses() },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const limit = request.query.limit ?? 50;
      const cursor = auditPages.after(request.query.cursor);
      const rows = await audit.list(principal.organizationId, {
        limit,
        subjectId: request.query.subjectId,
        after: cursor ? { at: cursor[0], id: cursor[1] } : undefined,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map((r) => ({ ...r, at: r.at.toISOString() })),
        nextCursor: auditPages.next(rows.length > limit && last ? [last.at, last.id] : null),
      };
    },
  );
};
