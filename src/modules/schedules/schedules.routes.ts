import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { toJsonAmount } from '../../lib/money';
import { cursorKey, ListOf, PageQuery, paged } from '../../platform/http/pagination';
import { AmountMinor, errorResponses, Id, Instant, IsoDateSchema } from '../../platform/http/schemas';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import type { ScheduleLifecycle } from './schedules.lifecycle';
import type {
  InstallmentPlan,
  ScheduledPaymentRow,
  SchedulesService,
  Subscription,
  UpcomingPayment,
} from './schedules.service';
import { SCHEDULED_PAYMENT_STATUSES } from './schedules.table';

const Nullable = <T extends import('typebox').TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Interval = Type.Enum(['week', 'month', 'year']);
const ScheduledStatus = Type.Enum([...SCHEDULED_PAYMENT_STATUSES], {
  description:
    'scheduled: to be charged; processing: being charged (an eCheck pending); paid; failed (see the Action Center); skipped: its invoice was already covered when it came due; cancelled: its schedule was cancelled or paused',
});

const SubscriptionSchema = Type.Object({
  id: Type.String({ examples: ['sub_01jd5x2k8v3q7r9t0w1y2z3a4b'] }),
  accountId: Type.String(),
  amount: Type.Integer(),
  interval: Interval,
  startDate: IsoDateSchema,
  anchorDay: Type.Integer({ description: 'The day of month the periods keep (31 → Feb 28/29 → Mar 31)' }),
  paymentMethodId: Type.String(),
  description: Nullable(Type.String()),
  status: Type.Enum(['active', 'paused', 'cancelled'], {
    description: 'Only an active subscription is charged (a cancelled one until `endsOn`)',
  }),
  endsOn: Nullable(IsoDateSchema),
  nextDueDate: Nullable(IsoDateSchema),
  createdAt: Instant,
});

const InstallmentSchema = Type.Object({
  id: Type.String({ examples: ['sp_01jd5x2k8v3q7r9t0w1y2z3a4b'] }),
  dueDate: IsoDateSchema,
  amount: Type.Integer(),
  status: ScheduledStatus,
});

const PlanSchema = Type.Object({
  id: Type.String({ examples: ['ip_01jd5x2k8v3q7r9t0w1y2z3a4b'] }),
  accountId: Type.String(),
  invoiceId: Type.String(),
  paymentMethodId: Type.String(),
  status: Type.Enum(['active', 'completed', 'cancelled']),
  installments: Type.Array(InstallmentSchema),
  createdAt: Instant,
});

const UpcomingSchema = Type.Object({
  id: Type.String({ examples: ['sp_01jd5x2k8v3q7r9t0w1y2z3a4b'] }),
  dueDate: IsoDateSchema,
  status: ScheduledStatus,
  amount: Type.Integer(),
  source: Type.Enum(['subscription', 'installment']),
  sourceId: Type.String({ description: 'The subscription or installment plan' }),
  invoiceId: Nullable(
    Type.String({ description: "Installments: the plan's invoice; subscriptions: issued when charged" }),
  ),
  schedule: Type.Object(
    {
      status: Type.Enum(['active', 'paused', 'cancelled', 'completed'], {
        description:
          "The subscription's (active, paused, cancelled) or the plan's (active, completed, cancelled)",
      }),
      endsOn: Nullable(
        Type.Union([IsoDateSchema], {
          description:
            'A cancelled subscription: the last day it runs (later than today: cancelling at period end)',
        }),
      ),
    },
    { description: 'Where the subscription or plan of this charge stands' },
  ),
  paymentMethod: Type.Object({
    id: Type.String(),
    type: Type.Enum(['card', 'echeck']),
    brand: Nullable(Type.String()),
    last4: Type.String(),
    expMonth: Nullable(Type.Integer()),
    expYear: Nullable(Type.Integer()),
  }),
});

function subscriptionJson(s: Subscription, next: ScheduledPaymentRow | null) {
  return {
    id: s.id,
    accountId: s.accountId,
    amount: toJsonAmount(s.amountMinor),
    interval: s.interval,
    startDate: s.startDate,
    anchorDay: s.anchorDay,
    paymentMethodId: s.paymentMethodId,
    description: s.description,
    status: s.status,
    endsOn: s.endsOn,
    nextDueDate: next?.dueDate ?? null,
    createdAt: s.createdAt.toISOString(),
  };
}

