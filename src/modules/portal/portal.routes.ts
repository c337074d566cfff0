import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { IdempotencyStore } from '../../platform/http/idempotency';
import { Currency, component, Id, Instant, LocaleSchema } from '../../platform/http/schemas';
import { FAILED_TRANSACTION_TYPES } from '../failed-transactions/failed-transactions.entries';
import type { PortalService } from './portal.service';

const TokenQuery = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 4000, description: 'The signed link token' }) },
  { additionalProperties: false },
);
const Problems = { 400: Type.Ref('Problem'), 401: Type.Ref('Problem'), 404: Type.Ref('Problem') };
const Reason = Type.Object({ code: Type.String(), message: Type.String() });

export const PortalCardSchema = Type.Object(
  {
    id: Type.String(),
    brand: Type.String(),
    last4: Type.String(),
    expMonth: Type.Integer(),
    expYear: Type.Integer(),
    inWallet: Type.Boolean(),
  },
  component('PortalCard'),
);

export const PortalSessionSchema = Type.Object(
  {
    organization: Type.Object({
      name: Type.String(),
      logoUrl: Type.Union([Type.String(), Type.Null()]),
      contactEmail: Type.String(),
    }),
    account: Type.Object({ ownerName: Type.String(), locale: LocaleSchema }),
    currency: Currency,
    failedPayments: Type.Array(
      Type.Object({
        id: Type.String(),
        amount: Type.Integer({ description: 'Minor units' }),
        type: Type.Enum([...FAILED_TRANSACTION_TYPES]),
        reason: Reason,
        failedAt: Instant,
        status: Type.String(),
        paidElsewhere: Type.Boolean(),
        collection: Type.Union([Type.Literal('due'), Type.Literal('processing'), Type.Literal('paid')], {
          description:
            'due: it may be paid here; processing: a payment of it is under way; paid: it was collected (nothing to pay)',
        }),
      }),
    ),
    cards: Type.Array(PortalCardSchema),
  },
  component('PortalSession'),
);

/** The customer portal (signed links from e-mails); not behind the admin guard: the token is checked. */
export const portalRoutes: FastifyPluginAsyncTypebox<{
  portal: PortalService;
  idempotency: IdempotencyStore;
}> = async (app, { portal, idempotency }) => {
  app.get(
    '/portal/session',
    {
      schema: {
        operationId: 'getPortalSession',
        tags: ['portal'],
        summary: "What the link's holder may see and do: the organization, failed amounts, wallet cards",
        security: [],
        querystring: TokenQuery,
        response: { 200: PortalSessionSchema, ...Problems },
      },
    },
    async (request) => portal.session(request.query.token),
  );

  app.post(
    '/portal/payment-methods',
    {
      schema: {
        operationId: 'savePortalCard',
        tags: ['portal'],
        summary: "Save a new card in the owner's wallet; the account's card subscriptions and plans use it",
        security: [],
        querystring: TokenQuery,
        body: Type.Object(
          {
            number: Type.String({ minLength: 12, maxLength: 23, examples: ['4242424242424242'] }),
            expMonth: Type.Integer({ minimum: 1, maximum: 12 }),
            expYear: Type.Integer({ minimum: 0, maximum: 2200 }),
            cvc: Type.String({ minLength: 3, maxLength: 4 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: PortalCardSchema, ...Problems },
      },
    },
    async (request, reply) => {
      reply.status(201);
      return portal.saveCard(request.query.token, request.body);
    },
  );

  app.post(
    '/portal/pay',
    {
      schema: {
        operationId: 'payPortalFailedPayment',
        tags: ['portal'],
        summary: 'Pay a failed amount with a card of the account (the entry is then flagged paidElsewhere)',
        description: 'Honours Idempotency-Key.',
        security: [],
        querystring: TokenQuery,
        body: Type.Object(
          {
            failedTransactionId: Id('ft_01jd3k4m5n6p7q8r9s0t1v2w3x'),
            paymentMethodId: Id('pm_01jd3k4m5n6p7q8r9s0t1v2w3x'),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            status: Type.Enum(['succeeded', 'pending', 'failed']),
            reason: Type.Optional(Reason),
          }),
          409: Type.Ref('Problem'),
          ...Problems,
        },
      },
    },
    async (request, reply) => {
      const claims = await portal.claims(request.query.token);
      return idempotency.withIdempotency(request, reply, claims.organizationId, async () => ({
        status: 200,
        body: await portal.pay(request.query.token, request.body),
      }));
    },
  );
};
