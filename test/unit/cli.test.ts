import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDb, DatabaseLockedError } from '../../src/platform/db/db';

const cli = (args: string[], env: Record<string, string> = {}) => {
  const result = spawnSync(process.execPath, ['bin/recoup.mjs', ...args], {
    encoding: 'utf8',
    // A dist/ left older than the sources by a local build says so on stderr; the checks here read stderr.
    env: { ...process.env, RECOUP_QUIET_STALE: 'true', ...env, DATABASE_URL: '' },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('recoup CLI', () => {
  it('org create prints one JSON line with a working bearer token; migrate is idempotent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recoup-cli-'));
    expect(cli(['migrate'], { RECOUP_DATA_DIR: dir }).code).toBe(0);
    expect(cli(['migrate'], { RECOUP_DATA_DIR: dir }).code).toBe(0);
    const res = cli(
      [
        'org',
        'create',
        '--name',
        'Camp Mistassini',
        '--admin-email',
        'chef@camp.example.ca',
        '--admin-password',
        'motdepasse-1',
        '--locale',
        'en-CA',
      ],
      {
        RECOUP_DATA_DIR: dir,
      },
    );
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]!);
    expect(Object.keys(out).sort()).toEqual(['organizationId', 'token', 'userId']);
    expect(out.organizationId).toMatch(/^org_/);
    expect(out.token).toMatch(/^rtk_/);
    // An e-mail is unique per organization only: another organization may have an administrator with it.
    const again = cli(
      [
        'org',
        'create',
        '--name',
        'X',
        '--admin-email',
        'chef@camp.example.ca',
        '--admin-password',
        'motdepasse-1',
      ],
      {
        RECOUP_DATA_DIR: dir,
      },
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout.trim()).organizationId).not.toBe(out.organizationId);
  });

  it('exits 2 on bad usage and 0 with --help on every command', () => {
    expect(cli(['frobnicate']).code).toBe(2);
    expect(cli(['org', 'create', '--name', 'X']).code).toBe(2);
    expect(cli(['org', 'create', '--bogus']).code).toBe(2);
    expect(cli(['jobs', 'run', 'not-a-job']).code).toBe(2);
    for (const args of [
      ['--help'],
      ['serve', '--help'],
      ['migrate', '--help'],
      ['org', 'create', '--help'],
      ['demo', '--help'],
      ['jobs', 'run', '--help'],
    ]) {
      const res = cli(args);
      expect(res.code, args.join(' ')).toBe(0);
      expect(res.stdout).toMatch(/Usage: recoup/);
    }
  });

  it('exits 1 with one line naming the variable on bad configuration', () => {
    const res = cli(['migrate'], { PORT: 'http' });
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe('recoup: PORT must be a whole number from 0 to 65535 (got "http")');
  });
});

describe('embedded database lock', () => {
  it('refuses a data directory another live process holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recoup-lock-'));
    const holder = spawn('sleep', ['30']);
    try {
      writeFileSync(join(dir, 'recoup.lock'), String(holder.pid));
      await expect(createDb({ dataDir: dir })).rejects.toBeInstanceOf(DatabaseLockedError);
      await expect(createDb({ dataDir: dir })).rejects.toThrow(/in use by process/);
    } finally {
      holder.kill();
    }
  });

  it('takes over a lock left by a process that no longer runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recoup-lock-'));
    writeFileSync(join(dir, 'recoup.lock'), '999999');
    const database = await createDb({ dataDir: dir });
    await database.close();
  });
});
