import type { Clock } from '../../lib/clock';
import { AppError, conflict, notFound } from '../../lib/errors';
import type { Db } from '../../platform/db/db';
import type { AuditService } from '../audit/audit.service';
import type { NotificationsService } from '../notifications/notifications.service';
import type { Organization, OrganizationsService } from '../organizations/organizations.service';
import type { PortalLinks } from '../portal/portal-token';
import { type CardChange, refreshCards } from './card-summary';
import { cardExpiryEmail } from './expiring-cards.email';
import {
  type ExpiringCardKey,
  type ExpiringCardRow,
  ExpiringCardsRepository,
} from './expiring-cards.repository';
import { type ExpiryWindow, expiryWindow } from './expiry-window';

/** A manual reminder at most once per card in this long (the automatic one counts too). */
export const MANUAL_REMINDER_INTERVAL_MS = 24 * 60 * 60 * 1000;
/** How many candidates the reminder run reads at a time. */
const REMINDER_BATCH = 500;

/** 429 with the instant the next manual reminder becomes possible (body `retryAfter`, header `Retry-After`). */
export class ReminderTooSoonError extends AppError {
  constructor(
    readonly retryAfter: Date,
    readonly retryAfterSeconds: number,
  ) {
    super(
      'too_many_requests',
      `A reminder was sent less than 24 hours ago; the next one is possible at ${retryAfter.toISOString()}`,
      {
        extra: { retryAfter: retryAfter.toISOString() },
      },
    );
  }
}

export interface ExpiringCardsPage {
  currency: string;
  rows: ExpiringCardRow[];
  /** the last row's key when another page follows */
  next: ExpiringCardKey | null;
}

/** Action Center §2: wallet cards that expire next month under scheduled payments (EC1–EC3), and EC4's reminder. */
export class ExpiringCardsService {
  private readonly repo = new ExpiringCardsRepository();

