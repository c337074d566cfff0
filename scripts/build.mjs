// `npm run build`: the server to dist/ and the web UI to web/dist/ (with .br and .gz beside every asset).
//   --server / --web   only that part        --demo   also the demo snapshot (dist/demo/, see src/cli/demo/snapshot.ts)
//   --if-possible      `npm ci`'s prepare step: skip quietly when the build tools are absent (npm ci --omit=dev)
//
// The server is bundled by esbuild (already installed: tsx runs on it) rather than compiled by tsc: the
// sources import each other without extensions (moduleResolution "Bundler"), which Node's ESM loader does
// not resolve, so tsc's output would not run without rewriting ~600 imports. esbuild bundles our own
// modules into a few chunks and leaves every npm package external (node_modules is installed anyway), so
// Node loads ~10 files instead of ~250 and no TypeScript loader is in the process. Type checking stays
// `npm run typecheck` (tsc --noEmit).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const args = new Set(process.argv.slice(2));
const only = args.has('--server') || args.has('--web');
const wantServer = !only || args.has('--server');
const wantWeb = !only || args.has('--web');

if (args.has('--if-possible') && !existsSync('node_modules/vite') && !existsSync('node_modules/esbuild')) {
  console.log('build: skipped (no build tools installed; dist/ is used as it is)');
  process.exit(0);
}

if (wantServer) await buildServer();
if (wantWeb) buildWeb();
if (args.has('--demo')) buildDemo();

async function buildServer() {
  const started = Date.now();
  const { build } = await import('esbuild');
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  for (const file of ['cli.js', 'cli.js.map', 'demo-snapshot.js', 'demo-snapshot.js.map'])
    rmSync(join('dist', file), { force: true });
  rmSync('dist/chunks', { recursive: true, force: true });
  await build({
    entryPoints: { cli: 'src/cli/cli.ts', 'demo-snapshot': 'src/cli/demo/snapshot.build.ts' },
    outdir: 'dist',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    // Every npm package stays in node_modules except drizzle-orm: imported as ESM it is ~400 small modules,
    // and Node 24's ESM loader keeps ~200 MB of RSS for them (measured: import 'drizzle-orm' +
    // 'drizzle-orm/pg-core' +235 MB, the same through require() +20 MB); bundled and tree-shaken it is a
    // part of one chunk. Its drivers' peer packages (pg, PGlite) stay external.
    external: Object.keys(pkg.dependencies).filter((name) => name !== 'drizzle-orm'),
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  console.log(`build: server → dist/ in ${Date.now() - started} ms`);
}

function buildWeb() {
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
  const { files, bytes, br, gz } = compress('web/dist');
  console.log(
    `build: web UI → web/dist/ in ${Date.now() - started} ms (${files} files, ${kb(bytes)} → brotli ${kb(br)}, gzip ${kb(gz)})`,
  );
}

/** Pre-compressed copies beside each text asset; @fastify/static serves them (preCompressed). */
function compress(dir) {
  const totals = { files: 0, bytes: 0, br: 0, gz: 0 };
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(js|css|html|svg|json|txt|map)$/.test(entry.name) && statSync(path).size > 1024) {
        const body = readFileSync(path);
        const br = brotliCompressSync(body, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: 11,
            [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
          },
        });
        const gz = gzipSync(body, { level: 9 });
        writeFileSync(`${path}.br`, br);
        writeFileSync(`${path}.gz`, gz);
        totals.files++;
        totals.bytes += body.length;
        totals.br += br.length;
        totals.gz += gz.length;
      }
    }
  };
  walk(dir);
  return totals;
}

function buildDemo() {
  const result = spawnSync(process.execPath, ['dist/demo-snapshot.js'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function kb(n) {
  return `${Math.round(n / 1024)} KB`;
}
