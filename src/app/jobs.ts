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
    'card-expiry-reminders': async () => ({ sent: 0 }),
  };
  for (const [name, work] of Object.entries(scheduled)) {
    c.queue.register({ name: name as RunnableJob, handler: forEachOrganization(work) });
  }
}
