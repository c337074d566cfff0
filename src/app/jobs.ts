import { AppError } from '../lib/errors';
import { runInOrganization } from '../lib/organization-context';
import type { RunnableJob } from '../platform/jobs/registry';
import { log } from '../platform/log';

/**
 * Binds every job name of `platform/jobs/registry` to the service that does the work.
 * Scheduled jobs run for every organization unless a payload names one.
 */
export interface RunnablePayload {
  organizationId?: string;
}

export function registerJobs(c: {
  queue: import('../platform/jobs/queue').JobQueue;
  organizations: import('../modules/organizations/organizations.service').OrganizationsService;
  sandboxClock: import('../modules/sandbox/sandbox-clock.service').SandboxClockService | null;
  notifications: import('../modules/notifications/notifications.service').NotificationsService;
  failedTransactions: import('../modules/failed-transactions/failed-transactions.service').FailedTransactionsService;
  failedTransactionNotices: import('../modules/failed-transactions/failed-transactions.notices').FailedTransactionNotices;
  reconciliation: import('../modules/reconciliation/reconciliation.service').ReconciliationService;
  expiringCards: import('../modules/expiring-cards/expiring-cards.service').ExpiringCardsService;
  schedules: import('../modules/schedules/schedules.service').SchedulesService;
  payments: import('../modules/payments/payments.service').PaymentsService;
  audit: import('../modules/audit/audit.service').AuditService;
  db: import('../platform/db/db').Db;
}) {
  const forEachOrganization =
    (name: RunnableJob, work: (organizationId: string) => Promise<unknown>) =>
    async (data: RunnablePayload) => {
      // A worker may run in another process than the one that moved the sandbox clock.
      await c.sandboxClock?.refresh();
      const ids = data.organizationId ? [data.organizationId] : await c.organizations.listIds();
      const results: unknown[] = [];
      // One organization whose run throws is logged with its ID and recorded in its audit log; the run
      // goes on for the others, and the next scheduled run tries it again (every job is idempotent).
      // A run asked for one organization (CLI, sandbox) reports its failure to the caller instead.
      for (const id of ids) {
        try {
          // Each organization's run happens at its own instant (its sandbox clock).
          results.push(await runInOrganization(id, () => work(id)));
        } catch (err) {
          if (data.organizationId) throw err;
          log.error({ err, job: name, organizationId: id }, 'scheduled job failed for one organization');
          results.push({ organizationId: id, error: (err as Error).message });
          await c.db
            .transaction((tx) =>
              c.audit.record(tx, {
                organizationId: id,
                actorId: null,
                action: 'job.failed',
                subjectType: 'organization',
                subjectId: id,
                details: { job: name, error: (err as Error).message },
              }),
            )
            .catch(() => undefined);
        }
      }
      return results;
    };

  const scheduled: Record<RunnableJob, (organizationId: string) => Promise<unknown>> = {
    // Due charges in each organization's time zone; claimed rows and gateway keys make it exactly once.
    'payments-due': (organizationId) => c.schedules.runPaymentsDue(organizationId),
    // eCheck debits presented two business days ago or more settle or come back returned.
    'echeck-settlement': (organizationId) => c.payments.settleEchecks(organizationId),
    // FT10: hourly; each organization gets its digest in the first run after 07:00 local time, once a day.
    'daily-digest': (organizationId) => c.failedTransactionNotices.dailyDigest(organizationId),
    // EC4: hourly; each run reminds the cards that are in the window today in the organization's zone.
    'card-expiry-reminders': (organizationId) => c.expiringCards.sendDueReminders(organizationId),
    // MS5: money attempts a crash left unanswered are finished with the gateway's answer or released.
    'payments-sweeper': (organizationId) => c.payments.sweep(organizationId),
  };
  for (const [name, work] of Object.entries(scheduled)) {
    c.queue.register({ name: name as RunnableJob, handler: forEachOrganization(name as RunnableJob, work) });
  }

  // The bulk reconcile: one run per job_runs row; the handler re-reads the row, so a re-delivery is harmless.
  c.queue.register({
    name: 'reconcile-all',
    expireInSeconds: 3600,
    handler: async (data: import('../modules/reconciliation/reconciliation.service').ReconcileAllPayload) => {
      await c.sandboxClock?.refresh();
      return c.reconciliation.runReconcileAll(data);
    },
  });

  // FT3: one attempt per retry request; the handler only acts on an entry still `retrying` (idempotent).
  // An attempt that throws is tried again (the gateway call is idempotent); after the last try the entry is
  // put back on the list as `open`.
  const RETRY_ATTEMPT_TRIES = 3;
  c.queue.register({
    name: 'failed-transaction-retry',
    retryLimit: RETRY_ATTEMPT_TRIES,
    retryDelay: 10,
    retryBackoff: true,
    handler: async (data: { organizationId: string; failedTransactionId: string }, ctx) => {
      await c.sandboxClock?.refresh();
      try {
        return await c.failedTransactions.runRetry(data.organizationId, data.failedTransactionId);
      } catch (err) {
        // A refusal (e.g. the scheduled payment was paid meanwhile) will not change on a new try.
        const refused = err instanceof AppError && err.status < 500;
        if (refused || ctx.retryCount >= RETRY_ATTEMPT_TRIES || ctx.jobId === 'inline') {
          await c.failedTransactions.releaseStuckRetry(data.organizationId, data.failedTransactionId);
          if (refused) return { refused: (err as Error).message };
        }
        throw err;
      }
    },
  });

  // FT11: written by the billing core when a payment fails; one notice per failed attempt (dedupe key).
  c.queue.register({
    name: 'customer-notice',
    retryLimit: 5,
    retryDelay: 30,
    retryBackoff: true,
    handler: async (data: { organizationId: string; failedTransactionId: string }) => {
      await c.sandboxClock?.refresh();
      return c.failedTransactionNotices.customerNotice(data.organizationId, data.failedTransactionId);
    },
  });

  // An SMTP server that is down is retried with backoff: 5 s, 10 s, 20 s … up to 10 min, for about a day.
  c.queue.register({
    name: 'email-delivery',
    retryLimit: 150,
    retryDelay: 5,
    retryBackoff: true,
    retryDelayMax: 600,
    handler: async (data: { organizationId: string; emailId: string }) =>
      c.notifications.deliver(data.organizationId, data.emailId),
  });
}
