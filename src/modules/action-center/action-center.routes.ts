import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Currency, component, errorResponses, IsoDateSchema } from '../../platform/http/schemas';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import type { ActionCenterService } from './action-center.service';

export const ActionCenterSummarySchema = Type.Object(
  {
    failedTransactions: Type.Integer({ minimum: 0 }),
    expiringCards: Type.Integer({ minimum: 0 }),
    reconcilableAccounts: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Omitted without reconciliations.manage (RA7)' }),
    ),
  },
  component('ActionCenterSummary'),
);

export const ActionCenterChartsSchema = Type.Object(
  {
    currency: Currency,
    failedByReason: Type.Array(
      Type.Object({
        code: Type.String(),
        message: Type.String(),
        amount: Type.Integer({ description: 'Minor units' }),
        count: Type.Integer(),
      }),
    ),
    daily: Type.Array(
      Type.Object({ date: IsoDateSchema, failures: Type.Integer(), recoveries: Type.Integer() }),
    ),
  },
  component('ActionCenterCharts'),
);

export const actionCenterRoutes: FastifyPluginAsyncTypebox<{
  actionCenter: ActionCenterService;
  guard: AuthGuard;
}> = async (app, { actionCenter, guard }) => {
  app.get(
    '/action-center/summary',
    {
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'getActionCenterSummary',
        tags: ['action-center'],
        summary: 'How many items each section of the Action Center holds',
        response: { 200: ActionCenterSummarySchema, ...errorResponses() },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return actionCenter.summary(principal.organizationId, {
        includeReconcilable: principal.permissions.includes('reconciliations.manage'),
      });
    },
  );

  app.get(
    '/action-center/charts',
    {
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'getActionCenterCharts',
        tags: ['action-center'],
        summary: 'Failed amounts by reason, and failures and recoveries per day over the last 30 days',
        response: { 200: ActionCenterChartsSchema, ...errorResponses() },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return actionCenter.charts(principal.organizationId, principal.locale);
    },
  );
};
