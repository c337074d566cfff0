import pino from 'pino';

/**
 * The log of background work (jobs, sweeps): one JSON line per event on standard error, at `LOG_LEVEL`.
 * Tests silence it with RECOUP_LOG_JOB_ERRORS=false (a failing item is then still counted and audited).
 */
export const log = pino(
  {
    level: process.env.LOG_LEVEL ?? 'info',
    enabled: process.env.RECOUP_LOG_JOB_ERRORS !== 'false',
    base: { component: 'jobs' },
  },
  pino.destination(2),
);
