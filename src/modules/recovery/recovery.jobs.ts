import { defineJob, type EachOrganization, OrganizationRunPayload } from '../../platform/jobs/define';
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
    handler: deps.eachOrganization('automatic-retries', (organizationId) =>
      deps.recovery.runAutomaticRetries(organizationId),
    ),
  }),
];
