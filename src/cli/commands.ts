import { createContainer } from '../app/container';
import type { Locale } from '../lib/locale';
import { formatDoctorReport, runDoctorCheck } from '../modules/reconciliation/doctor';
import type { Config } from '../platform/config/config';
import { createDb, migrateDb } from '../platform/db/db';
import type { RunnableJob } from '../platform/jobs/registry';
import { demoBanner, loadDemo } from './demo/demo';

/** The CLI's commands that do one thing and exit. Each opens the database, works, and closes it. */

export async function runMigrate(config: Config): Promise<void> {
  // The session URL too, as the container passes it: the migrator's session-level advisory lock must not go
  // through a transaction-mode pooler (migrateDb), and neither may named statements (statement-cache.ts).
  const database = await createDb({
    databaseUrl: config.databaseUrl,
    databaseSessionUrl: config.databaseSessionUrl,
    dataDir: config.dataDir,
  });
  try {
    await migrateDb(database);
  } finally {
    await database.close();
  }
}

async function withContainer<T>(
  config: Config,
  work: (c: Awaited<ReturnType<typeof createContainer>>) => Promise<T>,
) {
  const c = await createContainer(config, { workers: false, schedules: false, supervise: false });
  try {
    return await work(c);
  } finally {
    await c.close();
  }
}

export interface OrgCreateInput {
  name: string;
  adminEmail: string;
  adminPassword: string;
  adminName?: string;
  currency?: string;
  timezone?: string;
  locale?: Locale;
}

export async function runOrgCreate(config: Config, input: OrgCreateInput) {
  if (input.adminPassword.length < 8) throw new Error('--admin-password must be at least 8 characters');
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.adminEmail))
    throw new Error('--admin-email is not an e-mail address');
  return withContainer(config, (c) =>
    c.organizations.createWithAdmin({
      name: input.name,
      currency: input.currency,
      timezone: input.timezone,
      locale: input.locale,
      admin: {
        email: input.adminEmail,
        password: input.adminPassword,
        name: input.adminName,
        locale: input.locale,
      },
    }),
  );
}

export async function runDemo(config: Config): Promise<string> {
  return withContainer(config, async (c) => {
    const demo = await loadDemo(c);
    return demoBanner(config.publicUrl, demo);
  });
}

export async function runJob(config: Config, name: RunnableJob, organizationId?: string) {
  return withContainer(config, async (c) => {
    const result = await c.queue.runNow(name, organizationId ? { organizationId } : {});
    // Work the job started (e-mails, retries) is left in the queue for the workers of `recoup serve`.
    return { job: name, result };
  });
}

/** `recoup doctor`: the reconciliation summaries against the ledger (exit 1 while any disagrees). */
export async function runDoctor(config: Config, opts: { organizationId?: string; fix: boolean }) {
  return withContainer(config, async (c) => {
    const report = await runDoctorCheck({ db: c.db, ledger: c.ledger }, opts);
    return { text: formatDoctorReport(report), remaining: report.remaining.length };
  });
}
