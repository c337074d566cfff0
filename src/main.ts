import { buildApp } from './app/app';
import { createContainer } from './app/container';
import { demoBanner } from './commands';
import { isEmpty, loadDemo } from './demo/demo';
import { DEMO_SIGN_IN, isFreshDataDir, openDemoSnapshot } from './demo/snapshot';
import type { Config } from './platform/config/config';

/**
 * `recoup serve`: the API and web UI (roles all, api) and the background workers (roles all, worker).
 * On SIGINT/SIGTERM it stops taking requests, finishes the ones in flight and the running jobs, then exits.
 */
export async function serve(given: Config): Promise<void> {
  let config = given;
  const withWorkers = config.role !== 'api';
  const withHttp = config.role !== 'worker';
  // The first embedded start shows the demo: from the snapshot prepared at build time when it is usable
  // today (seconds), else loaded through the services here (see src/demo/snapshot.ts).
  const firstDemoStart = !config.databaseUrl && config.sandbox && isFreshDataDir(config);
  const prepared = firstDemoStart ? await openDemoSnapshot(config) : null;
  if (prepared?.kind === 'snapshot') config = prepared.config;
  const c = await createContainer(config, {
    database: prepared?.kind === 'snapshot' ? prepared.database : undefined,
    workers: withWorkers,
    schedules: withWorkers,
    supervise: withWorkers,
  });

  let demo: Awaited<ReturnType<typeof loadDemo>> | typeof DEMO_SIGN_IN | null = null;
  if (prepared?.kind === 'snapshot') demo = DEMO_SIGN_IN;
  else if (!config.databaseUrl && config.sandbox && (await isEmpty(c))) {
    if (prepared?.kind === 'load') console.log(`Loading the demo through the services (${prepared.reason})…`);
    demo = await loadDemo(c);
  }

  const app = withHttp ? await buildApp(c, { logger: { level: process.env.LOG_LEVEL ?? 'info' } }) : null;
  // listen() answers the real address (PORT=0 picks a free port).
  const where = app ? await app.listen({ port: config.port, host: config.host }) : '(no HTTP: worker role)';
  console.log(
    `Recoup is running at ${where} — role ${config.role}, ${c.database.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'}${config.sandbox ? ', sandbox on' : ''}`,
  );
  if (app) console.log(`API docs: ${where}/docs`);
  if (demo) console.log(demoBanner(app ? where : config.publicUrl, demo));
  else if (config.sandbox && !config.databaseUrl)
    console.log(
      'Sign in with the demo administrator printed on first start (admin@demo.recoup.local / recoup-demo), or create one with `npx recoup org create`.',
    );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing requests and jobs in flight…`);
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    try {
      if (app) await app.close();
      await c.close();
      process.exit(0);
    } catch (err) {
      console.error(err);
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
