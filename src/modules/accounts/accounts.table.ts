import { sql } from 'drizzle-orm';
import { index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { ownerListKeySql } from './owner-sort';

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
    // The accounts list's keyset (owner-sort.ts): the same expression as its ORDER BY.
    index('accounts_owner_sort').on(t.organizationId, ownerListKeySql(sql`${t.ownerName}`), t.id),
  ],
);
