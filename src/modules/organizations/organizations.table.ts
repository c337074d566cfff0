import { customType, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

export const organizations = pgTable('organizations', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  contactEmail: text('contact_email'),
  billingContactUserId: text('billing_contact_user_id'),
  timezone: text('timezone').notNull().default('America/Toronto'),
  locale: text('locale').notNull().default('fr-CA'),
  currency: text('currency').notNull().default('CAD'),
  // The logo lives in the database so that every API process serves the same bytes.
  logo: bytea('logo'),
  logoMime: text('logo_mime'),
  logoUpdatedAt: timestamp('logo_updated_at', { withTimezone: true, mode: 'date' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
});
