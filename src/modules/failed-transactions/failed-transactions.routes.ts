import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Clock } from '../../lib/clock';
import { todayIn } from '../../lib/dates';
import type { IdempotencyStore } from '../../platform/http/idempotency';
import { CursorQuery, cursorKey, LimitQuery, ListOf, paged } from '../../platform/http/pagination';
import { Currency, component, errorResponses, Id, Instant } from '../../platform/http/schemas';
import { FAILURE_CODES, RECOMMENDED_ACTIONS } from '../gateway/failure-codes';
import type { OrganizationsService } from '../organizations/organizations.service';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import { xlsxStream } from './failed-transactions.export';
import type { ListFilters } from './failed-transactions.repository';
import type { FailedTransactionsService } from './failed-transactions.service';
import { FAILED_TRANSACTION_TYPES } from './failed-transactions.table';

const failedPages = paged(cursorKey.instant('failedAt'), cursorKey.id('id', 'ft'));

const Reason = Type.Object({
  code: Type.String({ examples: ['insufficient_funds'] }),
  message: Type.String({ examples: ['The card has insufficient funds or credit.'] }),
});

export const FailedTransactionSchema = Type.Object(
  {
    id: Id('ft_01jd3k4m5n6p7q8r9s0t1v2w3x'),
    paymentId: Type.String({ description: 'Public payment ID of the first failed attempt' }),
    accountId: Type.String(),
    customerName: Type.String({ description: "The account owner's name" }),
    type: Type.Enum([...FAILED_TRANSACTION_TYPES]),
    paymentMethod: Type.Object({
      type: Type.Enum(['card', 'echeck']),
      brand: Type.Optional(Type.String({ examples: ['visa'] })),
      last4: Type.String({ examples: ['4242'] }),
    }),
    currentPaymentMethod: Type.Optional(
      Type.Object(
        {
          type: Type.Enum(['card', 'echeck']),
          brand: Type.Optional(Type.String({ examples: ['mastercard'] })),
          last4: Type.String({ examples: ['4444'] }),
        },
        {
          description:
            'FT5: present when the subscription or plan now has another method than the one that failed — the one a retry charges',
        },
      ),
    ),
    reason: Reason,
    amount: Type.Integer({ description: 'Minor units (cents)', examples: [12500] }),
    currency: Currency,
    failedAt: Instant,
    status: Type.Enum(['open', 'retrying']),
    attempts: Type.Integer({ minimum: 1 }),
    paidElsewhere: Type.Boolean({
      description: 'FT7: the invoice the money was for has nothing left open (collected another way)',
    }),
    actions: Type.Object({
      retry: Type.Boolean(),
      ignore: Type.Boolean(),
      changePaymentMethod: Type.Boolean({ description: 'FT8: subscription and installment entries only' }),
    }),
    retryBlockedReason: Type.Optional(Type.String({ description: 'FT12: why retrying is refused' })),
    recommendedAction: Type.Object({
      code: Type.Enum([...RECOMMENDED_ACTIONS]),
      message: Type.String(),
    }),
    nextRetryAt: Type.Union([Instant, Type.Null()], {
      description: 'RC4: when the retry policy will next retry it by itself (null: it will not)',
    }),
    automaticRetriesLeft: Type.Integer({ minimum: 0, description: 'RC4: automatic retries still to come' }),
    afterLastRetry: Type.Enum(['leave_open', 'pause', 'cancel'], {
      description: "The retry policy's step after the last automatic retry fails",
    }),
    dunningPause: Type.Union(
      [Type.Object({ until: Type.String({ format: 'date' }), reason: Type.String() }), Type.Null()],
      { description: 'RC5: the account is kept out of dunning through this date' },
    ),
    retryCost: Type.Integer({
      description: 'Return fees the re-presentments of this eCheck have cost so far (minor units)',
    }),
  },
  component('FailedTransaction'),
);

const Filters = {
  paymentMethod: Type.Optional(Type.Enum(['card', 'echeck'])),
  type: Type.Optional(Type.Enum([...FAILED_TRANSACTION_TYPES])),
  reason: Type.Optional(Type.Enum([...FAILURE_CODES], { description: 'A failure code of the catalogue' })),
  retry: Type.Optional(
    Type.Enum(['automatic', 'manual'], {
      description: 'RC4: automatic — the policy will retry it by itself; manual — it needs someone',
    }),
  ),
  paidElsewhere: Type.Optional(
    Type.Boolean({ description: 'FT7: true — only the entries collected another way (paidElsewhere)' }),
  ),
};

const IdParams = Type.Object({ id: Id('ft_01jd3k4m5n6p7q8r9s0t1v2w3x') });
const Accepted = Type.Object({ id: Type.String(), status: Type.Literal('retrying') });

export interface FailedTransactionsRoutesDeps {
  failedTransactions: FailedTransactionsService;
  organizations: OrganizationsService;
  idempotency: IdempotencyStore;
  guard: AuthGuard;
  clock: Clock;
}

function filtersOf(q: {
  paymentMethod?: string;
  type?: string;
  reason?: string;
  retry?: string;
  paidElsewhere?: boolean;
}): ListFilters {
  return {
    paymentMethod: q.paymentMethod as ListFilters['paymentMethod'],
    type: q.type as ListFilters['type'],
    reason: q.reason,
    retry: q.retry as ListFilters['retry'],
    paidElsewhere: q.paidElsewhere === true,
  };
}

