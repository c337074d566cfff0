import { sql } from 'drizzle-orm';
import { boolean, index, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const users = pgTable(
  'users',
  {
    organizationId: text('organization_id').notNull(),
    id: text('id').notNull(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ['admin', 'accountant', 'staff'] }).notNull(),
    locale: text('locale'),
    failedTransactionsDigest: boolean('failed_transactions_digest').notNull().default(false),
    /** A deactivated person cannot sign in and none of their tokens resolve; reactivation clears it. */
    deactivatedAt: timestamp('deactivated_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    // Sign-in is by e-mail alone, so an e-mail names one person across the whole product.
    uniqueIndex('users_email_unique').on(sql`lower(${t.email})`),
  ],
);

/** Sessions (cookie) and API tokens (bearer). Only a SHA-256 of the secret is kept. */
export const authTokens = pgTable(
  'auth_tokens',
  {
    organizationId: text('organization_id').notNull(),
    id: text('id').notNull(),
    userId: text('user_id').notNull(),
    kind: text('kind', { enum: ['session', 'bearer'] }).notNull(),
    tokenHash: text('token_hash').notNull(),
    csrfToken: text('csrf_token'),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('auth_tokens_hash_unique').on(t.tokenHash),
    index('auth_tokens_user').on(t.organizationId, t.userId),
  ],
);
