import { sql } from 'drizzle-orm';
import {
  boolean,
  foreignKey,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { accounts } from '../accounts/accounts.table';

/** A card or bank account. Only the gateway's token and what a person needs to recognise it are kept. */
export const paymentMethods = pgTable(
  'payment_methods',
  {
    organizationId: text('organization_id').notNull(),
    id: text('id').notNull(),
    accountId: text('account_id').notNull(),
    type: text('type', { enum: ['card', 'echeck'] }).notNull(),
    brand: text('brand'),
    bankName: text('bank_name'),
    holderName: text('holder_name'),
    last4: text('last4').notNull(),
    expMonth: integer('exp_month'),
    expYear: integer('exp_year'),
    gatewayToken: text('gateway_token').notNull(),
    inWallet: boolean('in_wallet').notNull().default(false),
    /** EC4: the automatic reminder, once per card and expiry; manual reminders update lastReminderAt too */
    expiryReminderSentAt: timestamp('expiry_reminder_sent_at', { withTimezone: true, mode: 'date' }),
    expiryReminderFor: text('expiry_reminder_for'),
    lastReminderAt: timestamp('last_reminder_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    foreignKey({
      columns: [t.organizationId, t.accountId],
      foreignColumns: [accounts.organizationId, accounts.id],
    }),
    index('payment_methods_account').on(t.organizationId, t.accountId),
    index('payment_methods_expiry')
      .on(t.organizationId, t.expYear, t.expMonth)
      .where(sql`type = 'card' and in_wallet`),
  ],
);
