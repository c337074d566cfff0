import { type Static, Type } from 'typebox';
import { defineJob } from '../../platform/jobs/define';
import type { NotificationsService } from './notifications.service';

export const EmailDeliveryPayload = Type.Object({ organizationId: Type.String(), emailId: Type.String() });

declare module '../../platform/jobs/define' {
  interface JobPayloads {
    'email-delivery': Static<typeof EmailDeliveryPayload>;
  }
}

/** An SMTP server that is down is retried with backoff: 5 s, 10 s, 20 s … up to 10 min, for about a day. */
export const EMAIL_DELIVERY_RETRY = { limit: 150, delaySeconds: 5, backoff: true, delayMaxSeconds: 600 };

export const notificationsJobs = (deps: { notifications: NotificationsService }) => [
  // Idempotent: an e-mail already sent or logged is never sent again.
  defineJob({
    name: 'email-delivery',
    payload: EmailDeliveryPayload,
    retry: EMAIL_DELIVERY_RETRY,
    dedupeKey: (data) => data.emailId,
    handler: (data) => deps.notifications.deliver(data.organizationId, data.emailId),
  }),
];
