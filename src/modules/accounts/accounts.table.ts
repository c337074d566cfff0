import { sql } from 'drizzle-orm';
import { index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const accounts = pgTable(
  'accounts',
  {
    organizationId: text('organization_id').notNull(),
    id: text('id').notNull(),
    ownerName: text('owner_name').notNull(),
    ownerEmail: text('owner_email').notNull(),
    locale: text('locale', { enum: ['fr-CA', 'en-CA'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('accounts_owner_name').on(t.organizationId, sql`lower(${t.ownerName})`, t.id),
  ],
);