function planJson(plan: InstallmentPlan, installments: ScheduledPaymentRow[]) {
  return {
    id: plan.id,
    accountId: plan.accountId,
    invoiceId: plan.invoiceId,
    paymentMethodId: plan.paymentMethodId,
    status: plan.status,
    installments: installments.map((i) => ({
      id: i.id,
      dueDate: i.dueDate,
      amount: toJsonAmount(i.amountMinor),
      status: i.status,
    })),
    createdAt: plan.createdAt.toISOString(),
  };
}

function upcomingJson(u: UpcomingPayment) {
  const { amountMinor, ...rest } = u;
  return { ...rest, amount: toJsonAmount(amountMinor) };
}

const AccountParams = Type.Object({ id: Id('acc_01jd5x2k8v3q7r9t0w1y2z3a4b') });
const MethodBody = Type.Object(
  { paymentMethodId: Id('pm_01jd5x2k8v3q7r9t0w1y2z3a4b') },
  { additionalProperties: false },
);

/** The upcoming payments' keyset: due date, then ID (400 on a cursor of other types). */
const upcomingPages = paged(cursorKey.date('dueDate'), cursorKey.id('id', 'sp'));

const SubscriptionParams = Type.Object({ id: Id('sub_01jd5x2k8v3q7r9t0w1y2z3a4b') });
const PlanParams = Type.Object({ id: Id('ip_01jd5x2k8v3q7r9t0w1y2z3a4b') });