  /**
   * The listener of the billing core's writes (registered in the composition root): recomputes the rows of
   * the cards a change touched, in the transaction that made it, so the list is always exact.
   */
  async cardsChanged(tx: Db, change: CardChange): Promise<void> {
    await refreshCards(tx, change);
  }

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      audit: AuditService;
      notifications: NotificationsService;
      organizations: OrganizationsService;
      portalLinks: PortalLinks;
      publicUrl: string;
    },
  ) {}

  private async context(organizationId: string): Promise<{ org: Organization; window: ExpiryWindow }> {
    const org = await this.deps.organizations.get(organizationId);
    return { org, window: expiryWindow(org.timezone, this.deps.clock.now()) };
  }

  async list(
    organizationId: string,
    opts: { limit: number; after?: ExpiringCardKey },
  ): Promise<ExpiringCardsPage> {
    const { org, window } = await this.context(organizationId);
    const rows = await this.repo.list(this.deps.db, organizationId, window, {
      limit: opts.limit + 1,
      after: opts.after,
    });
    const page = rows.slice(0, opts.limit);
    const last = page[page.length - 1];
    return {
      currency: org.currency,
      rows: page,
      next:
        rows.length > opts.limit && last
          ? { nextDate: last.nextDate, ownerName: last.ownerName, paymentMethodId: last.paymentMethodId }
          : null,
    };
  }

  /** The number of rows EC1 lists today (for `GET /action-center/summary`). */
  async countExpiringCards(organizationId: string): Promise<number> {
    const { window } = await this.context(organizationId);
    return this.repo.count(this.deps.db, organizationId, window);
  }

  /**
   * The `card-expiry-reminders` job for one organization (EC4): every listed card whose automatic reminder
   * for this expiry has not gone out gets it, one transaction per card. Idempotent: a second run, or a
   * concurrent one, finds the claim taken and sends nothing.
   */
  async sendDueReminders(organizationId: string): Promise<{ sent: number }> {
    const { org, window } = await this.context(organizationId);
    let sent = 0;
    let after: ExpiringCardKey | undefined;
    for (;;) {
      const batch = await this.repo.list(this.deps.db, organizationId, window, {
        limit: REMINDER_BATCH,
        after,
        unremindedOnly: true,
      });
      for (const row of batch) {
        const now = this.deps.clock.now();
        const done = await this.deps.db.transaction(async (tx) => {
          if (!(await this.repo.claimAutomatic(tx, organizationId, row.paymentMethodId, window, now)))
            return false;
          const email = await this.enqueueEmail(
            tx,
            org,
            row,
            `card-expiry:${row.paymentMethodId}:${window.expiryKey}`,
          );
          await this.deps.audit.record(tx, {
            organizationId,
            actorId: null,
            action: 'expiring_card.reminded',
            subjectType: 'payment_method',
            subjectId: row.paymentMethodId,
            details: {
              automatic: true,
              expiry: window.expiryKey,
              emailId: email.id,
              accountId: row.accountId,
            },
          });
          return email.created;
        });
        if (done) sent++;
      }
      const last = batch[batch.length - 1];
      if (batch.length < REMINDER_BATCH || !last) return { sent };
      after = { nextDate: last.nextDate, ownerName: last.ownerName, paymentMethodId: last.paymentMethodId };
    }
  }

  /** "Send the reminder again": only for a listed card, at most once per 24 hours, audit-logged. */
  async remind(
    organizationId: string,
    actorId: string,
    paymentMethodId: string,
  ): Promise<{ paymentMethodId: string; reminderSentAt: Date }> {
    if (!(await this.repo.exists(this.deps.db, organizationId, paymentMethodId)))
      throw notFound('payment method');
    const { org, window } = await this.context(organizationId);
    const now = this.deps.clock.now();
    const [row] = await this.repo.list(this.deps.db, organizationId, window, { limit: 1, paymentMethodId });
    if (!row) {
      throw conflict(
        'This card is not in the expiring cards list (not in the wallet, not expiring next month, or paying no upcoming payment)',
      );
    }
    this.assertNotTooSoon(row.lastReminderAt, now);
    return this.deps.db.transaction(async (tx) => {
      const claimed = await this.repo.claimManual(
        tx,
        organizationId,
        paymentMethodId,
        window,
        now,
        new Date(now.getTime() - MANUAL_REMINDER_INTERVAL_MS),
      );
      if (!claimed) {
        // Another request sent one between our read and this update.
        const [fresh] = await this.repo.list(tx, organizationId, window, { limit: 1, paymentMethodId });
        if (!fresh) throw conflict('This card is no longer in the expiring cards list');
        this.assertNotTooSoon(fresh.lastReminderAt, now);
        throw conflict('The reminder could not be sent; try again');
      }
      const email = await this.enqueueEmail(
        tx,
        org,
        row,
        `card-expiry-manual:${paymentMethodId}:${now.getTime()}`,
      );
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: 'expiring_card.reminded',
        subjectType: 'payment_method',
        subjectId: paymentMethodId,
        details: { automatic: false, expiry: window.expiryKey, emailId: email.id, accountId: row.accountId },
      });
      return { paymentMethodId, reminderSentAt: now };
    });
  }

  private assertNotTooSoon(lastReminderAt: Date | null, now: Date): void {
    if (!lastReminderAt) return;
    const retryAfter = new Date(lastReminderAt.getTime() + MANUAL_REMINDER_INTERVAL_MS);
    if (retryAfter.getTime() > now.getTime()) {
      throw new ReminderTooSoonError(retryAfter, Math.ceil((retryAfter.getTime() - now.getTime()) / 1000));
    }
  }

  private async enqueueEmail(tx: Db, org: Organization, row: ExpiringCardRow, dedupeKey: string) {
    // EC4: the link replaces this card only; the log keeps it without a token (minted when sent).
    const { url: updateCardUrl } = await this.deps.portalLinks.create(tx, {
      organizationId: org.id,
      accountId: row.accountId,
      purpose: 'card_expiry',
      paymentMethodId: row.paymentMethodId,
    });
    const content = cardExpiryEmail({
      locale: row.ownerLocale,
      organization: {
        name: org.name,
        logoUrl: this.deps.organizations.logoUrl(org),
        contactEmail: org.contactEmail,
      },
      ownerName: row.ownerName,
      brand: row.brand,
      last4: row.last4,
      expMonth: row.expMonth,
      expYear: row.expYear,
      upcomingCount: row.count,
      nextDate: row.nextDate,
      nextAmount: row.nextAmount,
      amountAtRisk: row.amountAtRisk,
      currency: org.currency,
      updateCardUrl,
    });
    return this.deps.notifications.enqueue(tx, {
      organizationId: org.id,
      dedupeKey,
      kind: 'card_expiry_reminder',
      to: row.ownerEmail,
      locale: row.ownerLocale,
      ...content,
      subjectType: 'payment_method',
      subjectId: row.paymentMethodId,
    });
  }
}
