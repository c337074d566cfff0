import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, listenUrl, loadConfig, publicUrlNotice } from './config';

const dataDir = () => mkdtempSync(join(tmpdir(), 'recoup-config-'));

describe('happy', () => {
  it('defaults to the embedded database with the sandbox on', () => {
    const c = loadConfig({ RECOUP_DATA_DIR: dataDir() });
    expect(c).toMatchObject({
      databaseUrl: undefined,
      port: 3000,
      host: '127.0.0.1',
      sandbox: true,
      role: 'all',
      publicUrl: 'http://127.0.0.1:3000',
      publicUrlConfigured: false,
    });
    expect(c.secret.length).toBeGreaterThanOrEqual(32);
  });

  it('keeps the generated secret in the data dir across starts', () => {
    const dir = dataDir();
    expect(loadConfig({ RECOUP_DATA_DIR: dir }).secret).toBe(loadConfig({ RECOUP_DATA_DIR: dir }).secret);
  });

  it('turns the sandbox off by default with PostgreSQL', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://u@h/db',
      RECOUP_SECRET: 'x'.repeat(32),
      RECOUP_ROLE: 'worker',
    });
    expect(c).toMatchObject({ sandbox: false, role: 'worker' });
  });
});

describe('PUBLIC_URL follows the listen address', () => {
  it('defaults to http://HOST:PORT, a wildcard host read as localhost', () => {
    expect(loadConfig({ RECOUP_DATA_DIR: dataDir(), PORT: '4100' }).publicUrl).toBe('http://127.0.0.1:4100');
    expect(loadConfig({ RECOUP_DATA_DIR: dataDir(), HOST: '0.0.0.0', PORT: '80' }).publicUrl).toBe(
      'http://localhost:80',
    );
    expect(listenUrl('::1', 3000)).toBe('http://[::1]:3000');
  });

  it('warns when a configured local PUBLIC_URL is not where the server listens', () => {
    const config = loadConfig({ RECOUP_DATA_DIR: dataDir(), PUBLIC_URL: 'http://localhost:3000/' });
    expect(config).toMatchObject({ publicUrl: 'http://localhost:3000', publicUrlConfigured: true });
    expect(publicUrlNotice(config, 'http://localhost:3000')).toBeNull();
    const notice = publicUrlNotice(config, 'http://127.0.0.1:4100');
    expect(notice?.level).toBe('warn');
    expect(notice?.text).toContain('http://127.0.0.1:4100');
    // Another host: a reverse proxy's address, reported without alarm.
    const proxied = { publicUrl: 'https://billing.example.ca', publicUrlConfigured: true };
    expect(publicUrlNotice(proxied, 'http://127.0.0.1:3000')?.level).toBe('info');
    expect(publicUrlNotice({ ...config, publicUrlConfigured: false }, 'http://127.0.0.1:1')).toBeNull();
  });
});

describe('errors: a wrong value names the variable and what it accepts', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'abc' }, /^PORT must be a whole number from 0 to 65535/],
    [{ PORT: '70000' }, /^PORT must be/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must use postgres: or postgresql:/],
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL must be a URL/],
    [{ SMTP_URL: 'http://mail' }, /^SMTP_URL must use smtp: or smtps:/],
    [{ PUBLIC_URL: 'ftp://x' }, /^PUBLIC_URL must use http: or https:/],
    [{ RECOUP_SANDBOX: 'yes' }, /^RECOUP_SANDBOX must be true or false/],
    [{ RECOUP_ROLE: 'boss' }, /^RECOUP_ROLE must be all, api or worker/],
    [{ RECOUP_ROLE: 'api' }, /^RECOUP_ROLE must be all with the embedded database/],
    [{ RECOUP_SECRET: 'short' }, /^RECOUP_SECRET must be at least 32 characters/],
  ];
  for (const [env, message] of cases) {
    it(`${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`, () => {
      expect(() => loadConfig({ RECOUP_DATA_DIR: dataDir(), ...env })).toThrow(ConfigError);
      expect(() => loadConfig({ RECOUP_DATA_DIR: dataDir(), ...env })).toThrow(message);
    });
  }
});
