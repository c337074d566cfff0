#!/usr/bin/env node
// The `recoup` command. Recoup runs on Node.js 24, which the project installs as a dev dependency
// (npm and npx put it first on PATH); any other version stops here with one clear line.
if (!process.versions.node.startsWith('24.')) {
  console.error(`recoup: Node.js 24 is required (this is ${process.version}); run it through npm or npx inside the project.`);
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
await import('../src/cli/cli.ts');
