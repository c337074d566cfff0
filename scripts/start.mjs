// `npm start`: builds what is missing or older than its sources (the server to dist/, the web UI to
// web/dist/, each with a progress line: never silently stale), then runs `recoup serve` compiled.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

if (!process.versions.node.startsWith('24.')) {
  console.error(
    `Recoup needs Node.js 24 (this is ${process.version}); run \`npm ci\` first so npm uses the project's own Node.`,
  );
  process.exit(1);
}

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (!entry.name.includes('.test.')) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

const stale = (sources, built) =>
  existsSync(sources) && (!existsSync(built) || newest(sources) > statSync(built).mtimeMs);

function build(what, flag) {
  console.log(`Building the ${what}…`);
  const result = spawnSync(process.execPath, ['scripts/build.mjs', flag], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (stale('src', 'dist/cli.js')) build('server', '--server');
if (stale('web/src', 'web/dist/index.html')) build('web UI', '--web');

// A young generation of 3 × 8 MB instead of Node 24's default keeps an idle server near 145 MB of RSS
// instead of ~190 MB (bench/README.md); requests still allocate far less than that between scavenges.
// spawn, not spawnSync: a SIGTERM or SIGINT sent to `npm start` (a process manager, a container stop) must
// reach the server, which finishes its requests and jobs and exits; spawnSync would leave it running.
const server = spawn(
  process.execPath,
  ['--max-semi-space-size=8', 'bin/recoup.mjs', 'serve', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
