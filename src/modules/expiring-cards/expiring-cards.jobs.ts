import { defineJob, type EachOrganization, OrganizationRunPayload } from '../../platform/jobs/define';
import type { ExpiringCardsService } from './expiring-cards.service';

declare module '../../platform/jobs/define' {
  interface JobPayloads {
    'card-expiry-reminders': OrganizationRunPayload;
  }
}

export const expiringCardsJobs = (deps: {
  expiringCards: ExpiringCardsService;
  eachOrganization: EachOrganization;
}) => [
  // EC4: hourly; each run reminds the cards that are in the window today in the organization's zone.
  defineJob({
    name: 'card-expiry-reminders',
    payload: OrganizationRunPayload,
    handler: deps.eachOrganization('card-expiry-reminders', (organizationId) =>
      deps.expiringCards.sendDueReminders(organizationId),
    ),
  }),
];
