import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { IdempotencyStore } from '../../platform/http/idempotency';
import {
  Currency,
  component,
  errorResponses,
  Id,
  Instant,
  IsoDateSchema,
  LocaleSchema,
} from '../../platform/http/schemas';
import { csvField } from '../failed-transactions/failed-transactions.export';
import { DUNNING_EMAILS, type DunningEmailKind } from '../failed-transactions/failed-transactions.notices';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import type { RecoveryService } from './recovery.service';
import { RECOVERY_PATHS } from './recovery-analytics';
import { AFTER_LAST_RETRY, MAX_CARD_RETRIES, MAX_OFFSET_DAYS, type RetryPolicy } from './retry-policy';

export const RetryPolicySchema = Type.Object(
  {
    card: Type.Object(
      {
        offsetsDays: Type.Array(Type.Integer({ minimum: 1, maximum: MAX_OFFSET_DAYS }), {
          maxItems: MAX_CARD_RETRIES,
          description:
            'Days after the failure of each automatic retry of a soft decline, strictly increasing',
          examples: [[1, 3, 5, 7]],
        }),
        localHour: Type.Integer({
          minimum: 0,
          maximum: 23,
          description: "The hour of the day the retries run, in the organization's time zone",
        }),
        preferPaydays: Type.Boolean({
          description: 'insufficient_funds: retry on the next 1st or 15th before the following offset',
        }),
      },
      { additionalProperties: false },
    ),
    echeck: Type.Object(
      {
        maxRepresentments: Type.Integer({
          minimum: 0,
          maximum: 2,
          description: 'R01/R09 re-presentments made automatically (NACHA: at most 2; Canadian PADs: 1)',
        }),
        minBusinessDaysApart: Type.Integer({ minimum: 1, maximum: 30 }),
        returnFeeAmount: Type.Integer({
          minimum: 0,
          description: 'What the bank charges per returned debit (minor units)',
        }),
      },
      { additionalProperties: false },
    ),
    afterLastRetry: Type.Enum([...AFTER_LAST_RETRY]),
    emails: Type.Object(
      { failureNotice: Type.Boolean(), reminderBeforeRetry: Type.Boolean(), finalNotice: Type.Boolean() },
      { additionalProperties: false },
    ),
  },
  { ...component('RetryPolicy'), additionalProperties: false },
);

const DunningPauseSchema = Type.Object(
  {
    accountId: Type.String(),
    until: IsoDateSchema,
    reason: Type.String(),
    endsAt: Instant,
  },
  component('DunningPause'),
);

const AccountParams = Type.Object({ id: Id('acc_01jd3k4m5n6p7q8r9s0t1v2w3x') });
const EntryParams = Type.Object({ id: Id('ft_01jd3k4m5n6p7q8r9s0t1v2w3x') });

const EmailPreviewSchema = Type.Object(
  {
    subject: Type.String(),
    html: Type.String({ description: 'The e-mail as sent, with sample owner and amount' }),
    text: Type.String(),
  },
  component('DunningEmailPreview'),
);

const Rated = {
  failedCount: Type.Integer(),
  failedAmount: Type.Integer({ description: 'Minor units' }),
  recoveredCount: Type.Integer(),
  recoveredAmount: Type.Integer({ description: 'Minor units collected on those failures' }),
  rate: Type.Number({ description: 'recoveredAmount ÷ failedAmount (0–1)' }),
};

export const RecoveryAnalyticsSchema = Type.Object(
  {
    currency: Currency,
    from: IsoDateSchema,
    to: IsoDateSchema,
    ...Rated,
    openCount: Type.Integer({ description: 'Failures still open with nothing collected' }),
    medianDaysToRecover: Type.Union([Type.Number(), Type.Null()]),
    byWeek: Type.Array(
      Type.Object(
        { week: IsoDateSchema, ...Rated },
        { description: 'Cohort: the Monday of the failure week' },
      ),
    ),
    byPath: Type.Array(
      Type.Object({
        path: Type.Enum([...RECOVERY_PATHS]),
        collected: Type.Boolean({ description: 'false: rescheduled or ignored, not money collected' }),
        count: Type.Integer(),
        amount: Type.Integer(),
      }),
    ),
    byMethod: Type.Array(Type.Object({ method: Type.String(), ...Rated })),
    byReason: Type.Array(Type.Object({ code: Type.String(), ...Rated })),
  },
  component('RecoveryAnalytics'),
);

