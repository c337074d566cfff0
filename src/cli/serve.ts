import { createServer as netServer } from 'node:net';
import { buildApp } from '../app/app';
import { createContainer } from '../app/container';
import { type Config, listenUrl, publicUrlNotice } from '../platform/config/config';
import { REDACTED_LOG_PATHS } from '../platform/http/server';
import { demoBanner, isEmpty, loadDemo } from './demo/demo';
import { DEMO_SIGN_IN, isFreshDataDir, openDemoSnapshot } from './demo/snapshot';

/** PORT=0 asks for any free port: it is picked before start-up so that PUBLIC_URL's default names it. */
function freePort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = netServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

/** Where e-mails go: without SMTP they are only kept in the delivery log, which the banner says how to read. */
export function mailBanner(config: Pick<Config, 'smtpUrl'>, url: string): string {
  if (config.smtpUrl) {
    const smtp = new URL(config.smtpUrl);
    return `E-mails are sent through ${smtp.protocol}//${smtp.host} (SMTP_URL).`;
  }
  return [
    'E-mails are not sent (SMTP_URL is not set): each one is kept in the delivery log instead.',
    `  Read them in Settings → E-mails (${url}/settings/emails), or GET ${url}/api/v1/emails.`,
  ].join('\n');
}

/**
 * `recoup serve`: the API and web UI (roles all, api) and the background workers (roles all, worker).
 * On SIGINT/SIGTERM it stops taking requests, finishes the ones in flight and the running jobs, then exits.
 */
export async function serve(given: Config): Promise<void> {
  let config = given;
  if (config.port === 0 && config.role !== 'worker') {
    const port = await freePort(config.host);
    config = {
      ...config,
      port,
      publicUrl: config.publicUrlConfigured ? config.publicUrl : listenUrl(config.host, port),
    };
  }
  const withWorkers = config.role !== 'api';
  const withHttp = config.role !== 'worker';
  // The first embedded start shows the demo: from the snapshot prepared at build time when it is usable
  // today (seconds), else loaded through the services here (see ./demo/snapshot.ts).
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

  // `info` logs start-up, errors and jobs; `debug` adds one line per request (server.ts), secrets redacted.
  const logger = { level: process.env.LOG_LEVEL ?? 'info', redact: REDACTED_LOG_PATHS };
  const app = withHttp ? await buildApp(c, { logger }) : null;
  // listen() answers the real address (PORT=0 picks a free port).
  const where = app ? await app.listen({ port: config.port, host: config.host }) : '(no HTTP: worker role)';
  console.log(
    `Recoup is running at ${where} — role ${config.role}, ${c.database.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'}${config.sandbox ? ', sandbox on' : ''}`,
  );
  if (app) console.log(`API docs: ${where}/docs`);
  if (app) {
    const notice = publicUrlNotice(config, where);
    if (notice?.level === 'warn') console.warn(notice.text);
    else if (notice) console.log(notice.text);
  }
  if (withWorkers) console.log(mailBanner(config, app ? where : config.publicUrl));
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
