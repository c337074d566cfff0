#!/usr/bin/env node
// The `recoup` command. Recoup runs on Node.js 24, which the project installs as a dev dependency
// (npm and npx put it first on PATH); any other version stops here with one clear line.
if (!process.versions.node.startsWith('24.')) {
  console.error(`recoup: Node.js 24 is required (this is ${process.version}); run it through npm or npx inside the project.`);
  process.exit(1);
}
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The compiled build (`npm run build`, dist/cli.js) runs when it is newer than every source file; otherwise
// the sources run through tsx (development, tests), and a stale build says so rather than run old code.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'cli.js');

function newestSource(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newestSource(path));
    else if (!entry.name.includes('.test.')) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

const hasSources = existsSync(join(root, 'src'));
const fresh =
  existsSync(compiled) && (!hasSources || newestSource(join(root, 'src')) <= statSync(compiled).mtimeMs);
if (fresh) {
  await import(compiled);
} else if (process.env.NODE_ENV === 'production') {
  // A production host runs what `npm run build` made, never the sources through a loader.
  console.error(`recoup: ${existsSync(compiled) ? 'dist/ is older than src/' : 'dist/ is missing'}; run npm run build`);
  process.exit(1);
} else {
  if (existsSync(compiled) && process.env.RECOUP_QUIET_STALE !== 'true')
    console.error('recoup: dist/ is older than src/, running the sources (npm run build compiles them again)');
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/cli.ts');
}