type Analytics = Awaited<ReturnType<RecoveryService['analytics']>>;

/** The analytics as one CSV table: a section column, then the same figures for each row. */
function analyticsCsv(a: Analytics): string {
  const head = ['section', 'key', 'failedCount', 'failedAmount', 'recoveredCount', 'recoveredAmount', 'rate'];
  const money = (minor: number) => (minor / 100).toFixed(2);
  const row = (section: string, key: string, r: Omit<Analytics['byWeek'][number], 'week'>) =>
    [section, key, r.failedCount, money(r.failedAmount), r.recoveredCount, money(r.recoveredAmount), r.rate]
      .map((v) => csvField(v))
      .join(',');
  const lines = [
    head.join(','),
    row('total', `${a.from}..${a.to}`, a),
    ...a.byWeek.map((w) => row('week', w.week, w)),
    ...a.byMethod.map((m) => row('method', m.method, m)),
    ...a.byReason.map((r) => row('reason', r.code, r)),
    ...a.byPath.map((p) =>
      [csvField('path'), csvField(p.path), p.count, money(p.amount), '', '', ''].join(','),
    ),
    [csvField('median_days_to_recover'), '', '', '', '', '', a.medianDaysToRecover ?? ''].join(','),
  ];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** What the Settings page previews (failed-transactions notices). */
export interface DunningPreviews {
  preview(
    organizationId: string,
    kind: DunningEmailKind,
    locale: 'fr-CA' | 'en-CA',
  ): Promise<{ subject: string; html: string; text: string }>;
}

export const recoveryRoutes: FastifyPluginAsyncTypebox<{
  recovery: RecoveryService;
  previews: DunningPreviews;
  idempotency: IdempotencyStore;
  guard: AuthGuard;
}> = async (app, { recovery, previews, idempotency, guard }) => {
  app.get(
    '/organization/retry-policy',
    {
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'getRetryPolicy',
        tags: ['recovery'],
        summary: "The organization's automatic retry policy (RC1, RC3)",
        response: { 200: RetryPolicySchema, ...errorResponses() },
      },
    },
    async (request) => recovery.getPolicy(principalOf(request).organizationId),
  );

  app.put(
    '/organization/retry-policy',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'updateRetryPolicy',
        tags: ['recovery'],
        summary: 'Set the automatic retry policy; every open entry is planned again with it',
        description:
          'Values out of range (offsets not increasing, more than 8 retries, hour outside 0–23, ' +
          'negative fee) answer 400 naming the field.',
        body: RetryPolicySchema,
        response: { 200: RetryPolicySchema, ...errorResponses() },
      },
    },
    async (request) => recovery.putPolicy(principalOf(request), request.body as RetryPolicy),
  );

  app.get(
    '/organization/retry-policy/preview/:kind',
    {
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'previewDunningEmail',
        tags: ['recovery'],
        summary: 'What a dunning e-mail looks like (failure notice, reminder before a retry, final notice)',
        description:
          "Rendered with the organization's name, logo and contact address, a sample owner and amount, and " +
          "a link that opens nothing. `locale` defaults to the organization's language.",
        params: Type.Object({ kind: Type.Enum([...DUNNING_EMAILS]) }),
        querystring: Type.Object({ locale: Type.Optional(LocaleSchema) }),
        response: { 200: EmailPreviewSchema, ...errorResponses() },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return previews.preview(
        principal.organizationId,
        request.params.kind as DunningEmailKind,
        request.query.locale ?? principal.locale,
      );
    },
  );

  app.get(
    '/action-center/recovery',
    {
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'getRecoveryAnalytics',
        tags: ['action-center'],
        summary:
          'Recovery analytics: failed and recovered amounts, by failure week, path, method and reason (RC7)',
        description:
          'Failures (not refunds) of the local days from–to (default: the last 12 weeks), each counted once in ' +
          'the week it failed under the path that recovered it. `format=csv` answers the same as a CSV file.',
        querystring: Type.Object(
          {
            from: Type.Optional(IsoDateSchema),
            to: Type.Optional(IsoDateSchema),
            format: Type.Optional(Type.Enum(['json', 'csv'])),
          },
          { additionalProperties: false },
        ),
        produces: ['application/json', 'text/csv'],
        response: { 200: RecoveryAnalyticsSchema, ...errorResponses() },
      },
    },
    async (request, reply) => {
      const { from, to, format } = request.query;
      const analytics = await recovery.analytics(principalOf(request).organizationId, { from, to });
      if (format === 'csv') {
        reply.type('text/csv; charset=utf-8');
        reply.header(
          'content-disposition',
          `attachment; filename="recoup-recovery-${analytics.from}-${analytics.to}.csv"`,
        );
        reply.header('cache-control', 'no-store');
        return reply.send(analyticsCsv(analytics) as never);
      }
      return analytics;
    },
  );

  app.get(
    '/accounts/:id/dunning-pause',
    {
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'getDunningPause',
        tags: ['recovery'],
        summary: "The account's dunning pause in force now, or null (RC5)",
        params: AccountParams,
        response: { 200: Type.Union([DunningPauseSchema, Type.Null()]), ...errorResponses(404) },
      },
    },
    async (request) => {
      const pause = await recovery.getPause(principalOf(request).organizationId, request.params.id);
      return pause ? { ...pause, endsAt: pause.endsAt.toISOString() } : null;
    },
  );

  app.put(
    '/accounts/:id/dunning-pause',
    {
      onRequest: guard.require('transactions.manage'),
      schema: {
        operationId: 'setDunningPause',
        tags: ['recovery'],
        summary:
          'Keep the account out of dunning through a date: no automatic retry, no dunning e-mail (RC5)',
        params: AccountParams,
        body: Type.Object(
          { until: IsoDateSchema, reason: Type.String({ minLength: 1, maxLength: 500 }) },
          { additionalProperties: false },
        ),
        response: { 200: DunningPauseSchema, ...errorResponses(404) },
      },
    },
    async (request) => {
      const pause = await recovery.setPause(principalOf(request), request.params.id, request.body);
      return { ...pause, endsAt: pause.endsAt.toISOString() };
    },
  );

  app.delete(
    '/accounts/:id/dunning-pause',
    {
      onRequest: guard.require('transactions.manage'),
      schema: {
        operationId: 'clearDunningPause',
        tags: ['recovery'],
        summary: "End the account's dunning pause now",
        params: AccountParams,
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await recovery.clearPause(principalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/action-center/failed-transactions/:id/reschedule',
    {
      onRequest: guard.require('transactions.manage'),
      schema: {
        operationId: 'rescheduleFailedTransaction',
        tags: ['action-center'],
        summary:
          "Move a failed installment onto the plan's next installment, spread it, or give it a new date (RC6)",
        description:
          'The entry resolves as `rescheduled`; the plan never exceeds its invoice. Honours Idempotency-Key. ' +
          '409 when the entry is not open, or a payment of the installment is still being processed (code collection_in_flight); ' +
          '422 when it is not an installment or the plan has no later one.',
        params: EntryParams,
        body: Type.Object(
          {
            mode: Type.Enum(['next_installment', 'spread', 'new_installment']),
            date: Type.Optional(IsoDateSchema),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            id: Type.String(),
            status: Type.Literal('rescheduled'),
            installments: Type.Array(
              Type.Object({ id: Type.String(), dueDate: IsoDateSchema, amount: Type.Integer() }),
              { description: 'The installments that now carry the amount' },
            ),
          }),
          ...errorResponses(404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      return idempotency.withIdempotency(request, reply, principal.organizationId, async () => ({
        status: 200,
        body: await recovery.reschedule(principal, request.params.id, request.body),
      }));
    },
  );
};
