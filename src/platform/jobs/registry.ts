import type { JobName } from './define';

/**
 * Every schedule of the product, in one place (STYLE habit 9). The jobs themselves are defined in their
 * modules' `*.jobs.ts` and collected by `src/app/jobs.ts`.
 */

/** The jobs a person may run by name (CLI and sandbox). */
export const RUNNABLE_JOBS = [
  'payments-due',
  'echeck-settlement',
  'daily-digest',
  'card-expiry-reminders',
  'payments-sweeper',
  'automatic-retries',
] as const satisfies readonly JobName[];
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
  // RC1: due automatic retries, at each organization's local hour; every 15 minutes so a late start catches up.
  { name: 'automatic-retries', cron: '7,22,37,52 * * * *' },
];
