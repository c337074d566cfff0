/**
 * Configuration errors end up in logs and terminals: each names the variable and what it accepts, and
 * never repeats a password or a secret.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const dataDir = () => mkdtempSync(join(tmpdir(), 'recoup-config-'));
const PASSWORD = 'Hunter2-s3cr3t';

function messageOf(env: Record<string, string>): string {
  try {
    loadConfig({ RECOUP_DATA_DIR: dataDir(), ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`no error for ${Object.keys(env).join(', ')}`);
}

describe('errors: a malformed URL names the variable and hides its password', () => {
  const cases: [string, string][] = [
    ['DATABASE_URL', `postgres://recoup:${PASSWORD}@db.internal:port/recoup`],
    ['DATABASE_URL', `postgres://recoup:${PASSWORD}@db.internal:99999/recoup`],
    ['DATABASE_URL', `recoup:${PASSWORD}@db.internal/recoup`],
    ['DATABASE_URL', `mysql://recoup:${PASSWORD}@db.internal/recoup`],
    ['SMTP_URL', `smtp://mailer:${PASSWORD}@mail.internal:notaport`],
    ['SMTP_URL', `http://mailer:${PASSWORD}@mail.internal`],
    ['PUBLIC_URL', `ftp://u:${PASSWORD}@x`],
  ];
  for (const [name, value] of cases) {
    it(`${name}=${value.replace(PASSWORD, '***')}`, () => {
      const extra: Record<string, string> = name === 'DATABASE_URL' ? { RECOUP_SECRET: 'x'.repeat(32) } : {};
      const message = messageOf({ ...extra, [name]: value });
      expect(message.startsWith(`${name} must`)).toBe(true);
      expect(message).not.toContain(PASSWORD);
      expect(message).not.toContain('db.internal');
    });
  }

  it('never prints RECOUP_SECRET', () => {
    expect(messageOf({ RECOUP_SECRET: 'short-secret' })).not.toContain('short-secret');
  });
});

describe('RECOUP_TRUST_PROXY', () => {
  it('defaults to 0 (no proxy trusted) and takes a hop count', () => {
    expect(loadConfig({ RECOUP_DATA_DIR: dataDir() }).trustProxy).toBe(0);
    expect(loadConfig({ RECOUP_DATA_DIR: dataDir(), RECOUP_TRUST_PROXY: '2' }).trustProxy).toBe(2);
  });

  it('refuses anything else, naming the variable', () => {
    for (const bad of ['true', '-1', '1.5', 'all', '100']) {
      expect(messageOf({ RECOUP_TRUST_PROXY: bad })).toMatch(
        /^RECOUP_TRUST_PROXY must be the number of proxies/,
      );
    }
  });
});
