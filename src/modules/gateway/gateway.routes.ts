import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { AppError } from '../../lib/errors';
import { component, errorResponses, Id, Instant } from '../../platform/http/schemas';
import type { AccountsService } from '../accounts/accounts.service';
import type { OrganizationsService } from '../organizations/organizations.service';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import type { StripeGateway } from './stripe/stripe-gateway';
import type { StripeWebhooks } from './stripe/stripe-webhooks';

const Nullable = <T extends import('typebox').TSchema>(s: T) => Type.Union([s, Type.Null()]);

export const GatewayStatusSchema = Type.Object(
  {
    gateway: Nullable(
      Type.Enum(['sandbox', 'stripe'], { description: 'null: none configured (money cannot move)' }),
    ),
    mode: Nullable(Type.Enum(['test', 'live'], { description: "Stripe: the keys' mode" })),
    publishableKey: Nullable(Type.String({ description: 'Stripe.js: the publishable key (pk_…)' })),
    webhookUrl: Nullable(Type.String({ description: 'The URL to register in the Stripe dashboard' })),
    lastWebhook: Nullable(
      Type.Object({
        id: Type.String({ examples: ['evt_1PqR2sT3uV4wX5yZ'] }),
        type: Type.String({ examples: ['payment_intent.succeeded'] }),
        receivedAt: Instant,
        processedAt: Nullable(Instant),
        outcome: Nullable(Type.String()),
      }),
    ),
  },
  component('GatewayStatus'),
);
export type GatewayStatusJson = Static<typeof GatewayStatusSchema>;

export const SetupIntentSchema = Type.Object(
  {
    clientSecret: Type.String({
      description: "Stripe.js: the SetupIntent's client secret for the Payment Element",
    }),
    publishableKey: Type.String(),
    setupIntentId: Type.String({ examples: ['seti_1PqR2sT3uV4wX5yZ'] }),
    mandate: Nullable(
      Type.Object(
        {
          kind: Type.Enum(['acss_debit', 'us_bank_account']),
          version: Type.String(),
          text: Type.String({
            description: "The authorization to show beside the Payment Element, in the owner's language",
          }),
        },
        { description: 'Bank accounts: the PAD (Canada) or ACH (US) mandate; null for a card' },
      ),
    ),
  },
  component('SetupIntent'),
);

export const gatewayRoutes: FastifyPluginAsyncTypebox<{
  guard: AuthGuard;
  gateway: 'sandbox' | 'stripe' | null;
  stripeMode: 'test' | 'live' | null;
  publicUrl: string;
  stripe: StripeGateway | null;
  webhooks: StripeWebhooks | null;
  accounts: AccountsService;
  organizations: OrganizationsService;
}> = async (app, o) => {
  app.get(
    '/organization/gateway',
    {
      onRequest: o.guard.require('billing.write'),
      schema: {
        operationId: 'getGatewayStatus',
        tags: ['organization'],
        summary:
          'Which payment gateway is active, the webhook URL to register, and the last webhook received',
        response: { 200: GatewayStatusSchema, ...errorResponses() },
      },
    },
    async (request): Promise<GatewayStatusJson> => {
      const p = principalOf(request);
      const last = o.webhooks ? await o.webhooks.lastEvent(p.organizationId) : null;
      return {
        gateway: o.gateway,
        mode: o.stripeMode,
        publishableKey: o.stripe?.publishableKey ?? null,
        webhookUrl: o.gateway === 'stripe' ? `${o.publicUrl}/api/v1/webhooks/stripe` : null,
        lastWebhook: last
          ? {
              id: last.eventId,
              type: last.type,
              receivedAt: last.receivedAt.toISOString(),
              processedAt: last.processedAt?.toISOString() ?? null,
              outcome: last.outcome,
            }
          : null,
      };
    },
  );

  app.post(
    '/accounts/:id/payment-methods/setup-intent',
    {
      onRequest: o.guard.require('billing.write'),
      schema: {
        operationId: 'createPaymentMethodSetupIntent',
        tags: ['payment-methods'],
        summary:
          'Live gateway: a Stripe SetupIntent for the Payment Element (the card or bank details go to Stripe, never to Recoup)',
        params: Type.Object({ id: Id('acc_01jd5x2k8v3q7r9t0w1y2z3a4b') }),
        body: Type.Object({ type: Type.Enum(['card', 'echeck']) }, { additionalProperties: false }),
        response: { 201: SetupIntentSchema, ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const account = await o.accounts.get(p.organizationId, request.params.id);
      if (!o.stripe) {
        throw new AppError('conflict', 'The live gateway is not on: the sandbox takes the details itself');
      }
      const org = await o.organizations.get(p.organizationId);
      const si = await o.stripe.createSetupIntent(
        p.organizationId,
        account,
        request.body.type,
        org.currency,
        {
          locale: account.locale,
          organization: { name: org.name, contactEmail: org.contactEmail },
        },
      );
      return reply.status(201).send({
        clientSecret: si.clientSecret,
        publishableKey: o.stripe.publishableKey,
        setupIntentId: si.setupIntentId,
        mandate: si.mandate,
      });
    },
  );

  // The webhook needs the exact bytes Stripe signed: its own context with a raw-body parser.
  await app.register(async (raw) => {
    raw.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: 1024 * 1024 },
      (_req, body, done) => done(null, body),
    );
    raw.post(
      '/webhooks/stripe',
      {
        schema: {
          operationId: 'receiveStripeWebhook',
          tags: ['webhooks'],
          summary:
            'Stripe events, signature-checked on the raw body (400 when it does not verify, nothing stored); each stored once by its ID and processed in the background',
          response: {
            200: Type.Object({
              received: Type.Boolean(),
              duplicate: Type.Boolean({
                description: 'this event ID was received before (nothing done again)',
              }),
            }),
            400: Type.Ref('Problem'),
            404: Type.Ref('Problem'),
          },
        },
      },
      async (request) => {
        if (!o.webhooks) throw new AppError('not_found', 'The Stripe gateway is not on');
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.from(String(request.body ?? ''));
        const signature = request.headers['stripe-signature'];
        const { duplicate } = await o.webhooks.receive(
          body,
          Array.isArray(signature) ? signature[0] : signature,
        );
        return { received: true, duplicate };
      },
    );
  });
};
