import { bigint, customType, date, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/** Byte-order text, so that the owner-name order is the same on PGlite and PostgreSQL whatever their locale. */
const textC = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' });

/**
 * One row per card that could be listed (EC1–EC2): a card saved in the wallet that pays at least one
 * upcoming payment, with what EC3 shows. Kept by ./card-summary.ts, the listener of the billing core's
 * writes (scheduled payments, schedules, wallets, owners' names), in the transaction of whatever changed
 * them — so the list is an index range scan on (expiry month, next date, owner name) instead of an
 * aggregation over every card of the month.
 */
export const cardUpcomingPayments = pgTable(
  'card_upcoming_payments',
  {
    organizationId: text('organization_id').notNull(),
    paymentMethodId: text('payment_method_id').notNull(),
    accountId: text('account_id').notNull(),
    ownerName: textC('owner_name').notNull(),
    expYear: integer('exp_year').notNull(),
    expMonth: integer('exp_month').notNull(),
    upcomingCount: integer('upcoming_count').notNull(),
    nextDate: date('next_date', { mode: 'string' }).notNull(),
    /** what the next date charges this card (every payment due that day) */
    nextAmountMinor: bigint('next_amount_minor', { mode: 'bigint' }).notNull(),
    /** payments due after the last day of the expiry month */
    atRiskMinor: bigint('at_risk_minor', { mode: 'bigint' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.paymentMethodId] }),
    index('card_upcoming_payments_list').on(
      t.organizationId,
      t.expYear,
      t.expMonth,
      t.nextDate,
      t.ownerName,
      t.paymentMethodId,
    ),
    index('card_upcoming_payments_account').on(t.organizationId, t.accountId),
  ],
);
