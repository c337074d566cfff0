import { desc, eq } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { todayIn, zonedParts } from '../../lib/dates';
import type { Db } from '../../platform/db/db';
import { failureMessage, normalizeLocale } from '../gateway/failure-codes';
import type { NotificationsService } from '../notifications/notifications.service';
import type { Organization, OrganizationsService } from '../organizations/organizations.service';
import type { PortalLinks } from '../portal/portal-token';
import type { UsersService } from '../users/users.service';
import type { FailedTransactionsRepository } from './failed-transactions.repository';
import { digestRuns } from './failed-transactions.table';
import { renderFinalNoticeEmail, renderRetryReminderEmail } from './templates/dunning.email';
import { formatAttemptAt } from './templates/dunning-dates';
import { renderDigestEmail } from './templates/failed-transactions-digest.email';
import { renderPaymentFailedEmail } from './templates/payment-failed.email';

/** FT10: the digest goes out in the hour each organization reaches 07:00 local time. */
export const DIGEST_LOCAL_HOUR = 7;
const DAY_MS = 86_400_000;

/** The dunning e-mails an organization can turn on or off (its retry policy's `emails`). */
export interface DunningEmailFlags {
  failureNotice: boolean;
  reminderBeforeRetry: boolean;
  finalNotice: boolean;
}
export const DUNNING_EMAILS = ['failure-notice', 'reminder-before-retry', 'final-notice'] as const;
export type DunningEmailKind = (typeof DUNNING_EMAILS)[number];

/** What the recovery module says about dunning one account now (RC5 and the policy's `emails`). */
export interface DunningState {
  paused: boolean;
  emails: DunningEmailFlags;
  afterLastRetry: 'leave_open' | 'pause' | 'cancel';
}
export interface DunningRules {
  dunningState(organizationId: string, accountId: string): Promise<DunningState>;
}
const NO_DUNNING_RULES: DunningRules = {
  dunningState: async () => ({
    paused: false,
    emails: { failureNotice: true, reminderBeforeRetry: false, finalNotice: true },
    afterLastRetry: 'leave_open',
  }),
};

type Entry = NonNullable<Awaited<ReturnType<FailedTransactionsRepository['get']>>>;

/**
 * The last automatic retry of the policy failed and nothing more will be tried by itself: the owner's
 * notice of this failure is the final notice. (A later manual retry that fails is a plain failure again.)
 */
