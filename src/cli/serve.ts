import { buildApp } from '../app/app';
import { createContainer } from '../app/container';
import type { Config } from '../platform/config/config';
import { demoBanner, isEmpty, loadDemo } from './demo/demo';

/**
 * `recoup serve`: the API and web UI (roles all, api) and the background workers (roles all, worker).
 * On SIGINT/SIGTERM it stops taking requests, finishes the ones in flight and the running jobs, then exits.
 */
export async function serve(config: Config): Promise<void> {
  const withWorkers = config.role !== 'api';
  const withHttp = config.role !== 'worker';
  const c = await createContainer(config, {
    workers: withWorkers,
    schedules: withWorkers,
    supervise: withWorkers,
  });

  const demo = !config.databaseUrl && config.sandbox && (await isEmpty(c)) ? await loadDemo(c) : null;

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
