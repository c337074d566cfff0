import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContainer } from '../../app/container';
import { todayIn } from '../../lib/dates';
import type { Config } from '../../platform/config/config';
import { loadConfig } from '../../platform/config/config';
import { createDb, type Database } from '../../platform/db/db';
import { DIST, MIGRATIONS_FOLDER } from '../../platform/paths';
import { DEMO_EMAIL, DEMO_ORG_NAME, DEMO_PASSWORD, loadDemo } from './demo';

/**
 * The demo, prepared ahead. Loading it through the public API and the real jobs takes about 15 s of CPU
 * (thousands of requests, gateway calls and job runs), which the first `npm start` should not wait for.
 * So `npm run build -- --demo` (npm ci's prepare step) loads it exactly as `recoup serve` would — same
 * services, same jobs, into a scratch embedded database — and keeps PGlite's dump of that data directory;
 * the first start on an empty data directory opens the dump (`loadDataDir`) instead.
 *
 * The demo is dated: failures "over the last weeks", cards expiring "next month", charges due in a few
 * days are all relative to the day it was loaded. A dump from another day, or made before a migration
 * that is now committed, is not used: the demo is loaded through the services as before.
 */
const SNAPSHOT_DIR = join(DIST, 'demo');
const DUMP = join(SNAPSHOT_DIR, 'pglite.tar.gz');
const META = join(SNAPSHOT_DIR, 'meta.json');
const DEMO_TIME_ZONE = 'America/Toronto';

interface SnapshotMeta {
  /** the demo's "today" in its organization's time zone */
  today: string;
  /** the last committed migration it was made with */
  migration: string;
  /** the secret the demo's signed portal links were made with; a fresh data directory adopts it */
  secret: string;
  createdAt: string;
}

function lastMigration(): string {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'));
  return journal.entries.at(-1)?.tag ?? '';
}

/** Builds dist/demo/ through the real services; prints what it made. */
export async function createDemoSnapshot(): Promise<void> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'recoup-demo-'));
  try {
    const config = loadConfig({ RECOUP_DATA_DIR: dataDir, RECOUP_SANDBOX: 'true' });
    const c = await createContainer(config, { workers: true, schedules: true, supervise: false });
    await loadDemo(c);
    await c.queue.stop({ graceful: true });
    const dump = await c.database.pglite!.dumpDataDir('gzip');
    await c.database.close();
    mkdirSync(SNAPSHOT_DIR, { recursive: true });
    writeFileSync(DUMP, Buffer.from(await dump.arrayBuffer()));
    const meta: SnapshotMeta = {
      today: todayIn(DEMO_TIME_ZONE, new Date()),
      migration: lastMigration(),
      secret: config.secret,
      createdAt: new Date().toISOString(),
    };
    writeFileSync(META, `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600 });
    console.log(
      `build: demo snapshot → dist/demo/ in ${Date.now() - started} ms (${Math.round(dump.size / 1024)} KB, for ${meta.today})`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export type DemoStart =
  | { kind: 'snapshot'; config: Config; database: Database }
  | { kind: 'load'; reason: string };

/**
 * For `recoup serve` on an empty embedded data directory with the sandbox on: the prepared demo when it
 * is usable today (an open database and the configuration with the demo's secret), else why not.
 */
export async function openDemoSnapshot(config: Config): Promise<DemoStart> {
  if (!existsSync(META) || !existsSync(DUMP))
    return { kind: 'load', reason: 'no demo snapshot was prepared (npm run build -- --demo)' };
  const meta = JSON.parse(readFileSync(META, 'utf8')) as SnapshotMeta;
  const today = todayIn(DEMO_TIME_ZONE, new Date());
  if (meta.today !== today)
    return { kind: 'load', reason: `the prepared demo snapshot is for ${meta.today}, not today` };
  if (meta.migration !== lastMigration())
    return { kind: 'load', reason: 'the prepared demo snapshot predates a migration' };
  // The data directory is new, so nothing was signed with its freshly generated secret yet; the demo's
  // e-mails carry portal links signed with the snapshot's. A RECOUP_SECRET given in the environment wins.
  const keptFile = join(config.dataDir, 'secret');
  let secret = config.secret;
  if (existsSync(keptFile) && readFileSync(keptFile, 'utf8').trim() === config.secret) {
    writeFileSync(keptFile, meta.secret, { mode: 0o600 });
    secret = meta.secret;
  }
  const database = await createDb({
    dataDir: config.dataDir,
    loadDataDir: new Blob([readFileSync(DUMP)]),
  });
  return { kind: 'snapshot', config: { ...config, secret }, database };
}

/** True when the embedded data directory holds no database yet (the first start). */
export function isFreshDataDir(config: Config): boolean {
  return !existsSync(join(config.dataDir, 'pglite', 'PG_VERSION'));
}

export const DEMO_SIGN_IN = { email: DEMO_EMAIL, password: DEMO_PASSWORD, organizationName: DEMO_ORG_NAME };
