import { date, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * The e-mail outbox and delivery log. A row is written in the business transaction with a dedupe key,
 * then a job delivers it; the key makes "exactly once per card and expiry" or "one digest a day" hold
 * even when two workers run the same job.
 */
export const emails = pgTable(
  'emails',
  {
    organizationId: text('organization_id').notNull(),
    id: text('id').notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    kind: text('kind').notNull(),
    to: text('to').notNull(),
    locale: text('locale').notNull(),
    subject: text('subject').notNull(),
    html: text('html').notNull(),
    text: text('text').notNull(),
    status: text('status', { enum: ['queued', 'sent', 'logged', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    subjectType: text('subject_type'),
    subjectId: text('subject_id'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('emails_dedupe').on(t.organizationId, t.dedupeKey),
    index('emails_created').on(t.organizationId, t.createdAt, t.id),
  ],
);
