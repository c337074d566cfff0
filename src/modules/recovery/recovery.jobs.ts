import { defineJob, type EachOrganization, OrganizationRunPayload } from '../../platform/jobs/define';
import { log } from '../../platform/log';
import type { RecoveryService } from './recovery.service';

declare module '../../platform/jobs/define' {
  interface JobPayloads {
    'automatic-retries': OrganizationRunPayload;
  }
}

export const recoveryJobs = (deps: { recovery: RecoveryService; eachOrganization: EachOrganization }) => [
  // RC1: due automatic retries, claimed with SKIP LOCKED, each made like a manual retry (MS1).
  defineJob({
    name: 'automatic-retries',
    payload: OrganizationRunPayload,
    // Then RC7's summary catches up with what the run (and the quarter hour before it) changed.
    handler: deps.eachOrganization('automatic-retries', async (organizationId) => {
      const result = await deps.recovery.runAutomaticRetries(organizationId);
      // The retries are done and recorded: a summary that cannot catch up now does so at its next read.
      await deps.recovery
        .catchUpAnalytics(organizationId)
        .catch((err) => log.warn({ err, organizationId }, 'recovery summary did not catch up'));
      return result;
    }),
  }),
];
