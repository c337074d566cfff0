import { defineJob, type EachOrganization, OrganizationRunPayload } from '../../platform/jobs/define';
import type { SchedulesService } from './schedules.service';

declare module '../../platform/jobs/define' {
  interface JobPayloads {
    'payments-due': OrganizationRunPayload;
  }
}

export const schedulesJobs = (deps: { schedules: SchedulesService; eachOrganization: EachOrganization }) => [
  // Due charges in each organization's time zone; claimed rows and gateway keys make it exactly once.
  defineJob({
    name: 'payments-due',
    payload: OrganizationRunPayload,
    handler: deps.eachOrganization('payments-due', (organizationId) =>
      deps.schedules.runPaymentsDue(organizationId),
    ),
  }),
];
