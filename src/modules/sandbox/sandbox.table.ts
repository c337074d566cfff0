import { bigint, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** The sandbox gateway's own books: what it charged, per organization (the merchant account). */
export const sandboxMerchant = pgTable('sandbox_merchant', {
  organizationId: text('organization_id').primaryKey(),
  balanceMinor: bigint('balance_minor', { mode: 'bigint' }).notNull(),
  charges: integer('charges').notNull().default(0),
});

/** Forced outcome of a method's next charge (`POST /sandbox/payment-methods/:id/next-outcome`). */
export const sandboxNextOutcomes = pgTable(
  'sandbox_next_outcomes',
  {
    organizationId: text('organization_id').notNull(),
    paymentMethodId: text('payment_method_id').notNull(),
    outcome: text('outcome').notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.paymentMethodId] })],
);

/**
 * The shared sandbox clock (an offset from real time) for organizations that never moved their own, and
 * for work outside any organization; tests and the demo loader move it.
 */
export const sandboxClock = pgTable('sandbox_clock', {
  id: integer('id').primaryKey(),
  offsetMs: bigint('offset_ms', { mode: 'number' }).notNull(),
});

/** Each organization's own sandbox clock (`PUT /sandbox/clock`): an offset from real time. */
export const sandboxOrganizationClocks = pgTable('sandbox_organization_clocks', {
  organizationId: text('organization_id').primaryKey(),
  offsetMs: bigint('offset_ms', { mode: 'number' }).notNull(),
});

/**
 * The sandbox gateway's own record of every operation, keyed by the idempotency key the caller sent:
 * a key seen before returns the recorded result and moves no money (like a real gateway).
 */
export const sandboxGatewayOperations = pgTable(
  'sandbox_gateway_operations',
  {
    organizationId: text('organization_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    kind: text('kind', { enum: ['charge', 'echeck_debit', 'refund'] }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    token: text('token').notNull(),
    status: text('status').notNull(),
    failureCode: text('failure_code'),
    gatewayRef: text('gateway_ref').notNull(),
    /** eCheck: the return code it will come back with, if any */
    returnCode: text('return_code'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.idempotencyKey] })],
);
