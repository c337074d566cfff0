import { type Static, Type } from 'typebox';
import { AppError } from '../../lib/errors';
import { defineJob, type EachOrganization, OrganizationRunPayload } from '../../platform/jobs/define';
import type { FailedTransactionNotices } from './failed-transactions.notices';
import type { FailedTransactionsService } from './failed-transactions.service';

/** The failed entry a job works on. */
export const FailedEntryPayload = Type.Object({
  organizationId: Type.String(),
  failedTransactionId: Type.String(),
});

declare module '../../platform/jobs/define' {
  interface JobPayloads {
    'failed-transaction-retry': Static<typeof FailedEntryPayload>;
    'customer-notice': Static<typeof FailedEntryPayload>;
    'daily-digest': OrganizationRunPayload;
  }
}

/** FT3: an attempt that throws is tried again this many times (the gateway call is idempotent). */
export const RETRY_ATTEMPT_TRIES = 3;

/** FT3: one attempt per retry request; the handler only acts on an entry still `retrying` (idempotent). */
export const failedTransactionRetryJob = (failedTransactions: FailedTransactionsService) =>
  defineJob({
    name: 'failed-transaction-retry',
    payload: FailedEntryPayload,
    retry: { limit: RETRY_ATTEMPT_TRIES, delaySeconds: 10, backoff: true },
    dedupeKey: (data) => data.failedTransactionId,
    handler: async (data, ctx) => {
      try {
        return await failedTransactions.runRetry(data.organizationId, data.failedTransactionId);
      } catch (err) {
        // A refusal (e.g. the scheduled payment was paid meanwhile) will not change on a new try. After the
        // last try the entry is put back on the list as `open`.
        const refused = err instanceof AppError && err.status < 500;
        if (refused || ctx.retryCount >= RETRY_ATTEMPT_TRIES || ctx.jobId === 'inline') {
          await failedTransactions.releaseStuckRetry(data.organizationId, data.failedTransactionId);
          if (refused) return { refused: (err as Error).message };
        }
        throw err;
      }
    },
  });

export const failedTransactionsJobs = (deps: {
  failedTransactions: FailedTransactionsService;
  failedTransactionNotices: FailedTransactionNotices;
  eachOrganization: EachOrganization;
}) => [
  failedTransactionRetryJob(deps.failedTransactions),
  // FT11: written by the billing core when a payment fails; one notice per failed attempt (the e-mail's
  // dedupe key), so a re-delivery sends nothing twice.
  defineJob({
    name: 'customer-notice',
    payload: FailedEntryPayload,
    retry: { limit: 5, delaySeconds: 30, backoff: true },
    dedupeKey: (data) => data.failedTransactionId,
    handler: (data) =>
      deps.failedTransactionNotices.customerNotice(data.organizationId, data.failedTransactionId),
  }),
  // FT10: hourly; each organization gets its digest in the first run after 07:00 local time, once a day.
  defineJob({
    name: 'daily-digest',
    payload: OrganizationRunPayload,
    handler: deps.eachOrganization('daily-digest', (organizationId) =>
      deps.failedTransactionNotices.dailyDigest(organizationId),
    ),
  }),
];
