import { parseArgs } from 'node:util';
import type { Locale } from '../lib/locale';
import { ConfigError, loadConfig } from '../platform/config/config';
import { DatabaseLockedError } from '../platform/db/db';
import { RUNNABLE_JOBS, type RunnableJob } from '../platform/jobs/registry';

/** Exit codes of API.md: 0 success, 1 failure, 2 bad usage. */
class UsageError extends Error {}

const HELP: Record<string, string> = {
  main: `Usage: recoup <command> [options]

Commands:
  serve                 run the product (API, web UI and workers, as RECOUP_ROLE says); migrates first
  migrate               apply the database migrations and exit
  org create            create an organization and its administrator; prints {"organizationId","userId","token"}
  demo                  load a demo organization with data for every Action Center section
  jobs run <name>       run one scheduled job now: ${RUNNABLE_JOBS.join(', ')}
  doctor                check that the reconciliation summaries agree with the ledger (--fix repairs them)

Every command takes --help. Configuration comes from the environment (see README.md).`,
  serve:
    'Usage: recoup serve\n\nRuns the product on HOST:PORT (default 127.0.0.1:3000) after applying migrations.',
  migrate: 'Usage: recoup migrate\n\nApplies the database migrations (idempotent) and exits.',
  'org create': `Usage: recoup org create --name NAME --admin-email EMAIL --admin-password PASSWORD
                         [--currency CAD] [--timezone America/Toronto] [--locale fr-CA]

Creates an organization and its administrator, and prints one JSON line:
{"organizationId":"org_…","userId":"usr_…","token":"rtk_…"} (a bearer token for that administrator).`,
  demo: 'Usage: recoup demo\n\nLoads a demo organization with realistic data and prints how to sign in.',
  'jobs run': `Usage: recoup jobs run <name> [--org ID]

Runs one scheduled job now, for one organization or all of them.
Names: ${RUNNABLE_JOBS.join(', ')}`,
  doctor: `Usage: recoup doctor [--org ID] [--fix]

Recomputes every account's reconciliation summary (the reconcilable accounts list) from the ledger's
documents and prints each account where they disagree. Exit code 1 when any summary disagrees; with
--fix, the disagreeing summaries are recomputed and the exit code is 1 only if some still disagree.`,
};

async function main(argv: string[]): Promise<number> {
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  const words = argv.filter((a) => !a.startsWith('-'));
  const command = words[0];
  if (!command) {
    console.log(HELP.main);
    return wantsHelp ? 0 : 2;
  }
  const key = command === 'org' || command === 'jobs' ? `${command} ${words[1] ?? ''}`.trim() : command;
  if (!(key in HELP) || key === 'main') {
    if (wantsHelp && (command === 'org' || command === 'jobs')) {
      console.log(HELP[command === 'org' ? 'org create' : 'jobs run']);
      return 0;
    }
    throw new UsageError(`unknown command "${argv.join(' ')}"; see recoup --help`);
  }
  if (wantsHelp) {
    console.log(HELP[key]);
    return 0;
  }
  const rest = argv.slice(key.split(' ').length);
  switch (key) {
    case 'serve': {
      const { serve } = await import('./serve');
      await serve(loadConfig());
      return 0;
    }
    case 'migrate': {
      noArgs(rest);
      const { runMigrate } = await import('./commands');
      await runMigrate(loadConfig());
      console.log('migrations applied');
      return 0;
    }
    case 'org create': {
      const { values } = parse(rest, {
        name: { type: 'string' },
        'admin-email': { type: 'string' },
        'admin-password': { type: 'string' },
        currency: { type: 'string' },
        timezone: { type: 'string' },
        locale: { type: 'string' },
        'admin-name': { type: 'string' },
      });
      for (const required of ['name', 'admin-email', 'admin-password'] as const) {
        if (!values[required])
          throw new UsageError(`--${required} is required; see recoup org create --help`);
      }
      if (values.locale && values.locale !== 'fr-CA' && values.locale !== 'en-CA') {
        throw new UsageError('--locale must be fr-CA or en-CA');
      }
      const { runOrgCreate } = await import('./commands');
      const result = await runOrgCreate(loadConfig(), {
        name: values.name!,
        adminEmail: values['admin-email']!,
        adminPassword: values['admin-password']!,
        adminName: values['admin-name'],
        currency: values.currency,
        timezone: values.timezone,
        locale: values.locale as Locale | undefined,
      });
      console.log(JSON.stringify(result));
      return 0;
    }
    case 'demo': {
      noArgs(rest);
      const { runDemo } = await import('./commands');
      console.log(await runDemo(loadConfig()));
      return 0;
    }
    case 'jobs run': {
      const { values, positionals } = parse(rest, { org: { type: 'string' } }, true);
      const name = positionals[0];
      if (!name || !(RUNNABLE_JOBS as readonly string[]).includes(name)) {
        throw new UsageError(`jobs run needs a job name: ${RUNNABLE_JOBS.join(', ')}`);
      }
      const { runJob } = await import('./commands');
      const result = await runJob(loadConfig(), name as RunnableJob, values.org);
      console.log(JSON.stringify(result));
      return 0;
    }
    case 'doctor': {
      const { values } = parse(rest, { org: { type: 'string' }, fix: { type: 'boolean' } });
      const { runDoctor } = await import('./commands');
      const report = await runDoctor(loadConfig(), { organizationId: values.org, fix: values.fix ?? false });
      console.log(report.text);
      return report.remaining === 0 ? 0 : 1;
    }
  }
  throw new UsageError(`unknown command "${argv.join(' ')}"`);
}

function noArgs(rest: string[]) {
  if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
}

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(
  args: string[],
  options: T,
  positionals = false,
) {
  try {
    return parseArgs({ args, options, allowPositionals: positionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // `serve` keeps running; every other command ends here even if a pool lingers.
    if (process.argv[2] !== 'serve' || code !== 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`recoup: ${err.message}`);
      process.exit(2);
    }
    if (err instanceof ConfigError || err instanceof DatabaseLockedError) {
      console.error(`recoup: ${err.message}`);
      process.exit(1);
    }
    const e = err as Error & { status?: number; errors?: { field: string; message: string }[] };
    console.error(
      `recoup: ${e.message}${e.errors?.length ? ` (${e.errors.map((x) => `${x.field} ${x.message}`).join('; ')})` : ''}`,
    );
    process.exit(1);
  },
);