/** "Centre récréatif Île-Perrot" → "centre-recreatif-ile-perrot" */
export function slug(name: string): string {
  return (
    name
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'organization'
  );
}

export const failedTransactionsRoutes: FastifyPluginAsyncTypebox<FailedTransactionsRoutesDeps> = async (
  app,
  { failedTransactions, organizations, idempotency, guard, clock },
) => {
  app.get(
    '/action-center/failed-transactions',
    {
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'listFailedTransactions',
        tags: ['action-center'],
        summary: 'Failed transactions still to deal with, newest failure first (FT1, FT2, FT9)',
        querystring: Type.Object(
          { ...Filters, limit: Type.Optional(LimitQuery), cursor: Type.Optional(CursorQuery) },
          { additionalProperties: false },
        ),
        response: { 200: ListOf(FailedTransactionSchema), ...errorResponses() },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const limit = request.query.limit ?? 50;
      const cursor = failedPages.after(request.query.cursor);
      const after = cursor ? { at: cursor[0], id: cursor[1] } : undefined;
      const page = await failedTransactions.list(principal.organizationId, filtersOf(request.query), {
        limit,
        after,
        locale: principal.locale,
      });
      return {
        items: page.items,
        nextCursor: failedPages.next(page.next && [page.next.at, page.next.id]),
      };
    },
  );

  app.get(
    '/action-center/failed-transactions/reasons',
    {
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'listFailedTransactionReasons',
        tags: ['action-center'],
        summary:
          'FT9: the failure reasons the list can be narrowed to under the other filters, with the entries each leaves (none with 0)',
        querystring: Type.Object(
          { paymentMethod: Filters.paymentMethod, type: Filters.type, retry: Filters.retry },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            reasons: Type.Array(
              Type.Object({
                code: Type.String({ examples: ['insufficient_funds'] }),
                message: Type.String({ description: "The reason in the caller's language" }),
                count: Type.Integer({ minimum: 1, description: 'Entries on the list with this reason' }),
              }),
            ),
          }),
          ...errorResponses(),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { reason: _reason, ...filters } = filtersOf(request.query);
      return {
        reasons: await failedTransactions.reasonCounts(principal.organizationId, filters, principal.locale),
      };
    },
  );

  app.get(
    '/action-center/failed-transactions/export',
    {
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'exportFailedTransactions',
        tags: ['action-center'],
        summary: 'The filtered list as CSV (UTF-8 with BOM) or an Excel workbook (FT9), streamed',
        description:
          'Exactly the rows of the list with the same filters, in the caller language (type, method and status ' +
          "as labels), dates as local date-times in the organization's time zone (named in the date column's " +
          'header). Amounts are exact text in the CSV and numbers in the workbook (frozen header, autofilter).',
        querystring: Type.Object(
          { format: Type.Enum(['csv', 'xlsx']), ...Filters },
          { additionalProperties: false },
        ),
        produces: ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
        response: {
          200: Type.String({ description: 'The file', format: 'binary' }),
          ...errorResponses(),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const org = await organizations.get(principal.organizationId);
      const { format } = request.query;
      const file = `recoup-failed-transactions-${slug(org.name)}-${todayIn(org.timezone, clock.now())}.${format}`;
      const ctx = { locale: principal.locale, timeZone: org.timezone };
      const filters = filtersOf(request.query);
      reply.header('content-disposition', `attachment; filename="${file}"`);
      reply.header('cache-control', 'no-store');
      if (format === 'csv') {
        reply.type('text/csv; charset=utf-8');
        return reply.send(failedTransactions.exportCsv(principal.organizationId, filters, ctx) as never);
      }
      reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      const sheet = principal.locale === 'fr-CA' ? 'Transactions échouées' : 'Failed transactions';
      const rows = failedTransactions.exportRows(principal.organizationId, filters, org.timezone);
      return reply.send(xlsxStream(rows, ctx, sheet) as never);
    },
  );

  app.post(
    '/action-center/failed-transactions/:id/retry',
    {
      onRequest: guard.require('transactions.manage'),
      schema: {
        operationId: 'retryFailedTransaction',
        tags: ['action-center'],
        summary: 'Retry in the background: the entry turns retrying at once (FT3, FT4, FT5, FT12)',
        description:
          'Honours Idempotency-Key. 409 when the entry is not open (already retrying, recovered or ignored) ' +
          'or when retrying is refused (FT12: the problem carries `code` and `retryBlockedReason`).',
        params: IdParams,
        response: { 202: Accepted, ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      return idempotency.withIdempotency(request, reply, principal.organizationId, async () => ({
        status: 202,
        body: await failedTransactions.requestRetry(principal, request.params.id),
      }));
    },
  );

  app.post(
    '/action-center/failed-transactions/:id/ignore',
    {
      onRequest: guard.require('transactions.manage'),
      // The note is optional and so is the body: no body at all is an empty one.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      schema: {
        operationId: 'ignoreFailedTransaction',
        tags: ['action-center'],
        summary: 'Take the entry off the list; no money moves; who, when and the note are kept (FT6)',
        params: IdParams,
        body: Type.Object(
          { note: Type.Optional(Type.String({ maxLength: 1000 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ id: Type.String(), status: Type.Literal('ignored') }),
          ...errorResponses(404, 409),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const note = request.body.note?.trim() || null;
      return idempotency.withIdempotency(request, reply, principal.organizationId, async () => ({
        status: 200,
        body: await failedTransactions.ignore(principal, request.params.id, note),
      }));
    },
  );
};
