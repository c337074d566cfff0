// `npm start`: builds the web UI when it is missing or older than its sources, then runs `recoup serve`.
import { spawnSync } from 'node:child_process';
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
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const built = 'web/dist/index.html';
if (existsSync('web/src') && (!existsSync(built) || newest('web/src') > statSync(built).mtimeMs)) {
  console.log('Building the web UI…');
  const result = spawnSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const result = spawnSync(process.execPath, ['bin/recoup.mjs', 'serve', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
