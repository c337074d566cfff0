import { boolean, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** One Stripe Customer per Recoup account: saved PaymentMethods are attached to it. */
export const stripeCustomers = pgTable(
  'stripe_customers',
  {
    organizationId: text('organization_id').notNull(),
    accountId: text('account_id').notNull(),
    customerId: text('customer_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.accountId] })],
);

/**
 * Idempotency keys the crash sweeper found Stripe had never received (`lookup` answered null). Stripe cannot
 * void a key, so Recoup refuses to send one of these later itself; a request already on the wire when the key
 * was fenced is caught by its webhook and refunded (stripe-webhooks.ts).
 */
export const stripeFencedKeys = pgTable(
  'stripe_fenced_keys',
  {
    organizationId: text('organization_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    kind: text('kind').notNull(),
    fencedAt: timestamp('fenced_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.idempotencyKey] })],
);

/**
 * Every Stripe event received, once by its ID (a replay or a second delivery inserts nothing). The event's
 * organization is known only once its object is read (Recoup's metadata on it): null for an event about an
 * object Recoup never made, which is stored, logged and ignored.
 */
export const stripeWebhookEvents = pgTable(
  'stripe_webhook_events',
  {
    eventId: text('event_id').primaryKey(),
    type: text('type').notNull(),
    livemode: boolean('livemode').notNull(),
    organizationId: text('organization_id'),
    objectId: text('object_id'),
    payload: jsonb('payload').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull(),
    processedAt: timestamp('processed_at', { withTimezone: true, mode: 'date' }),
    /** what processing did: applied | ignored | a short reason */
    outcome: text('outcome'),
  },
  (t) => [index('stripe_webhook_events_org').on(t.organizationId, t.receivedAt)],
);

/**
 * Bank-debit mandates accepted in the customer portal with the live gateway (PAD `acss_debit`, ACH
 * `us_bank_account`): what the owner was shown and accepted (the text, in their language, and its version),
 * when, and from which portal link — Recoup's own record beside Stripe's (`mandate_id`, which holds the online
 * acceptance Stripe.js collected). Written once per SetupIntent, before the bank account is saved.
 */
export const stripeMandates = pgTable(
  'stripe_mandates',
  {
    organizationId: text('organization_id').notNull(),
    setupIntentId: text('setup_intent_id').notNull(),
    accountId: text('account_id').notNull(),
    /** the saved method's gateway token (pm_…) */
    paymentMethodToken: text('payment_method_token').notNull(),
    /** Stripe's Mandate object (mandate_…), when the SetupIntent names one */
    mandateId: text('mandate_id'),
    kind: text('kind', { enum: ['acss_debit', 'us_bank_account'] }).notNull(),
    locale: text('locale').notNull(),
    version: text('version').notNull(),
    text: text('text').notNull(),
    /** the portal link it was accepted from (null: an administrator saved it) */
    portalLinkId: text('portal_link_id'),
    acceptedAt: timestamp('accepted_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.setupIntentId] }),
    index('stripe_mandates_account').on(t.organizationId, t.accountId),
  ],
);
