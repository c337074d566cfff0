import { defineJob, type EachOrganization, OrganizationRunPayload } from '../../platform/jobs/define';
import type { PaymentsService } from './payments.service';

declare module '../../platform/jobs/define' {
  interface JobPayloads {
    'echeck-settlement': OrganizationRunPayload;
    'payments-sweeper': OrganizationRunPayload;
  }
}

export const paymentsJobs = (deps: { payments: PaymentsService; eachOrganization: EachOrganization }) => [
  // eCheck debits presented two business days ago or more settle or come back returned.
  defineJob({
    name: 'echeck-settlement',
    payload: OrganizationRunPayload,
    handler: deps.eachOrganization('echeck-settlement', (organizationId) =>
      deps.payments.settleEchecks(organizationId),
    ),
  }),
  // MS5: money attempts a crash left unanswered are finished with the gateway's answer or released.
  defineJob({
    name: 'payments-sweeper',
    payload: OrganizationRunPayload,
    handler: deps.eachOrganization('payments-sweeper', (organizationId) =>
      deps.payments.sweep(organizationId),
    ),
  }),
];
