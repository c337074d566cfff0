import { runInOrganization } from '../lib/organization-context';
import { expiringCardsJobs } from '../modules/expiring-cards/expiring-cards.jobs';
import { failedTransactionsJobs } from '../modules/failed-transactions/failed-transactions.jobs';
import { stripeJobs } from '../modules/gateway/stripe/stripe.jobs';
import { notificationsJobs } from '../modules/notifications/notifications.jobs';
import { paymentsJobs } from '../modules/payments/payments.jobs';
import { reconciliationJobs } from '../modules/reconciliation/reconciliation.jobs';
import { recoveryJobs } from '../modules/recovery/recovery.jobs';
import { schedulesJobs } from '../modules/schedules/schedules.jobs';
import type { EachOrganization, JobDefinition, JobName } from '../platform/jobs/define';
import { log } from '../platform/log';
import type { Services } from './container';

/**
 * Collects every module's job definitions (`*.jobs.ts`) and registers them on the queue; the schedules
 * that start the scheduled ones are listed in `platform/jobs/registry` (SCHEDULES).
 */
export function registerJobs(
  c: Pick<
    Services,
    | 'queue'
    | 'organizations'
    | 'sandboxClock'
    | 'notifications'
    | 'failedTransactions'
    | 'failedTransactionNotices'
    | 'reconciliation'
    | 'expiringCards'
    | 'schedules'
    | 'payments'
    | 'recovery'
    | 'stripeWebhooks'
    | 'audit'
    | 'db'
  >,
) {
  const eachOrganization: EachOrganization = (job, work) => async (data) => {
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
        log.error({ err, job, organizationId: id }, 'scheduled job failed for one organization');
        results.push({ organizationId: id, error: (err as Error).message });
        await c.db
          .transaction((tx) =>
            c.audit.record(tx, {
              organizationId: id,
              actorId: null,
              action: 'job.failed',
              subjectType: 'organization',
              subjectId: id,
              details: { job, error: (err as Error).message },
            }),
          )
          .catch(() => undefined);
      }
    }
    return results;
  };

  const jobs: JobDefinition<JobName>[] = [
    ...schedulesJobs({ ...c, eachOrganization }),
    ...paymentsJobs({ ...c, eachOrganization }),
    ...failedTransactionsJobs({ ...c, eachOrganization }),
    ...expiringCardsJobs({ ...c, eachOrganization }),
    ...recoveryJobs({ ...c, eachOrganization }),
    ...reconciliationJobs(c),
    ...notificationsJobs(c),
    ...stripeJobs(c),
  ];
  for (const job of jobs) c.queue.register(withSandboxClock(c.sandboxClock, job));
}

/**
 * A worker may run in another process than the one that moved the sandbox clock, a moment ago: every
 * handler reads the clock fresh before it works (one small query per run; the per-request read is
 * throttled to once a second, which a due run started right after a clock move on another process beat,
 * test/flows/pgbouncer.test.ts).
 */
export function withSandboxClock<N extends JobName>(
  sandboxClock: Services['sandboxClock'],
  job: JobDefinition<N>,
): JobDefinition<N> {
  if (!sandboxClock) return job;
  return {
    ...job,
    handler: async (data, ctx) => {
      await sandboxClock.load();
      return job.handler(data, ctx);
    },
  };
}
