import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { toJsonAmount } from '../../lib/money';
import { errorResponses, Id } from '../../platform/http/schemas';
import type { SandboxGatewayControls } from '../gateway/gateway.port';
import type { PaymentMethodsService } from '../payment-methods/payment-methods.service';
import { type AuthGuard, principalOf } from '../users/auth.guard';

export interface SandboxGatewayRoutesDeps {
  guard: AuthGuard;
  controls: SandboxGatewayControls;
  paymentMethods: PaymentMethodsService;
}

/** The sandbox gateway's controls (only registered when RECOUP_SANDBOX=true). */
export const sandboxGatewayRoutes: FastifyPluginAsyncTypebox<SandboxGatewayRoutesDeps> = async (
  app,
  { guard, controls, paymentMethods },
) => {
  const Balance = Type.Object({
    amount: Type.Integer({
      minimum: 0,
      maximum: 1_000_000_000_000,
      description: 'Minor units',
      examples: [0],
    }),
  });

  app.get(
    '/sandbox/merchant-balance',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'getSandboxMerchantBalance',
        tags: ['sandbox'],
        summary: "The merchant account's funds, from which refunds are paid",
        response: { 200: Balance, ...errorResponses() },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return { amount: toJsonAmount(await controls.merchantBalance(p.organizationId)) };
    },
  );

  app.put(
    '/sandbox/merchant-balance',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'setSandboxMerchantBalance',
        tags: ['sandbox'],
        summary:
          "Set the merchant account's funds (a refund larger than them fails with insufficient_merchant_funds)",
        body: Type.Object(
          { amount: Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, examples: [0] }) },
          { additionalProperties: false },
        ),
        response: { 200: Balance, ...errorResponses() },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await controls.setMerchantBalance(p.organizationId, BigInt(request.body.amount));
      return { amount: toJsonAmount(await controls.merchantBalance(p.organizationId)) };
    },
  );

  app.post(
    '/sandbox/payment-methods/:id/next-outcome',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'setSandboxNextOutcome',
        tags: ['sandbox'],
        summary:
          'Force the outcome of the next charge of a payment method: "succeed", a card decline code or an ACH return code',
        params: Type.Object({ id: Id('pm_01jd5x2k8v3q7r9t0w1y2z3a4b') }),
        body: Type.Object(
          { outcome: Type.String({ minLength: 1, maxLength: 64, examples: ['card_declined'] }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ paymentMethodId: Type.String(), outcome: Type.String() }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const method = await paymentMethods.get(p.organizationId, request.params.id);
      await controls.setNextOutcome(p.organizationId, method.id, request.body.outcome);
      return { paymentMethodId: method.id, outcome: request.body.outcome };
    },
  );
};
