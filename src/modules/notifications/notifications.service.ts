import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Locale } from '../../lib/locale';
import type { Db } from '../../platform/db/db';
import type { JobQueue } from '../../platform/jobs/queue';
import type { MailTransport } from './mail-transport';
import { emails } from './notifications.table';

export interface NewEmail {
  organizationId: string;
  /** one e-mail per key and organization, ever: e.g. `card-expiry:pm_…:2026-12` */
  dedupeKey: string;
  kind: string;
  to: string;
  locale: Locale;
  subject: string;
  html: string;
  text: string;
  subjectType?: string;
  subjectId?: string;
}

export type EmailRow = typeof emails.$inferSelect;

/**
 * The outbox: an e-mail is written in the business transaction (with a dedupe key) and delivered by the
 * `email-delivery` job, which pg-boss retries with backoff while the SMTP server is down.
 */
export class NotificationsService {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      queue: JobQueue;
      transport: MailTransport;
      fromAddress: string;
      /**
       * Puts the real links in a message on its way to SMTP (the portal's tokens). The log keeps the
       * message as written, whose links carry no usable token.
       */
      links?: { mintInto(organizationId: string, parts: string[]): Promise<string[]> };
    },
  ) {}

  /** Writes the e-mail unless its dedupe key was used before; returns it and whether it is new. */
  async enqueue(tx: Db, email: NewEmail): Promise<{ id: string; created: boolean }> {
    const id = newId('email');
    const inserted = await tx
      .insert(emails)
      .values({
        ...email,
        id,
        status: 'queued',
        subjectType: email.subjectType ?? null,
        subjectId: email.subjectId ?? null,
        createdAt: this.deps.clock.now(),
      })
      .onConflictDoNothing({ target: [emails.organizationId, emails.dedupeKey] })
      .returning({ id: emails.id });
    if (inserted.length === 0) {
      const [existing] = await tx
        .select({ id: emails.id })
        .from(emails)
        .where(and(eq(emails.organizationId, email.organizationId), eq(emails.dedupeKey, email.dedupeKey)))
        .limit(1);
      return { id: existing!.id, created: false };
    }
    await this.deps.queue.enqueue(tx, 'email-delivery', {
      organizationId: email.organizationId,
      emailId: id,
    });
    return { id, created: true };
  }

  /** The `email-delivery` job: idempotent — a sent or logged e-mail is never sent again. */
  async deliver(organizationId: string, emailId: string): Promise<EmailRow['status']> {
    const db = this.deps.db;
    const [email] = await db
      .select()
      .from(emails)
      .where(and(eq(emails.organizationId, organizationId), eq(emails.id, emailId)))
      .limit(1);
    if (!email || email.status === 'sent' || email.status === 'logged') return email?.status ?? 'failed';
    if (this.deps.transport.kind === 'log') {
      await db
        .update(emails)
        .set({ status: 'logged', attempts: email.attempts + 1 })
        .where(and(eq(emails.organizationId, organizationId), eq(emails.id, emailId)));
      return 'logged';
    }
    try {
      const [html, text] = this.deps.links
        ? await this.deps.links.mintInto(organizationId, [email.html, email.text])
        : [email.html, email.text];
      await this.deps.transport.send({
        messageId: `<${email.id}@recoup>`,
        from: this.deps.fromAddress,
        to: email.to,
        subject: email.subject,
        html: html!,
        text: text!,
      });
    } catch (err) {
      await db
        .update(emails)
        .set({ attempts: email.attempts + 1, lastError: (err as Error).message.slice(0, 500) })
        .where(and(eq(emails.organizationId, organizationId), eq(emails.id, emailId)));
      throw err;
    }
    await db
      .update(emails)
      .set({ status: 'sent', attempts: email.attempts + 1, sentAt: this.deps.clock.now(), lastError: null })
      .where(and(eq(emails.organizationId, organizationId), eq(emails.id, emailId)));
    return 'sent';
  }

  /**
   * The sandbox's stand-in for the recipient's mailbox (no SMTP there): the message with its links made
   * usable now, as SMTP would have received it. Each call gives new tokens (the previous ones stop).
   */
  async openAsRecipient(organizationId: string, emailId: string): Promise<{ html: string; text: string }> {
    const email = await this.get(organizationId, emailId);
    const [html, text] = this.deps.links
      ? await this.deps.links.mintInto(organizationId, [email.html, email.text])
      : [email.html, email.text];
    return { html: html!, text: text! };
  }

  async list(
    organizationId: string,
    opts: { limit: number; after?: { at: Date; id: string }; kind?: string },
  ) {
    const conditions = [eq(emails.organizationId, organizationId)];
    if (opts.kind) conditions.push(eq(emails.kind, opts.kind));
    if (opts.after) {
      conditions.push(
        or(
          lt(emails.createdAt, opts.after.at),
          and(eq(emails.createdAt, opts.after.at), lt(emails.id, opts.after.id)),
        )!,
      );
    }
    return this.deps.db
      .select()
      .from(emails)
      .where(and(...conditions))
      .orderBy(desc(emails.createdAt), desc(emails.id))
      .limit(opts.limit + 1);
  }

  async get(organizationId: string, id: string): Promise<EmailRow> {
    const [email] = await this.deps.db
      .select()
      .from(emails)
      .where(and(eq(emails.organizationId, organizationId), eq(emails.id, id)))
      .limit(1);
    if (!email) throw notFound('e-mail');
    return email;
  }
}
