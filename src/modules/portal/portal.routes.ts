import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../lib/errors';
import type { IdempotencyStore } from '../../platform/http/idempotency';
import { Currency, component, errorResponses, Id, Instant, LocaleSchema } from '../../platform/http/schemas';
import { FAILED_TRANSACTION_TYPES } from '../failed-transactions/failed-transactions.entries';
import { SetupIntentSchema } from '../gateway/gateway.routes';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import type { PortalService } from './portal.service';
import { hashPortalToken } from './portal-token';

const TokenQuery = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 4000, description: "The link's token (from the e-mail)" }),
  },
  { additionalProperties: false },
);
const Problems = {
  400: Type.Ref('Problem'),
  401: Type.Ref('Problem'),
  404: Type.Ref('Problem'),
  429: Type.Ref('Problem'),
};
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
      timezone: Type.String({
        examples: ['America/Toronto'],
        description: "The IANA zone the portal's times are shown in (the organization's, not the browser's)",
      }),
    }),
    account: Type.Object({ ownerName: Type.String(), locale: LocaleSchema }),
    link: Type.Object(
      {
        purpose: Type.Enum(['failed_payment', 'card_expiry'], {
          description: 'failed_payment: pay the one amount listed; card_expiry: replace the one card named',
        }),
        expiresAt: Instant,
        card: Type.Union([
          Type.Object({
            brand: Type.String(),
            last4: Type.String(),
            expMonth: Type.Integer(),
            expYear: Type.Integer(),
          }),
          Type.Null(),
        ]),
      },
      { description: 'What this link is for; the card it is about (so the owner can tell it from a copy)' },
    ),
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
        paymentMethod: Type.Object({
          type: Type.Enum(['card', 'echeck']),
          brand: Type.Union([Type.String(), Type.Null()]),
          last4: Type.String(),
        }),
      }),
    ),
    cards: Type.Array(PortalCardSchema),
    gateway: Type.Object(
      {
        name: Type.Union([Type.Literal('sandbox'), Type.Literal('stripe'), Type.Null()], {
          description:
            "stripe: the card or bank account is entered in Stripe.js's Payment Element (POST /portal/setup-intent first); sandbox: in the page's own fields",
        }),
        publishableKey: Type.Union([Type.String(), Type.Null()], { description: 'Stripe.js (pk_…)' }),
        bankAccounts: Type.Boolean({
          description: 'this link may save a bank account (live gateway, payment link)',
        }),
      },
      { description: 'How this page takes a new card or bank account' },
    ),
  },
  component('PortalSession'),
);

export interface PortalRateLimit {
  /** requests per window from one client address, over every portal endpoint */
  perIp: number;
  /** requests per window with one link */
  perLink: number;
  timeWindow: number;
}

/**
 * The customer portal (links from e-mails); not behind the admin guard: the token is checked. Every
 * portal call is rate-limited per client address and per link (a guessed or leaked token gets few tries).
 */
