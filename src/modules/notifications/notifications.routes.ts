import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CursorQuery, cursorKey, LimitQuery, ListOf, paged } from '../../platform/http/pagination';
import { component, errorResponses, Id, Instant } from '../../platform/http/schemas';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import type { EmailRow, NotificationsService } from './notifications.service';

const emailPages = paged(cursorKey.instant('createdAt'), cursorKey.id('id', 'em'));

const EmailSchema = Type.Object(
  {
    id: Type.String(),
    to: Type.String(),
    subject: Type.String(),
    kind: Type.String({
      examples: ['customer_payment_failed', 'failed_transactions_digest', 'card_expiry_reminder'],
    }),
    status: Type.Enum(['queued', 'sent', 'logged', 'failed']),
    locale: Type.String(),
    attempts: Type.Integer(),
    lastError: Type.Union([Type.String(), Type.Null()]),
    createdAt: Instant,
    sentAt: Type.Union([Instant, Type.Null()]),
  },
  component('Email'),
);

const present = (e: EmailRow) => ({
  id: e.id,
  to: e.to,
  subject: e.subject,
  kind: e.kind,
  status: e.status,
  locale: e.locale,
  attempts: e.attempts,
  lastError: e.lastError,
  createdAt: e.createdAt.toISOString(),
  sentAt: e.sentAt?.toISOString() ?? null,
});

export const notificationsRoutes: FastifyPluginAsyncTypebox<{
  notifications: NotificationsService;
  guard: AuthGuard;
}> = async (app, { notifications, guard }) => {
  app.get(
    '/emails',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'listEmails',
        tags: ['notifications'],
        summary: "The organization's e-mail delivery log, newest first",
        querystring: Type.Object(
          {
            limit: Type.Optional(LimitQuery),
            cursor: Type.Optional(CursorQuery),
            kind: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ListOf(EmailSchema), ...errorResponses() },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const limit = request.query.limit ?? 50;
      const cursor = emailPages.after(request.query.cursor);
      const rows = await notifications.list(principal.organizationId, {
        limit,
        kind: request.query.kind,
        after: cursor ? { at: cursor[0], id: cursor[1] } : undefined,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map(present),
        nextCursor: emailPages.next(rows.length > limit && last ? [last.createdAt, last.id] : null),
      };
    },
  );

  app.get(
    '/emails/:id',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'getEmail',
        tags: ['notifications'],
        summary: 'One e-mail with its HTML and text, for a preview',
        params: Type.Object({ id: Id('em_01jd3k4m5n6p7q8r9s0t1v2w3x') }),
        response: {
          200: Type.Intersect(
            [EmailSchema, Type.Object({ html: Type.String(), text: Type.String() })],
            component('EmailDetail'),
          ),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const email = await notifications.get(principal.organizationId, request.params.id);
      return { ...present(email), html: email.html, text: email.text };
    },
  );
};
