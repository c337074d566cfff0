// `npm test`: lint-free code is checked by CI; this runs the unit tests once and every database test
// twice — on embedded PGlite and on PostgreSQL (TEST_DATABASE_URL, default CI's server).
import { spawnSync } from 'node:child_process';
import pg from 'pg';

if (!process.versions.node.startsWith('24.')) {
  console.error(
    `Recoup's tests need Node.js 24 (this is ${process.version}); run them with npm test after npm ci.`,
  );
  process.exit(1);
}

const url = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
const projects = ['unit', 'pglite'];
try {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  await client.end();
  projects.push('pg');
} catch (err) {
  if (process.env.CI === 'true') {
    console.error(`PostgreSQL at ${url} is required on CI and does not answer: ${err.message}`);
    process.exit(1);
  }
  console.warn(
    `NOTICE: PostgreSQL at ${url} does not answer (${err.message}); the PostgreSQL pass is SKIPPED. Set TEST_DATABASE_URL to run it.`,
  );
}

const args = ['vitest', 'run', ...projects.flatMap((p) => ['--project', p]), ...process.argv.slice(2)];
const result = spawnSync('npx', args, {
  stdio: 'inherit',
  env: { ...process.env, RECOUP_LOG_JOB_ERRORS: 'false' },
});
process.exit(result.status ?? 1);
