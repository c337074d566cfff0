// The README's "Deploy" procedure, checked in a temporary copy (CI runs this): `npm run build`,
// `npm prune --omit=dev`, then the compiled `recoup` against a fresh PostgreSQL database: an organization
// created by the CLI, `/readyz` 200, one API call with its token, a pre-compressed immutable asset, and
// SIGTERM exits 0. The database is created and dropped here (CHECK_DEPLOY_PG_URL, default CI's server).
//
// The copy's node_modules is hard-linked from this checkout's (same filesystem: seconds, no space), so
// `npm prune` only unlinks names in the copy; the one file npm rewrites in place is copied for real first.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';

const started = Date.now();
const step = (what) => console.log(`check-deploy [${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);
const base = process.env.CHECK_DEPLOY_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';
const dbName = `recoup_deploy_${process.pid}`;
const url = new URL(base);
url.pathname = `/${dbName}`;
const tmp = mkdtempSync(join(tmpdir(), 'recoup-deploy-'));
const admin = new pg.Client({ connectionString: base });
let server;

function run(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { cwd: tmp, stdio: 'inherit', ...opts });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${result.status}`);
  return result;
}

const freePort = () =>
  new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

try {
  step(`copying the tracked files to ${tmp}`);
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(tmp, file)), { recursive: true });
    try {
      cpSync(file, join(tmp, file));
    } catch (err) {
      if (err.code !== 'ENOENT') throw err; // deleted in the work tree, not yet in the index
    }
  }
  execFileSync('cp', ['-al', `${realpathSync('node_modules')}/.`, join(tmp, 'node_modules')]);
  rmSync(join(tmp, 'node_modules/.package-lock.json'), { force: true });
  cpSync('node_modules/.package-lock.json', join(tmp, 'node_modules/.package-lock.json'));

  step('npm run build');
  run('npm', ['run', 'build', '--silent']);
  step('npm prune --omit=dev');
  run('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund', '--silent']);
  // `node` (Node.js 24) is a dev dependency: a production host brings its own Node.js 24; here, this one.
  const node = process.execPath;

  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: url.toString(),
    RECOUP_SECRET: 'check-deploy-secret-check-deploy-secret-0123456789',
    LOG_LEVEL: 'warn',
  };

  step('recoup org create (compiled CLI)');
  const created = run(
    node,
    [
      'bin/recoup.mjs',
      'org',
      'create',
      '--name',
      'Deploy check',
      '--admin-email',
      'admin@deploy.example',
      '--admin-password',
      'deploy-check-pass-1',
    ],
    { env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
  );
  const { token } = JSON.parse(created.stdout.trim().split('\n').at(-1));

  const port = await freePort();
  step(`recoup serve on port ${port}`);
  server = spawn(node, ['bin/recoup.mjs', 'serve'], {
    cwd: tmp,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${origin}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (i > 240 || server.exitCode !== null) throw new Error('/readyz never answered 200');
    await new Promise((r) => setTimeout(r, 250));
  }
  step('/readyz 200');

  const me = await fetch(`${origin}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  const body = await me.json();
  if (me.status !== 200 || body.email !== 'admin@deploy.example')
    throw new Error(`GET /api/v1/me answered ${me.status} ${JSON.stringify(body)}`);
  step('GET /api/v1/me 200');

  const html = await (await fetch(origin)).text();
  const asset = html.match(/\/assets\/[^"]+\.js/)?.[0];
  const res = await fetch(`${origin}${asset}`, { headers: { 'accept-encoding': 'br, gzip' } });
  await res.arrayBuffer();
  if (
    res.status !== 200 ||
    res.headers.get('content-encoding') !== 'br' ||
    res.headers.get('cache-control') !== 'public, max-age=31536000, immutable'
  )
    throw new Error(`${asset}: ${res.status} ${JSON.stringify(Object.fromEntries(res.headers))}`);
  step(`${asset} served brotli, immutable`);

  server.kill('SIGTERM');
  const code = await exited;
  if (code !== 0) throw new Error(`recoup serve exited ${code} on SIGTERM`);
  server = null;
  step('SIGTERM: exit 0 — the production install works');
} catch (err) {
  console.error(`check-deploy FAILED: ${err.message}`);
  process.exitCode = 1;
} finally {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
  await admin.end().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
}
