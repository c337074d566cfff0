import { index, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * Customer links sent by e-mail (FT11, EC4). A link names one purpose and one subject: pay *this* failed
 * entry, or replace *this* card. Only a SHA-256 of the token is kept, and only from the moment the e-mail
 * leaves for SMTP (`token_hash` is null before): neither the database nor the e-mail log holds a usable
 * link. A link ends at `expires_at` (real time, at most 14 days) or when revoked (used for a payment, the
 * entry left the list, an administrator sent a new one).
 */
export const portalLinks = pgTable(
  'portal_links',
  {
    organizationId: text('organization_id').notNull(),
    id: text('id').notNull(),
    accountId: text('account_id').notNull(),
    purpose: text('purpose', { enum: ['failed_payment', 'card_expiry'] }).notNull(),
    failedTransactionId: text('failed_transaction_id'),
    paymentMethodId: text('payment_method_id'),
    tokenHash: text('token_hash'),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    revokedReason: text('revoked_reason'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('portal_links_token_hash').on(t.tokenHash),
    index('portal_links_account').on(t.organizationId, t.accountId),
    index('portal_links_entry').on(t.organizationId, t.failedTransactionId),
  ],
);
