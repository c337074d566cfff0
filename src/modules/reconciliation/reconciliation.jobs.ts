import { type Static, Type } from 'typebox';
import { defineJob } from '../../platform/jobs/define';
import type { ReconciliationService } from './reconciliation.service';

export const ReconcileAllPayload = Type.Object({ organizationId: Type.String(), jobRunId: Type.String() });

declare module '../../platform/jobs/define' {
  interface JobPayloads {
    'reconcile-all': Static<typeof ReconcileAllPayload>;
  }
}

export const reconciliationJobs = (deps: { reconciliation: ReconciliationService }) => [
  // The bulk reconcile: one run per job_runs row; the handler re-reads the row, so a re-delivery is harmless.
  defineJob({
    name: 'reconcile-all',
    payload: ReconcileAllPayload,
    expireInSeconds: 3600,
    dedupeKey: (data) => data.jobRunId,
    handler: (data) => deps.reconciliation.runReconcileAll(data),
  }),
];
