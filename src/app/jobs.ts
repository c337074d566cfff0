import type { RunnableJob } from '../platform/jobs/registry';

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
  reconciliation: import('../modules/reconciliation/reconciliation.service').ReconciliationService;
  expiringCards: import('../modules/expiring-cards/expiring-cards.service').ExpiringCardsService;
}) {
  const forEachOrganization =
    (work: (organizationId: string) => Promise<unknown>) => async (data: RunnablePayload) => {
      // A worker may run in another process than the one that moved the sandbox clock.
      await c.sandboxClock?.refresh();
      const ids = data.organizationId ? [data.organizationId] : await c.organizations.listIds();
      const results: unknown[] = [];
      for (const id of ids) results.push(await work(id));
      return results;
    };

  const scheduled: Record<RunnableJob, (organizationId: string) => Promise<unknown>> = {
    'payments-due': async () => ({ charged: 0 }),
    'echeck-settlement': async () => ({ settled: 0 }),
    'daily-digest': async () => ({ sent: 0 }),
    // EC4: hourly; each run reminds the cards that are in the window today in the organization's zone.
    'card-expiry-reminders': (organizationId) => c.expiringCards.sendDueReminders(organizationId),
  };
  for (const [name, work] of Object.entries(scheduled)) {
    c.queue.register({ name: name as RunnableJob, handler: forEachOrganization(work) });
  }

  // The bulk reconcile (issue 6): one run per job_runs row; the handler re-reads the row, so a re-delivery is harmless.
  c.queue.register({
    name: 'reconcile-all',
    expireInSeconds: 3600,
    handler: async (data: import('../modules/reconciliation/reconciliation.service').ReconcileAllPayload) => {
      await c.sandboxClock?.refresh();
      return c.reconciliation.runReconcileAll(data);
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
