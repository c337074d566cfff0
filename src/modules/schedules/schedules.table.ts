import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  date,
  foreignKey,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { accounts } from '../accounts/accounts.table';

export const SCHEDULED_PAYMENT_STATUSES = [
  'scheduled',
  'processing',
  'paid',
  'failed',
  'skipped',
  'cancelled',
] as const;
export type ScheduledPaymentStatus = (typeof SCHEDULED_PAYMENT_STATUSES)[number];

export const subscriptions = pgTable(
  'subscriptions',
  {
    organizationId: text('organization_id').notNull(),
    id: text('id').notNull(),
    accountId: text('account_id').notNull(),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    interval: text('interval', { enum: ['week', 'month', 'year'] }).notNull(),
    startDate: date('start_date', { mode: 'string' }).notNull(),
    /** day of month the periods keep (Jan 31 → Feb 28 → Mar 31) */
    anchorDay: integer('anchor_day').notNull(),
    paymentMethodId: text('payment_method_id').notNull(),
    description: text('description'),
    /** active → paused ⇄ active; active | paused → cancelled (no charge is made unless active) */
    status: text('status', { enum: ['active', 'paused', 'cancelled'] })
      .notNull()
      .default('active'),
    /** cancelled: the last day it runs (today for `now`, the end of the current period for `period_end`) */
    endsOn: date('ends_on', { mode: 'string' }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true, mode: 'date' }),
    pausedAt: timestamp('paused_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    foreignKey({
      columns: [t.organizationId, t.accountId],
      foreignColumns: [accounts.organizationId, accounts.id],
    }),
    check('subscriptions_amount_positive', sql`${t.amountMinor} > 0`),
    index('subscriptions_method').on(t.organizationId, t.paymentMethodId),
  ],
);

export const installmentPlans = pgTable(
  'installment_plans',
  {
    organizationId: text('organization_id').notNull(),
    id: text('id').notNull(),
    accountId: text('account_id').notNull(),
    invoiceId: text('invoice_id').notNull(),
    paymentMethodId: text('payment_method_id').notNull(),
    status: text('status', { enum: ['active', 'completed', 'cancelled'] })
      .notNull()
      .default('active'),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    foreignKey({
      columns: [t.organizationId, t.accountId],
      foreignColumns: [accounts.organizationId, accounts.id],
    }),
    index('installment_plans_method').on(t.organizationId, t.paymentMethodId),
  ],
);

/**
 * Every future charge of a subscription or plan: the account's upcoming payments.
 * scheduled → processing (charge under way; eCheck pending) → paid | failed; skipped when its invoice was
 * already covered when it came due (MS2); cancelled when its schedule was cancelled or paused.
 * The payment method is read from the subscription or plan at charge time (FT5), never copied here.
 */
export const scheduledPayments = pgTable(
  'scheduled_payments',
  {
    organizationId: text('organization_id').notNull(),
    id: text('id').notNull(),
    accountId: text('account_id').notNull(),
    source: text('source', { enum: ['subscription', 'installment'] }).notNull(),
    subscriptionId: text('subscription_id'),
    installmentPlanId: text('installment_plan_id'),
    /** installments: the plan's invoice; subscriptions: the period's invoice, issued when the charge runs */
    invoiceId: text('invoice_id'),
    dueDate: date('due_date', { mode: 'string' }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    status: text('status', { enum: SCHEDULED_PAYMENT_STATUSES }).notNull().default('scheduled'),
    attempts: integer('attempts').notNull().default(0),
    /** when the current attempt was claimed (`processing`): a claim left too long is finished again */
    claimedAt: timestamp('claimed_at', { withTimezone: true, mode: 'date' }),
    /**
     * the method the current attempt presents, read from the subscription or plan when the attempt
     * starts (FT5) and kept, so that finishing it after a crash replays the very same gateway request
     */
    attemptPaymentMethodId: text('attempt_payment_method_id'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    foreignKey({
      columns: [t.organizationId, t.accountId],
      foreignColumns: [accounts.organizationId, accounts.id],
    }),
    check('scheduled_payments_amount_positive', sql`${t.amountMinor} > 0`),
    index('scheduled_payments_account').on(t.organizationId, t.accountId, t.dueDate),
    index('scheduled_payments_due').on(t.organizationId, t.dueDate, t.id).where(sql`status = 'scheduled'`),
    index('scheduled_payments_claimed').on(t.organizationId, t.claimedAt).where(sql`status = 'processing'`),
    index('scheduled_payments_invoice').on(t.organizationId, t.invoiceId),
    index('scheduled_payments_subscription').on(t.organizationId, t.subscriptionId),
    index('scheduled_payments_plan').on(t.organizationId, t.installmentPlanId),
  ],
);
