import { createContainer } from './app/container';
import { loadDemo } from './demo/demo';
import type { Locale } from './lib/locale';
import { formatDoctorReport, runDoctorCheck } from './modules/reconciliation/doctor';
import type { Config } from './platform/config/config';
import { createDb, migrateDb } from './platform/db/db';
import type { RunnableJob } from './platform/jobs/registry';

/** The CLI's commands that do one thing and exit. Each opens the database, works, and closes it. */

export async function runMigrate(config: Config): Promise<void> {
  const database = await createDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
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

export async function createOrganizationWithAdmin(
  c: Awaited<ReturnType<typeof createContainer>>,
  input: OrgCreateInput,
): Promise<{ organizationId: string; userId: string; token: string }> {
  const { org, admin } = await c.db.transaction(async (tx) => {
    const org = await c.organizations.create(tx, {
      name: input.name,
      currency: input.currency,
      timezone: input.timezone,
      locale: input.locale,
      contactEmail: input.adminEmail,
    });
    const admin = await c.users.create(tx, org.id, null, {
      email: input.adminEmail,
      name: input.adminName ?? input.adminEmail.split('@')[0]!,
      password: input.adminPassword,
      role: 'admin',
      locale: input.locale,
    });
    return { org, admin };
  });
  await c.organizations.update(org.id, admin.id, { billingContactUserId: admin.id });
  const issued = await c.auth.issue(admin, 'bearer');
  return { organizationId: org.id, userId: admin.id, token: issued.token };
}

export async function runOrgCreate(config: Config, input: OrgCreateInput) {
  if (input.adminPassword.length < 8) throw new Error('--admin-password must be at least 8 characters');
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.adminEmail))
    throw new Error('--admin-email is not an e-mail address');
  return withContainer(config, (c) => createOrganizationWithAdmin(c, input));
}

export async function runDemo(config: Config): Promise<string> {
  return withContainer(config, async (c) => {
    const demo = await loadDemo(c);
    return demoBanner(config.publicUrl, demo);
  });
}

/** How to sign in to the demo; `url` is where the product answers (the listen address when serving). */
export function demoBanner(
  url: string,
  demo: { email: string; password: string; organizationName: string },
): string {
  return [
    `Demo organization "${demo.organizationName}" is ready.`,
    `Open ${url} and sign in with:`,
    `  e-mail:   ${demo.email}`,
    `  password: ${demo.password}`,
  ].join('\n');
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
