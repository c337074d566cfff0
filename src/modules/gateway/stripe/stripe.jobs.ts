import { type Static, Type } from 'typebox';
import { defineJob } from '../../../platform/jobs/define';
import type { StripeWebhooks } from './stripe-webhooks';

export const StripeWebhookPayload = Type.Object({ eventId: Type.String() });

declare module '../../../platform/jobs/define' {
  interface JobPayloads {
    'stripe-webhook': Static<typeof StripeWebhookPayload>;
  }
}

export const stripeJobs = (deps: { stripeWebhooks?: StripeWebhooks | null }) => [
  // A stored Stripe event (one job per event ID); the handler re-reads it and Stripe's current state, so a
  // re-delivery or an out-of-order one is harmless.
  defineJob({
    name: 'stripe-webhook',
    payload: StripeWebhookPayload,
    retry: { limit: 20, delaySeconds: 15, backoff: true, delayMaxSeconds: 900 },
    dedupeKey: (data) => data.eventId,
    handler: (data) =>
      deps.stripeWebhooks
        ? deps.stripeWebhooks.process(data.eventId)
        : Promise.resolve({ skipped: 'the Stripe gateway is off' }),
  }),
];