export function isFinalFailure(entry: Entry): boolean {
  return (
    entry.retryOrigin === 'automatic' &&
    entry.automaticRetries > 0 &&
    entry.nextRetryAt === null &&
    entry.automaticRetriesLeft === 0
  );
}

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
      /** RC5 and the policy's `emails` flags (recovery module); without it every notice goes out */
      dunning?: DunningRules;
    },
  ) {}

  /** What every e-mail shows of the organization: its name, logo and contact address. */
  private brand(org: Organization) {
    return { name: org.name, logoUrl: this.deps.organizations.logoUrl(org), contactEmail: org.contactEmail };
  }

  private get dunning(): DunningRules {
    return this.deps.dunning ?? NO_DUNNING_RULES;
  }

  /**
   * Every dunning e-mail carries an update-and-pay link for THIS entry (FT11, purpose-bound): the link is
   * created in the e-mail's transaction, the log keeps the message without a usable token (minted when it
   * is sent), and a link whose e-mail was a duplicate (not queued) is revoked at once.
   */
  private withPayLink(
    organizationId: string,
    entry: Entry,
    email: (
      portalUrl: string,
    ) => Omit<Parameters<NotificationsService['enqueue']>[1], 'organizationId' | 'subjectType' | 'subjectId'>,
  ) {
    return this.deps.db.transaction(async (tx) => {
      const link = await this.deps.portalLinks.create(tx, {
        organizationId,
        accountId: entry.accountId,
        purpose: 'failed_payment',
        failedTransactionId: entry.id,
      });
      const queued = await this.deps.notifications.enqueue(tx, {
        organizationId,
        ...email(link.url),
        subjectType: 'failed_transaction',
        subjectId: entry.id,
      });
      if (!queued.created) await this.deps.portalLinks.revoke(tx, organizationId, link.id, 'not_sent');
      return queued;
    });
  }

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
    // RC5: no dunning e-mail while the account is paused (it is not sent later either: the pause is the
    // organization's decision to leave the owner alone; the entry stays on the list).
    const dunning = await this.dunning.dunningState(organizationId, entry.accountId);
    if (dunning.paused) return { sent: false, why: 'dunning_paused' };
    const final = isFinalFailure(entry);
    if (final && dunning.emails.finalNotice) {
      return this.finalNotice(organizationId, entry, dunning);
    }
    if (!dunning.emails.failureNotice) return { sent: false, why: 'disabled' };
    const owner = await repository.owner(db, organizationId, entry.accountId);
    if (!owner) return { sent: false, why: 'no_owner' };
    const org = await this.deps.organizations.get(organizationId);
    const locale = normalizeLocale(owner.locale);
    const nextAttempt =
      entry.status === 'open' && entry.nextRetryAt
        ? formatAttemptAt(entry.nextRetryAt, locale, org.timezone)
        : null;
    const result = await this.withPayLink(organizationId, entry, (portalUrl) => ({
      dedupeKey: `payment-failed:${entry.id}:${entry.attempts}${opts.resend ? `:resend:${opts.resend}` : ''}`,
      kind: 'customer_payment_failed',
      to: owner.email,
      locale,
      ...renderPaymentFailedEmail({
        locale,
        organization: this.brand(org),
        ownerName: owner.name,
        amountMinor: entry.amountMinor,
        currency: entry.currency,
        paymentId: entry.paymentId,
        reason: failureMessage(entry.reasonCode, locale),
        portalUrl,
        nextAttempt,
        method: entry.paymentMethodType,
      }),
    }));
    return { sent: result.created, emailId: result.id };
  }

  /** The final notice, once per entry: the policy's automatic retries are over (RC4: none left). */
  private async finalNotice(organizationId: string, entry: Entry, dunning: DunningState) {
    const { db, repository } = this.deps;
    const owner = await repository.owner(db, organizationId, entry.accountId);
    if (!owner) return { sent: false, why: 'no_owner' };
    const org = await this.deps.organizations.get(organizationId);
    const locale = normalizeLocale(owner.locale);
    const result = await this.withPayLink(organizationId, entry, (portalUrl) => ({
      dedupeKey: `payment-final:${entry.id}`,
      kind: 'customer_final_notice',
      to: owner.email,
      locale,
      ...renderFinalNoticeEmail({
        locale,
        organization: this.brand(org),
        ownerName: owner.name,
        amountMinor: entry.amountMinor,
        currency: entry.currency,
        paymentId: entry.paymentId,
        reason: failureMessage(entry.reasonCode, locale),
        portalUrl,
        step: dunning.afterLastRetry,
        subscription: entry.type === 'subscription',
        method: entry.paymentMethodType,
      }),
    }));
    return { sent: result.created, emailId: result.id, final: true };
  }

  /**
   * The optional reminder the day before an automatic retry of a card (the policy's
   * `emails.reminderBeforeRetry`), run with `automatic-retries`: every open card entry whose next automatic
   * retry falls within the coming 24 hours, once per planned retry (the dedupe key carries the number of
   * automatic retries made), never for an account under a dunning pause (RC5).
   */
  async retryReminders(organizationId: string) {
    const { db, repository } = this.deps;
    const now = this.deps.clock.now();
    const due = await repository.retriesWithin(db, organizationId, now, new Date(now.getTime() + DAY_MS));
    const result = { sent: 0, paused: 0, disabled: 0 };
    if (due.length === 0) return result;
    const org = await this.deps.organizations.get(organizationId);
    for (const entry of due) {
      const dunning = await this.dunning.dunningState(organizationId, entry.accountId);
      if (dunning.paused) {
        result.paused++;
        continue;
      }
      if (!dunning.emails.reminderBeforeRetry) {
        result.disabled++;
        continue;
      }
      const owner = await repository.owner(db, organizationId, entry.accountId);
      if (!owner || !entry.nextRetryAt) continue;
      const locale = normalizeLocale(owner.locale);
      const retryAt = formatAttemptAt(entry.nextRetryAt, locale, org.timezone);
      const done = await this.withPayLink(organizationId, entry, (portalUrl) => ({
        dedupeKey: `retry-reminder:${entry.id}:${entry.automaticRetries}`,
        kind: 'customer_retry_reminder',
        to: owner.email,
        locale,
        ...renderRetryReminderEmail({
          locale,
          organization: this.brand(org),
          ownerName: owner.name,
          amountMinor: entry.amountMinor,
          currency: entry.currency,
          paymentId: entry.paymentId,
          reason: failureMessage(entry.reasonCode, locale),
          portalUrl,
          retryAt,
          method: entry.paymentMethodType,
        }),
      }));
      if (done.created) result.sent++;
    }
    return result;
  }

  /**
   * What each dunning e-mail looks like, for the Settings page: sample owner and amounts, the
   * organization's own name, logo and contact address, and a link that opens nothing (no token).
   */
  async preview(organizationId: string, kind: DunningEmailKind, locale: 'fr-CA' | 'en-CA') {
    const org = await this.deps.organizations.get(organizationId);
    const now = this.deps.clock.now();
    const sample = {
      locale,
      organization: this.brand(org),
      ownerName: locale === 'fr-CA' ? 'Marie Tremblay' : 'Alex Martin',
      amountMinor: 4500n,
      currency: org.currency,
      paymentId: 'pay_preview',
      reason: failureMessage(kind === 'final-notice' ? 'card_declined' : 'insufficient_funds', locale),
      portalUrl: `${this.deps.publicUrl}/portal/pay?token=preview`,
      method: 'card' as const,
    };
    const when = formatAttemptAt(new Date(now.getTime() + 2 * DAY_MS), locale, org.timezone);
    if (kind === 'reminder-before-retry') return renderRetryReminderEmail({ ...sample, retryAt: when });
    if (kind === 'final-notice') {
      const dunning = await this.dunning.dunningState(organizationId, '');
      return renderFinalNoticeEmail({ ...sample, step: dunning.afterLastRetry, subscription: true });
    }
    return renderPaymentFailedEmail({ ...sample, nextAttempt: when });
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
    const recovery = await this.deps.repository.digestRecovery(
      organizationId,
      new Date(now.getTime() - DAY_MS),
      now,
      new Date(now.getTime() + DAY_MS),
    );
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
          organization: this.brand(org),
          timeZone: org.timezone,
          localDate,
          lines: lines.map((l) => ({ ...l, failedAt: l.firstFailedAt })),
          scheduledRetries: recovery.scheduled.map((l) => ({ ...l, at: l.nextRetryAt! })),
          recoveries: recovery.recovered.map((l) => ({ ...l, at: l.resolvedAt! })),
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
