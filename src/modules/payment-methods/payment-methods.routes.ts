import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { ListOf } from '../../platform/http/pagination';
import { component, errorResponses, Id, Instant } from '../../platform/http/schemas';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import type { PaymentMethod, PaymentMethodsService } from './payment-methods.service';

const Nullable = <T extends import('typebox').TSchema>(s: T) => Type.Union([s, Type.Null()]);

export const PaymentMethodSchema = Type.Object(
  {
    id: Type.String({ examples: ['pm_01jd5x2k8v3q7r9t0w1y2z3a4b'] }),
    accountId: Type.String(),
    type: Type.Enum(['card', 'echeck']),
    brand: Nullable(Type.String({ examples: ['visa'] })),
    last4: Type.String({ examples: ['4242'] }),
    expMonth: Nullable(Type.Integer({ minimum: 1, maximum: 12 })),
    expYear: Nullable(Type.Integer()),
    bankName: Nullable(Type.String()),
    holderName: Nullable(Type.String()),
    inWallet: Type.Boolean({ description: "Saved in the owner's wallet" }),
    createdAt: Instant,
  },
  component('PaymentMethod'),
);
export type PaymentMethodJson = Static<typeof PaymentMethodSchema>;

export function paymentMethodJson(m: PaymentMethod): PaymentMethodJson {
  return {
    id: m.id,
    accountId: m.accountId,
    type: m.type,
    brand: m.brand,
    last4: m.last4,
    expMonth: m.expMonth,
    expYear: m.expYear,
    bankName: m.bankName,
    holderName: m.holderName,
    inWallet: m.inWallet,
    createdAt: m.createdAt.toISOString(),
  };
}

const SaveToWallet = Type.Optional(Type.Boolean({ default: false }));
const SandboxCard = Type.Object(
  {
    type: Type.Literal('card'),
    number: Type.String({ minLength: 1, maxLength: 30, examples: ['4242424242424242'] }),
    expMonth: Type.Integer({ examples: [12] }),
    expYear: Type.Integer({ examples: [2030] }),
    cvc: Type.String({ maxLength: 4, examples: ['123'] }),
    saveToWallet: SaveToWallet,
  },
  { additionalProperties: false, title: 'Sandbox card' },
);
const SandboxBank = Type.Object(
  {
    type: Type.Literal('echeck'),
    routingNumber: Type.String({ maxLength: 20, examples: ['011000015'] }),
    accountNumber: Type.String({ maxLength: 20, examples: ['000123456789'] }),
    holderName: Type.String({ maxLength: 200 }),
    saveToWallet: SaveToWallet,
  },
  { additionalProperties: false, title: 'Sandbox bank account (eCheck)' },
);
const LiveToken = Type.Object(
  {
    type: Type.Enum(['card', 'echeck']),
    gatewayToken: Type.String({ minLength: 1, maxLength: 200 }),
    saveToWallet: SaveToWallet,
  },
  { additionalProperties: false, title: 'Live gateway token' },
);

export const paymentMethodsRoutes: FastifyPluginAsyncTypebox<{
  paymentMethods: PaymentMethodsService;
  guard: AuthGuard;
}> = async (app, { paymentMethods, guard }) => {
  app.post(
    '/accounts/:id/payment-methods',
    {
      onRequest: guard.require('billing.write'),
      schema: {
        operationId: 'createPaymentMethod',
        tags: ['payment-methods'],
        summary:
          'Add a card or bank account (sandbox: the details are tokenised and never stored; live: a gateway token)',
        params: Type.Object({ id: Id('acc_01jd5x2k8v3q7r9t0w1y2z3a4b') }),
        body: Type.Union([SandboxCard, SandboxBank, LiveToken]),
        response: { 201: PaymentMethodSchema, ...errorResponses(404, 503) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const method = await paymentMethods.create(p.organizationId, p.userId, request.params.id, request.body);
      return reply.status(201).send(paymentMethodJson(method));
    },
  );

  app.get(
    '/accounts/:id/payment-methods',
    {
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'listPaymentMethods',
        tags: ['payment-methods'],
        summary: "The account's cards and bank accounts (`inWallet` tells which are in the owner's wallet)",
        params: Type.Object({ id: Id('acc_01jd5x2k8v3q7r9t0w1y2z3a4b') }),
        response: { 200: ListOf(PaymentMethodSchema), ...errorResponses(404) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const methods = await paymentMethods.list(p.organizationId, request.params.id);
      return { items: methods.map(paymentMethodJson), nextCursor: null };
    },
  );

  app.delete(
    '/payment-methods/:id',
    {
      onRequest: guard.require('billing.write'),
      schema: {
        operationId: 'removePaymentMethodFromWallet',
        tags: ['payment-methods'],
        summary:
          'Take the method out of the wallet (subscriptions and plans that use it keep it until changed)',
        params: Type.Object({ id: Id('pm_01jd5x2k8v3q7r9t0w1y2z3a4b') }),
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await paymentMethods.removeFromWallet(p.organizationId, p.userId, request.params.id);
      return reply.status(204).send(null);
    },
  );
};
