import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { toJsonAmount } from '../../lib/money';
import type { IdempotencyStore } from '../../platform/http/idempotency';
import { cursorKey, ListOf, PageQuery, paged } from '../../platform/http/pagination';
import { sendProblem } from '../../platform/http/problem';
import { Currency, component, errorResponses, Id, Instant, IsoDateSchema } from '../../platform/http/schemas';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import type { ExpiringCardRow } from './expiring-cards.repository';
import { type ExpiringCardsService, ReminderTooSoonError } from './expiring-cards.service';

const cardPages = paged(
  cursorKey.date('nextDate'),
  cursorKey.text('ownerName'),
  cursorKey.id('paymentMethodId', 'pm'),
);

export const ExpiringCardSchema = Type.Object(
  {
    accountId: Type.String({
      description: "The owner's account (the name opens it)",
      examples: ['acc_01jd3k4m5n6p7q8r9s0t1v2w3x'],
    }),
    customerName: Type.String({ description: 'Owner name', examples: ['Marie Tremblay'] }),
    paymentMethodId: Type.String({ examples: ['pm_01jd3k4m5n6p7q8r9s0t1v2w3x'] }),
    card: Type.Object({
      brand: Type.String({ examples: ['visa'] }),
      last4: Type.String({ examples: ['4242'] }),
      expMonth: Type.Integer({ minimum: 1, maximum: 12 }),
      expYear: Type.Integer(),
    }),
    upcomingPayments: Type.Object({
      count: Type.Integer({ minimum: 1, description: 'Scheduled payments this card pays' }),
      nextDate: IsoDateSchema,
      nextAmount: Type.Integer({ description: 'Minor units due on the next date' }),
    }),
    amountAtRisk: Type.Integer({
      description: "Total of this card's upcoming payments due after its expiry month (minor units)",
    }),
    currency: Currency,
    reminderSentAt: Type.Union([Instant, Type.Null()], { description: 'When the last reminder was sent' }),
  },
  component('ExpiringCard'),
);
export type ExpiringCard = Static<typeof ExpiringCardSchema>;

export const RemindResponseSchema = Type.Object({
  paymentMethodId: Type.String(),
  reminderSentAt: Instant,
});
export type RemindResponse = Static<typeof RemindResponseSchema>;

const present = (row: ExpiringCardRow, currency: string): ExpiringCard => ({
  accountId: row.accountId,
  customerName: row.ownerName,
  paymentMethodId: row.paymentMethodId,
  card: { brand: row.brand, last4: row.last4, expMonth: row.expMonth, expYear: row.expYear },
  upcomingPayments: { count: row.count, nextDate: row.nextDate, nextAmount: toJsonAmount(row.nextAmount) },
  amountAtRisk: toJsonAmount(row.amountAtRisk),
  currency,
  reminderSentAt: row.lastReminderAt?.toISOString() ?? null,
});

export const expiringCardsRoutes: FastifyPluginAsyncTypebox<{
  expiringCards: ExpiringCardsService;
  idempotency: IdempotencyStore;
  guard: AuthGuard;
}> = async (app, { expiringCards, idempotency, guard }) => {
  app.get(
    '/action-center/expiring-cards',
    {
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'listExpiringCards',
        tags: ['action-center'],
        summary: 'Wallet cards expiring next month that pay upcoming payments (EC1–EC3)',
        description:
          "One row per card saved in the owner's wallet, paying at least one scheduled subscription or installment payment, whose expiry is the calendar month after the current one in the organization's time zone. Ordered by next payment date, then owner name.",
        querystring: PageQuery,
        response: { 200: ListOf(ExpiringCardSchema), ...errorResponses() },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const limit = request.query.limit ?? 50;
      const cursor = cardPages.after(request.query.cursor);
      const page = await expiringCards.list(principal.organizationId, {
        limit,
        after: cursor ? { nextDate: cursor[0], ownerName: cursor[1], paymentMethodId: cursor[2] } : undefined,
      });
      return {
        items: page.rows.map((r) => present(r, page.currency)),
        nextCursor: cardPages.next(
          page.next && [page.next.nextDate, page.next.ownerName, page.next.paymentMethodId],
        ),
      };
    },
  );

  app.post(
    '/action-center/expiring-cards/:paymentMethodId/remind',
    {
      onRequest: guard.require('transactions.manage'),
      schema: {
        operationId: 'remindExpiringCard',
        tags: ['action-center'],
        summary: 'Send the owner the card-expiry reminder again (at most once per 24 hours per card)',
        description:
          'Honours Idempotency-Key: the same key replays the first 202 without sending again; a 429 (too soon, with Retry-After) is not kept, so the same key may be used once the wait is over.',
        params: Type.Object({ paymentMethodId: Id('pm_01jd3k4m5n6p7q8r9s0t1v2w3x') }),
        response: { 202: RemindResponseSchema, ...errorResponses(404, 409, 429) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      try {
        return await idempotency.withIdempotency(request, reply, principal.organizationId, async () => {
          const result = await expiringCards.remind(
            principal.organizationId,
            principal.userId,
            request.params.paymentMethodId,
          );
          return {
            status: 202,
            body: {
              paymentMethodId: result.paymentMethodId,
              reminderSentAt: result.reminderSentAt.toISOString(),
            },
          };
        });
      } catch (err) {
        // Too soon is not kept under the Idempotency-Key: the same key works once the wait is over.
        if (!(err instanceof ReminderTooSoonError)) throw err;
        reply.header('retry-after', String(err.retryAfterSeconds));
        return sendProblem(reply, err, request);
      }
    },
  );
};
