import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const dataDir = () => mkdtempSync(join(tmpdir(), 'recoup-config-'));
const TEST_KEYS = {
  STRIPE_SECRET_KEY: 'sk_test_51AbCdEfGhIjKlMnOp',
  STRIPE_PUBLISHABLE_KEY: 'pk_test_51AbCdEfGhIjKlMnOp',
  STRIPE_WEBHOOK_SECRET: 'whsec_AbCdEfGhIjKlMnOp',
};
const LIVE_KEYS = {
  STRIPE_SECRET_KEY: 'sk_live_51AbCdEfGhIjKlMnOp',
  STRIPE_PUBLISHABLE_KEY: 'pk_live_51AbCdEfGhIjKlMnOp',
  STRIPE_WEBHOOK_SECRET: 'whsec_AbCdEfGhIjKlMnOp',
};
const PG = { DATABASE_URL: 'postgres://u@h/db', RECOUP_SECRET: 'x'.repeat(32) };

describe('happy: RECOUP_GATEWAY and its defaults', () => {
  it('is the sandbox gateway when the sandbox is on', () => {
    expect(loadConfig({ RECOUP_DATA_DIR: dataDir() })).toMatchObject({ gateway: 'sandbox', stripe: null });
  });
  it('is none with the sandbox off and no Stripe key', () => {
    expect(loadConfig(PG)).toMatchObject({ gateway: null, stripe: null });
  });
  it('is stripe with the sandbox off and a live key', () => {
    const c = loadConfig({ ...PG, ...LIVE_KEYS });
    expect(c.gateway).toBe('stripe');
    expect(c.stripe).toMatchObject({ mode: 'live', apiBase: undefined });
  });
  it('can be stripe in test mode inside the sandbox, pointed at a local Stripe-shaped server', () => {
    const c = loadConfig({
      RECOUP_DATA_DIR: dataDir(),
      RECOUP_GATEWAY: 'stripe',
      STRIPE_API_BASE: 'http://127.0.0.1:12111',
      ...TEST_KEYS,
    });
    expect(c.gateway).toBe('stripe');
    expect(c.stripe?.apiBase).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
  });
});

describe('errors: one line naming the variable, never the key', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ RECOUP_GATEWAY: 'paypal' }, /^RECOUP_GATEWAY must be sandbox or stripe/],
    [{ ...PG, RECOUP_GATEWAY: 'sandbox' }, /^RECOUP_GATEWAY=sandbox needs RECOUP_SANDBOX=true/],
    [{ RECOUP_GATEWAY: 'stripe' }, /^STRIPE_SECRET_KEY must be set when RECOUP_GATEWAY=stripe/],
    [{ STRIPE_SECRET_KEY: 'sk_nope_secretvalue123' }, /^STRIPE_SECRET_KEY must be a Stripe secret key/],
    // a live-mode key in a sandbox organization, and the reverse
    [{ ...LIVE_KEYS }, /^STRIPE_SECRET_KEY is a live-mode key but RECOUP_SANDBOX=true/],
    [{ ...PG, ...TEST_KEYS }, /^STRIPE_SECRET_KEY is a test-mode key but RECOUP_SANDBOX=false/],
    [
      { ...PG, ...LIVE_KEYS, STRIPE_PUBLISHABLE_KEY: 'pk_test_51AbCdEfGhIjKlMnOp' },
      /^STRIPE_PUBLISHABLE_KEY must be a live-mode key/,
    ],
    [{ ...PG, ...LIVE_KEYS, STRIPE_PUBLISHABLE_KEY: '' }, /^STRIPE_PUBLISHABLE_KEY must be set/],
    [{ ...PG, ...LIVE_KEYS, STRIPE_WEBHOOK_SECRET: 'nope' }, /^STRIPE_WEBHOOK_SECRET must be set/],
    [
      { ...PG, ...LIVE_KEYS, STRIPE_API_BASE: 'http://127.0.0.1:12111' },
      /^STRIPE_API_BASE is for tests only/,
    ],
    [
      { RECOUP_GATEWAY: 'stripe', ...TEST_KEYS, STRIPE_API_BASE: 'ftp://x' },
      /^STRIPE_API_BASE must use http: or https:/,
    ],
  ];
  for (const [env, message] of cases) {
    it(Object.keys(env).join(' '), () => {
      let error: unknown;
      try {
        loadConfig({ RECOUP_DATA_DIR: dataDir(), ...env });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const line = (error as Error).message;
      expect(line).toMatch(message);
      expect(line).not.toContain('\n');
      for (const value of [...Object.values(TEST_KEYS), ...Object.values(LIVE_KEYS), 'secretvalue']) {
        expect(line).not.toContain(value);
      }
    });
  }
});
