import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

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
    // An e-mail names one person per organization; the same address may belong to people of other
    // organizations (sign-in picks the one whose password matches, or the organization the caller names).
    uniqueIndex('users_org_email_unique').on(t.organizationId, sql`lower(${t.email})`),
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

/**
 * Failed sign-ins per typed e-mail (lower case), whoever it belongs to: an e-mail nobody uses locks the
 * same way as a real one, so a lockout tells an attacker nothing about who has an account. Keyed before
 * any organization is known (sign-in names none), so it has no organization_id. Wall time, not the
 * sandbox clock.
 */
export const signInThrottle = pgTable('sign_in_throttle', {
  emailKey: text('email_key').primaryKey(),
  failures: integer('failures').notNull(),
  windowStartedAt: timestamp('window_started_at', { withTimezone: true, mode: 'date' }).notNull(),
  lockedUntil: timestamp('locked_until', { withTimezone: true, mode: 'date' }),
});
