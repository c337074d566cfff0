/**
 * Every background job and schedule of the product, in one place (STYLE habit 9).
 * Handlers are bound to their services in `src/app/container.ts`.
 */
export const JOB_NAMES = [
  // scheduled runs, also started by `recoup jobs run` and POST /api/v1/sandbox/jobs/:name
  'payments-due',
  'echeck-settlement',
  'daily-digest',
  'card-expiry-reminders',
  'payments-sweeper',
  // work started by a request or by another job
  'failed-transaction-retry',
  'customer-notice',
  'email-delivery',
  'reconcile-all',
  // a Stripe event stored by POST /api/v1/webhooks/stripe (one job per event ID)
  'stripe-webhook',
] as const;

export type JobName = (typeof JOB_NAMES)[number];

/** The jobs a person may run by name (CLI and sandbox). */
export const RUNNABLE_JOBS = [
  'payments-due',
  'echeck-settlement',
  'daily-digest',
  'card-expiry-reminders',
  'payments-sweeper',
] as const;
export type RunnableJob = (typeof RUNNABLE_JOBS)[number];

export interface ScheduleDefinition {
  name: RunnableJob;
  /** cron in UTC; each run works out for every organization what is due in its own time zone */
  cron: string;
}

export const SCHEDULES: readonly ScheduleDefinition[] = [
  // Charges due "today" in each organization's zone; running often makes a late start catch up the same day.
  { name: 'payments-due', cron: '*/15 * * * *' },
  { name: 'echeck-settlement', cron: '5 * * * *' },
  // FT10: hourly, so that each organization gets its digest in the hour it reaches 07:00 local time.
  { name: 'daily-digest', cron: '2 * * * *' },
  // EC4: hourly, so that a card entering the window is reminded the same day, and a restart misses nothing.
  { name: 'card-expiry-reminders', cron: '10 * * * *' },
  // MS5: attempts a crash left unanswered are finished or released once their lease has run out.
  { name: 'payments-sweeper', cron: '*/5 * * * *' },
];