export const portalRoutes: FastifyPluginAsyncTypebox<{
  portal: PortalService;
  idempotency: IdempotencyStore;
  guard: AuthGuard;
  rateLimit?: PortalRateLimit;
}> = async (app, { portal, idempotency, guard, rateLimit }) => {
  const limits = rateLimit ?? { perIp: 120, perLink: 60, timeWindow: 60_000 };
  const perIp = app.createRateLimit({
    max: limits.perIp,
    timeWindow: limits.timeWindow,
    keyGenerator: (request) => `portal-ip:${request.ip}`,
  });
  const perLink = app.createRateLimit({
    max: limits.perLink,
    timeWindow: limits.timeWindow,
    keyGenerator: (request) =>
      `portal-link:${hashPortalToken(String((request.query as { token?: unknown }).token ?? ''))}`,
  });
  const limited: onRequestAsyncHookHandler = async (request, reply) => {
    for (const limiter of [perIp, perLink]) {
      const answer = await limiter(request);
      if (!answer.isAllowed && answer.isExceeded) {
        const seconds = Math.max(1, Math.ceil(answer.ttlInSeconds));
        reply.header('retry-after', String(seconds));
        throw new AppError(
          'too_many_requests',
          `Too many attempts with this page; try again in ${seconds} s`,
        );
      }
    }
  };

  app.post(
    '/accounts/:id/portal-links/revoke',
    {
      onRequest: guard.require('transactions.manage'),
      schema: {
        operationId: 'revokeAccountPortalLinks',
        tags: ['portal'],
        summary:
          "Stop every portal link sent to the account's owner (before sending a new one: retry's notice or the card reminder)",
        params: Type.Object({ id: Id('acc_01jd3k4m5n6p7q8r9s0t1v2w3x') }),
        response: {
          200: Type.Object({
            accountId: Type.String(),
            revoked: Type.Integer({ description: 'how many live links stopped working' }),
          }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return portal.revokeAccountLinks(principal.organizationId, principal.userId, request.params.id);
    },
  );
  app.post(
    '/accounts/:id/portal-links/resend',
    {
      onRequest: guard.require('transactions.manage'),
      schema: {
        operationId: 'resendPortalPaymentLink',
        tags: ['portal'],
        summary:
          "Send the owner a new link to pay one failed entry (the payment-failed notice again); the entry's earlier links stop",
        params: Type.Object({ id: Id('acc_01jd3k4m5n6p7q8r9s0t1v2w3x') }),
        body: Type.Object(
          { failedTransactionId: Id('ft_01jd3k4m5n6p7q8r9s0t1v2w3x') },
          { additionalProperties: false },
        ),
        response: {
          202: Type.Object({
            failedTransactionId: Type.String(),
            emailId: Type.String({ description: 'the new e-mail in the delivery log' }),
            revoked: Type.Integer({ description: "how many of the entry's earlier links stopped working" }),
          }),
          ...errorResponses(404, 409),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      reply.status(202);
      return portal.resendPaymentLink(
        principal.organizationId,
        principal.userId,
        request.params.id,
        request.body.failedTransactionId,
      );
    },
  );

  app.get(
    '/portal/session',
    {
      onRequest: limited,
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
      onRequest: limited,
      schema: {
        operationId: 'savePortalCard',
        tags: ['portal'],
        summary:
          "Save a new card (or, live gateway with a payment link, a bank account) in the owner's wallet; the account's subscriptions and plans paid by the link's card use it. Live gateway: only Stripe.js's pm_… and its SetupIntent (a card number is a 400)",
        security: [],
        querystring: TokenQuery,
        body: Type.Union([
          Type.Object(
            {
              number: Type.String({ minLength: 12, maxLength: 23, examples: ['4242424242424242'] }),
              expMonth: Type.Integer({ minimum: 1, maximum: 12 }),
              expYear: Type.Integer({ minimum: 0, maximum: 2200 }),
              cvc: Type.String({ minLength: 3, maxLength: 4 }),
            },
            { additionalProperties: false, title: 'Sandbox card' },
          ),
          Type.Object(
            {
              type: Type.Enum(['card', 'echeck']),
              gatewayToken: Type.String({ minLength: 1, maxLength: 200, examples: ['pm_1PqR2sT3uV4wX5yZ'] }),
              setupIntentId: Type.String({
                minLength: 1,
                maxLength: 200,
                examples: ['seti_1PqR2sT3uV4wX5yZ'],
              }),
              mandateAccepted: Type.Optional(
                Type.Boolean({
                  description: 'bank accounts: the owner accepted the mandate shown (required)',
                }),
              ),
            },
            { additionalProperties: false, title: 'Live gateway (Stripe.js result)' },
          ),
        ]),
        response: { 201: PortalCardSchema, 403: Type.Ref('Problem'), ...Problems },
      },
    },
    async (request, reply) => {
      reply.status(201);
      return portal.saveCard(request.query.token, request.body);
    },
  );

  app.post(
    '/portal/setup-intent',
    {
      onRequest: limited,
      schema: {
        operationId: 'createPortalSetupIntent',
        tags: ['portal'],
        summary:
          "Live gateway: a Stripe SetupIntent for the link's account (the Payment Element sends the card or bank account to Stripe, never to Recoup), with the PAD / ACH mandate to show for a bank account",
        description:
          '409 when the sandbox is on (the page takes the details itself); 403 for a bank account with a card_expiry link.',
        security: [],
        querystring: TokenQuery,
        body: Type.Object({ type: Type.Enum(['card', 'echeck']) }, { additionalProperties: false }),
        response: {
          201: SetupIntentSchema,
          403: Type.Ref('Problem'),
          409: Type.Ref('Problem'),
          ...Problems,
        },
      },
    },
    async (request, reply) => {
      reply.status(201);
      return portal.setupIntent(request.query.token, request.body.type);
    },
  );

  app.post(
    '/portal/pay',
    {
      onRequest: limited,
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
          403: Type.Ref('Problem'),
          409: Type.Ref('Problem'),
          ...Problems,
        },
      },
    },
    async (request, reply) => {
      const organizationId = await portal.organizationOf(request.query.token);
      return idempotency.withIdempotency(request, reply, organizationId, async () => ({
        status: 200,
        body: await portal.pay(request.query.token, request.body),
      }));
    },
  );
};
