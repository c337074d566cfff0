// `npm run test:e2e`: builds the web UI, then runs the browser journeys (e2e/*.spec.ts) in Debian's Chromium
// against a real `recoup serve` on a fresh embedded database.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!process.versions.node.startsWith('24.')) {
  console.error(
    `The browser tests need Node.js 24 (this is ${process.version}); run them with npm run test:e2e.`,
  );
  process.exit(1);
}
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.error(`Chromium is not installed at ${chromium}: apt-get install chromium (or set CHROMIUM_PATH).`);
  process.exit(1);
}
const build = spawnSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);
const run = spawnSync(
  'npx',
  ['vitest', 'run', '--config', 'e2e/vitest.config.ts', ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(run.status ?? 1);