export const schedulesRoutes: FastifyPluginAsyncTypebox<{
  schedules: SchedulesService;
  lifecycle: ScheduleLifecycle;
  guard: AuthGuard;
}> = async (app, { schedules, lifecycle, guard }) => {
  app.post(
    '/subscriptions/:id/cancel',
    {
      onRequest: guard.require('billing.write'),
      schema: {
        operationId: 'cancelSubscription',
        tags: ['schedules'],
        summary:
          'Cancel a subscription now, or at the end of the current period (its charge, if due, is still made); nothing after is charged',
        params: SubscriptionParams,
        body: Type.Object(
          {
            at: Type.Enum(['now', 'period_end'], {
              description: 'now: no further charge; period_end: the current period runs out',
            }),
          },
          { additionalProperties: false },
        ),
        response: { 200: SubscriptionSchema, ...errorResponses(404, 409) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const sub = await lifecycle.cancelSubscription(
        p.organizationId,
        p.userId,
        request.params.id,
        request.body.at,
      );
      return subscriptionJson(sub, await schedules.nextOf(p.organizationId, sub.id));
    },
  );

  for (const [action, summary] of [
    [
      'pause',
      'Pause an active subscription: its upcoming charge is withdrawn and nothing is charged until it resumes',
    ],
    [
      'resume',
      'Resume a paused subscription: the next charge is the first period from today (paused periods are not charged)',
    ],
  ] as const) {
    app.post(
      `/subscriptions/:id/${action}`,
      {
        onRequest: guard.require('billing.write'),
        schema: {
          operationId: `${action}Subscription`,
          tags: ['schedules'],
          summary,
          params: SubscriptionParams,
          response: { 200: SubscriptionSchema, ...errorResponses(404, 409) },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const sub =
          action === 'pause'
            ? await lifecycle.pauseSubscription(p.organizationId, p.userId, request.params.id)
            : await lifecycle.resumeSubscription(p.organizationId, p.userId, request.params.id);
        return subscriptionJson(sub, await schedules.nextOf(p.organizationId, sub.id));
      },
    );
  }

  app.post(
    '/installment-plans/:id/cancel',
    {
      onRequest: guard.require('billing.write'),
      schema: {
        operationId: 'cancelInstallmentPlan',
        tags: ['schedules'],
        summary:
          'Cancel an installment plan: its upcoming installments are withdrawn (open failed ones stay in the Action Center)',
        params: PlanParams,
        response: { 200: PlanSchema, ...errorResponses(404, 409) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await lifecycle.cancelPlan(p.organizationId, p.userId, request.params.id);
      const { plan, installments } = await schedules.getInstallmentPlan(p.organizationId, request.params.id);
      return planJson(plan, installments);
    },
  );

  app.patch(
    '/scheduled-payments/:id',
    {
      onRequest: guard.require('billing.write'),
      schema: {
        operationId: 'updateScheduledPayment',
        tags: ['schedules'],
        summary:
          'Move an upcoming charge to another date (today or later) or change its amount (an installment: within what its invoice allows)',
        params: Type.Object({ id: Id('sp_01jd5x2k8v3q7r9t0w1y2z3a4b') }),
        body: Type.Object(
          { dueDate: Type.Optional(IsoDateSchema), amount: Type.Optional(AmountMinor) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: InstallmentSchema, ...errorResponses(404, 409, 422) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const sp = await lifecycle.updateScheduledPayment(p.organizationId, p.userId, request.params.id, {
        dueDate: request.body.dueDate,
        amountMinor: request.body.amount === undefined ? undefined : BigInt(request.body.amount),
      });
      return { id: sp.id, dueDate: sp.dueDate, amount: toJsonAmount(sp.amountMinor), status: sp.status };
    },
  );

  app.post(
    '/accounts/:id/subscriptions',
    {
      onRequest: guard.require('billing.write'),
      schema: {
        operationId: 'createSubscription',
        tags: ['schedules'],
        summary: 'Start a subscription: each period issues its invoice and charges the method when due',
        params: AccountParams,
        body: Type.Object(
          {
            amount: AmountMinor,
            interval: Interval,
            startDate: IsoDateSchema,
            paymentMethodId: Id('pm_01jd5x2k8v3q7r9t0w1y2z3a4b'),
            description: Type.Optional(Type.String({ maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: SubscriptionSchema, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const { subscription, next } = await schedules.createSubscription(
        p.organizationId,
        p.userId,
        request.params.id,
        {
          amountMinor: BigInt(request.body.amount),
          interval: request.body.interval,
          startDate: request.body.startDate,
          paymentMethodId: request.body.paymentMethodId,
          description: request.body.description,
        },
      );
      return reply.status(201).send(subscriptionJson(subscription, next));
    },
  );

  app.post(
    '/accounts/:id/installment-plans',
    {
      onRequest: guard.require('billing.write'),
      schema: {
        operationId: 'createInstallmentPlan',
        tags: ['schedules'],
        summary:
          "Split an invoice into dated installments (at most the invoice's open amount, dates increasing)",
        params: AccountParams,
        body: Type.Object(
          {
            invoiceId: Id('inv_01jd5x2k8v3q7r9t0w1y2z3a4b'),
            paymentMethodId: Id('pm_01jd5x2k8v3q7r9t0w1y2z3a4b'),
            installments: Type.Array(
              Type.Object({ dueDate: IsoDateSchema, amount: AmountMinor }, { additionalProperties: false }),
              { minItems: 1, maxItems: 120 },
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: PlanSchema, ...errorResponses(404, 422) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const { plan, installments } = await schedules.createInstallmentPlan(
        p.organizationId,
        p.userId,
        request.params.id,
        {
          invoiceId: request.body.invoiceId,
          paymentMethodId: request.body.paymentMethodId,
          installments: request.body.installments.map((i) => ({
            dueDate: i.dueDate,
            amountMinor: BigInt(i.amount),
          })),
        },
      );
      return reply.status(201).send(planJson(plan, installments));
    },
  );

  app.get(
    '/accounts/:id/upcoming-payments',
    {
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'listUpcomingPayments',
        tags: ['schedules'],
        summary: "The account's scheduled charges by due date, with the method that will pay each",
        params: AccountParams,
        querystring: PageQuery,
        response: { 200: ListOf(UpcomingSchema), ...errorResponses(404) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return upcomingPages.page(
        request.query,
        (page) => schedules.upcoming(p.organizationId, request.params.id, page),
        upcomingJson,
      );
    },
  );

  app.patch(
    '/subscriptions/:id',
    {
      onRequest: guard.require('transactions.manage'),
      schema: {
        operationId: 'changeSubscriptionPaymentMethod',
        tags: ['schedules'],
        summary: "Change the subscription's payment method (a method of the same account)",
        params: SubscriptionParams,
        body: MethodBody,
        response: { 200: SubscriptionSchema, ...errorResponses(404) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const sub = await schedules.changeSubscriptionMethod(
        p.organizationId,
        p.userId,
        request.params.id,
        request.body.paymentMethodId,
      );
      return subscriptionJson(sub, await schedules.nextOf(p.organizationId, sub.id));
    },
  );

  app.patch(
    '/installment-plans/:id',
    {
      onRequest: guard.require('transactions.manage'),
      schema: {
        operationId: 'changeInstallmentPlanPaymentMethod',
        tags: ['schedules'],
        summary: "Change the plan's payment method (a method of the same account)",
        params: PlanParams,
        body: MethodBody,
        response: { 200: PlanSchema, ...errorResponses(404) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const { plan, installments } = await schedules.changePlanMethod(
        p.organizationId,
        p.userId,
        request.params.id,
        request.body.paymentMethodId,
      );
      return planJson(plan, installments);
    },
  );
};
