import { desc, eq } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { todayIn, zonedParts } from '../../lib/dates';
import type { Db } from '../../platform/db/db';
import { failureMessage, normalizeLocale } from '../gateway/failure-codes';
import type { NotificationsService } from '../notifications/notifications.service';
import type { OrganizationsService } from '../organizations/organizations.service';
import type { PortalLinks } from '../portal/portal-token';
import type { UsersService } from '../users/users.service';
import type { FailedTransactionsRepository } from './failed-transactions.repository';
import { digestRuns } from './failed-transactions.table';
import { renderDigestEmail } from './templates/failed-transactions-digest.email';
import { renderPaymentFailedEmail } from './templates/payment-failed.email';

/** FT10: the digest goes out in the hour each organization reaches 07:00 local time. */
export const DIGEST_LOCAL_HOUR = 7;
const DAY_MS = 86_400_000;

/**
 * The e-mails of section 1: the customer notice (FT11) and the daily digest (FT10). Both write to the
 * outbox (NotificationsService) in one transaction with their dedupe keys; delivery is the outbox's job.
 */
export class FailedTransactionNotices {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      repository: FailedTransactionsRepository;
      organizations: OrganizationsService;
      users: UsersService;
      notifications: NotificationsService;
      portalLinks: PortalLinks;
      publicUrl: string;
    },
  ) {}

  /**
   * The `customer-notice` job. One e-mail per failed attempt of a payment — the dedupe key carries the
   * attempt number, so a job run twice sends nothing new, while a retry that fails again tells the owner
   * again (the amount is still due and the link is fresh). Never for a refund (the customer is owed money,
   * there is nothing for them to do), nor for an entry already recovered or ignored.
   */
  async customerNotice(
    organizationId: string,
    failedTransactionId: string,
    /** a resend asked by an administrator: its own dedupe key, beside the attempt's notice */
    opts: { resend?: string } = {},
  ) {
    const { db, repository } = this.deps;
    const entry = await repository.get(db, organizationId, failedTransactionId);
    if (!entry || entry.type === 'refund') return { sent: false, why: entry ? 'refund' : 'missing' };
    if (entry.status !== 'open' && entry.status !== 'retrying') return { sent: false, why: entry.status };
    const owner = await repository.owner(db, organizationId, entry.accountId);
    if (!owner) return { sent: false, why: 'no_owner' };
    const org = await this.deps.organizations.get(organizationId);
    const locale = normalizeLocale(owner.locale);
    const result = await db.transaction(async (tx) => {
      // FT11: the link pays this entry only; the log keeps it without a token (minted when sent).
      const link = await this.deps.portalLinks.create(tx, {
        organizationId,
        accountId: entry.accountId,
        purpose: 'failed_payment',
        failedTransactionId: entry.id,
      });
      const email = renderPaymentFailedEmail({
        locale,
        organization: {
          name: org.name,
          logoUrl: this.deps.organizations.logoUrl(org),
          contactEmail: org.contactEmail,
        },
        ownerName: owner.name,
        amountMinor: entry.amountMinor,
        currency: entry.currency,
        paymentId: entry.paymentId,
        reason: failureMessage(entry.reasonCode, locale),
        portalUrl: link.url,
      });
      const queued = await this.deps.notifications.enqueue(tx, {
        organizationId,
        dedupeKey: `payment-failed:${entry.id}:${entry.attempts}${opts.resend ? `:resend:${opts.resend}` : ''}`,
        kind: 'customer_payment_failed',
        to: owner.email,
        locale,
        ...email,
        subjectType: 'failed_transaction',
        subjectId: entry.id,
      });
      if (!queued.created) await this.deps.portalLinks.revoke(tx, organizationId, link.id, 'not_sent');
      return queued;
    });
    return { sent: result.created, emailId: result.id };
  }

  /**
   * The `daily-digest` job for one organization (run hourly). Once the organization's local time is past
   * 07:00, the `digest_runs` row for its local date is inserted; its primary key makes the digest happen
   * once per organization and day whoever runs the job, and concurrently (the loser inserts nothing and
   * stops). The e-mails are written in the same transaction, so a run either claims the day and queues
   * them, or does neither.
   */
  async dailyDigest(organizationId: string) {
    const now = this.deps.clock.now();
    const org = await this.deps.organizations.get(organizationId);
    if (zonedParts(now, org.timezone).hour < DIGEST_LOCAL_HOUR) return { sent: 0, why: 'before_7' };
    const localDate = todayIn(org.timezone, now);
    const people = await this.deps.users.list(organizationId);
    const recipients = people.filter((u) => u.id === org.billingContactUserId || u.failedTransactionsDigest);
    return this.deps.db.transaction(async (tx) => {
      // FT10: the failures since the previous digest, exactly: from where the last one stopped (its
      // `through_at`) up to now, so a late or skipped run neither misses nor repeats a failure. The first
      // digest of an organization covers the last 24 hours.
      const [previous] = await tx
        .select({ throughAt: digestRuns.throughAt })
        .from(digestRuns)
        .where(eq(digestRuns.organizationId, organizationId))
        .orderBy(desc(digestRuns.localDate))
        .limit(1);
      const since = previous?.throughAt ?? new Date(now.getTime() - DAY_MS);
      const lines = await this.deps.repository.failedSince(organizationId, since, now, tx);
      const claimed = await tx
        .insert(digestRuns)
        .values({ organizationId, localDate, failures: lines.length, throughAt: now, createdAt: now })
        .onConflictDoNothing()
        .returning({ localDate: digestRuns.localDate });
      if (claimed.length === 0) return { sent: 0, why: 'already_done' };
      if (lines.length === 0) return { sent: 0, why: 'nothing_failed' };
      let sent = 0;
      for (const user of recipients) {
        const locale = normalizeLocale(user.locale ?? org.locale);
        const email = renderDigestEmail({
          locale,
          organization: {
            name: org.name,
            logoUrl: this.deps.organizations.logoUrl(org),
            contactEmail: org.contactEmail,
          },
          timeZone: org.timezone,
          localDate,
          lines: lines.map((l) => ({ ...l, failedAt: l.firstFailedAt })),
          manageUrl: `${this.deps.publicUrl}/action-center/failed-transactions`,
        });
        const result = await this.deps.notifications.enqueue(tx, {
          organizationId,
          dedupeKey: `digest:${localDate}:${user.id}`,
          kind: 'failed_transactions_digest',
          to: user.email,
          locale,
          ...email,
          subjectType: 'organization',
          subjectId: organizationId,
        });
        if (result.created) sent++;
      }
      return { sent, failures: lines.length };
    });
  }
}
