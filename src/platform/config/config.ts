import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type Role = 'all' | 'api' | 'worker';
export type GatewayKind = 'sandbox' | 'stripe';

/** The live gateway's settings (RECOUP_GATEWAY=stripe). `mode` is the keys' mode: test or live. */
export interface StripeConfig {
  secretKey: string;
  publishableKey: string;
  webhookSecret: string;
  mode: 'test' | 'live';
  /** tests only: where the SDK sends its requests instead of api.stripe.com */
  apiBase: { host: string; port: number; protocol: 'http' | 'https' } | undefined;
}

export interface Config {
  databaseUrl: string | undefined;
  /**
   * DATABASE_SESSION_URL: where session-level features go (migrations' advisory lock, pg-boss, LISTEN)
   * when DATABASE_URL is a transaction-mode pooler; defaults to DATABASE_URL.
   */
  databaseSessionUrl?: string;
  dataDir: string;
  port: number;
  host: string;
  smtpUrl: string | undefined;
  /** Base URL of e-mail links: PUBLIC_URL, else the address the server listens on. */
  publicUrl: string;
  /** PUBLIC_URL was set (so it may differ from the listen address, e.g. behind a reverse proxy). */
  publicUrlConfigured: boolean;
  sandbox: boolean;
  secret: string;
  role: Role;
  /** How many proxies in front of the server to trust for X-Forwarded-For (rate limits, logs); 0 = none. */
  trustProxy: number;
  /** which payment gateway moves money; null: none (money-moving calls answer 503) */
  gateway: GatewayKind | null;
  stripe: StripeConfig | null;
}

/** A configuration value that cannot be used: the process stops with this one line. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function parseBool(name: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`${name} must be true or false (got "${value}")`);
}

/**
 * A URL may carry a password (`postgres://user:secret@host/db`, `smtp://user:secret@host`), so an error
 * names the variable and says what is wrong, and never repeats the value: the line ends up in logs.
 */
function parseUrl(name: string, value: string, protocols: string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      `${name} must be a URL such as ${protocols[0]}//user:password@host:port/... (the value is not shown; ` +
        'percent-encode special characters in the user name and password)',
    );
  }
  if (!protocols.includes(url.protocol)) {
    const shown = /^[a-z][a-z0-9+.-]{0,20}:$/.test(url.protocol) ? ` (got "${url.protocol}")` : '';
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}${shown}`);
  }
  return value;
}

/** Reads and checks the environment (API.md's table). Never reads process.env elsewhere. */
export function loadConfig(env: Env = process.env, opts: { ensureSecret?: boolean } = {}): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl) parseUrl('DATABASE_URL', databaseUrl, ['postgres:', 'postgresql:']);
  const databaseSessionUrl = env.DATABASE_SESSION_URL?.trim() || databaseUrl;
  if (databaseSessionUrl !== databaseUrl) {
    if (!databaseUrl) throw new ConfigError('DATABASE_SESSION_URL needs DATABASE_URL');
    parseUrl('DATABASE_SESSION_URL', databaseSessionUrl!, ['postgres:', 'postgresql:']);
  }
  const dataDir = resolve(env.RECOUP_DATA_DIR?.trim() || './data');

  const portText = env.PORT?.trim() || '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be a whole number from 0 to 65535 (got "${portText}")`);
  }
  const host = env.HOST?.trim() || '127.0.0.1';

  const smtpUrl = env.SMTP_URL?.trim() || undefined;
  if (smtpUrl) parseUrl('SMTP_URL', smtpUrl, ['smtp:', 'smtps:']);

  const publicUrlConfigured = Boolean(env.PUBLIC_URL?.trim());
  const publicUrl = (env.PUBLIC_URL?.trim() || listenUrl(host, port)).replace(/\/+$/, '');
  parseUrl('PUBLIC_URL', publicUrl, ['http:', 'https:']);

  const sandbox = env.RECOUP_SANDBOX?.trim()
    ? parseBool('RECOUP_SANDBOX', env.RECOUP_SANDBOX.trim())
    : !databaseUrl;

  const roleText = env.RECOUP_ROLE?.trim() || 'all';
  if (!['all', 'api', 'worker'].includes(roleText)) {
    throw new ConfigError(`RECOUP_ROLE must be all, api or worker (got "${roleText}")`);
  }
  const role = roleText as Role;
  if (!databaseUrl && role !== 'all') {
    throw new ConfigError(
      `RECOUP_ROLE must be all with the embedded database (got "${role}"); set DATABASE_URL`,
    );
  }

  const trustText = env.RECOUP_TRUST_PROXY?.trim() || '0';
  if (!/^\d{1,2}$/.test(trustText)) {
    throw new ConfigError(
      'RECOUP_TRUST_PROXY must be the number of proxies in front of the server, 0 to 99 (0 trusts none)',
    );
  }
  const trustProxy = Number(trustText);

  let secret = env.RECOUP_SECRET?.trim() || '';
  if (secret && secret.length < 32) {
    throw new ConfigError('RECOUP_SECRET must be at least 32 characters long');
  }
  if (!secret) {
    if (databaseUrl && opts.ensureSecret !== false && env.NODE_ENV === 'production') {
      throw new ConfigError('RECOUP_SECRET must be set when DATABASE_URL is set (at least 32 characters)');
    }
    secret = opts.ensureSecret === false ? randomBytes(32).toString('hex') : keptSecret(dataDir);
  }

  const { gateway, stripe } = gatewayConfig(env, sandbox);

  return {
    databaseUrl,
    databaseSessionUrl,
    dataDir,
    port,
    host,
    smtpUrl,
    publicUrl,
    publicUrlConfigured,
    sandbox,
    secret,
    role,
    trustProxy,
    gateway,
    stripe,
  };
}

/**
 * The address a browser on this machine reaches the server at: a wildcard listen address (0.0.0.0, ::)
 * is reached as localhost. PUBLIC_URL's default, so that e-mail links work whatever PORT is.
 */
export function listenUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '0.0.0.0', '[::]']);

/**
 * The start-up warning when a configured PUBLIC_URL points at this machine but not at the port the server
 * listens on: every portal link in every e-mail would be refused. A PUBLIC_URL on another host is taken to
 * be a reverse proxy's address and is only reported. Never prints a password (PUBLIC_URL has none).
 */
export function publicUrlNotice(
  config: Pick<Config, 'publicUrl' | 'publicUrlConfigured'>,
  listening: string,
) {
  if (!config.publicUrlConfigured) return null;
  const configured = new URL(config.publicUrl);
  const actual = new URL(listening);
  if (configured.origin === actual.origin) return null;
  if (LOCAL_HOSTS.has(configured.hostname) && configured.port !== actual.port) {
    return {
      level: 'warn' as const,
      text:
        `Warning: PUBLIC_URL is ${configured.origin} but the server listens on ${actual.origin}: ` +
        'links in e-mails (portal, digest) will not reach it. Unset PUBLIC_URL or set it to the address people use.',
    };
  }
  return { level: 'info' as const, text: `Links in e-mails use PUBLIC_URL ${configured.origin}` };
}

/**
 * RECOUP_GATEWAY and the STRIPE_* keys. A key's mode must match the deployment: a live key with the sandbox on
 * would move real money from demo data, and a test key with the sandbox off would make a real organization
 * believe it is collecting money that never moves. Errors name the variable, never the key.
 */
function gatewayConfig(
  env: Env,
  sandbox: boolean,
): { gateway: GatewayKind | null; stripe: StripeConfig | null } {
  const secretKey = env.STRIPE_SECRET_KEY?.trim() || undefined;
  const publishableKey = env.STRIPE_PUBLISHABLE_KEY?.trim() || undefined;
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET?.trim() || undefined;
  const apiBaseText = env.STRIPE_API_BASE?.trim() || undefined;

  const gatewayText = env.RECOUP_GATEWAY?.trim() || (sandbox ? 'sandbox' : secretKey ? 'stripe' : '');
  if (gatewayText && gatewayText !== 'sandbox' && gatewayText !== 'stripe') {
    throw new ConfigError(`RECOUP_GATEWAY must be sandbox or stripe (got "${gatewayText.slice(0, 20)}")`);
  }
  const gateway = (gatewayText || null) as GatewayKind | null;
  if (gateway === 'sandbox' && !sandbox) {
    throw new ConfigError(
      'RECOUP_GATEWAY=sandbox needs RECOUP_SANDBOX=true (the sandbox gateway only runs in the sandbox)',
    );
  }

  let mode: 'test' | 'live' | undefined;
  if (secretKey) {
    const m = /^(?:sk|rk)_(test|live)_[A-Za-z0-9]{8,}$/.exec(secretKey);
    if (!m) {
      throw new ConfigError(
        'STRIPE_SECRET_KEY must be a Stripe secret key (sk_test_… or sk_live_…; the value is not shown)',
      );
    }
    mode = m[1] as 'test' | 'live';
    if (mode === 'live' && sandbox) {
      throw new ConfigError(
        'STRIPE_SECRET_KEY is a live-mode key but RECOUP_SANDBOX=true: a sandbox never moves real money (use an sk_test_ key)',
      );
    }
    if (mode === 'test' && !sandbox && gateway === 'stripe') {
      throw new ConfigError(
        'STRIPE_SECRET_KEY is a test-mode key but RECOUP_SANDBOX=false: real organizations need an sk_live_ key (or set RECOUP_SANDBOX=true)',
      );
    }
  }
  if (gateway !== 'stripe') return { gateway, stripe: null };

  if (!secretKey || !mode) throw new ConfigError('STRIPE_SECRET_KEY must be set when RECOUP_GATEWAY=stripe');
  const pk = publishableKey ? /^pk_(test|live)_[A-Za-z0-9]{8,}$/.exec(publishableKey) : null;
  if (!pk) {
    throw new ConfigError(
      `STRIPE_PUBLISHABLE_KEY must be set to a Stripe publishable key (pk_${mode}_…) when RECOUP_GATEWAY=stripe`,
    );
  }
  if (pk[1] !== mode) {
    throw new ConfigError(
      `STRIPE_PUBLISHABLE_KEY must be a ${mode}-mode key like STRIPE_SECRET_KEY (pk_${mode}_…)`,
    );
  }
  if (!webhookSecret || !/^whsec_[A-Za-z0-9]{8,}$/.test(webhookSecret)) {
    throw new ConfigError(
      'STRIPE_WEBHOOK_SECRET must be set to the signing secret of the webhook endpoint (whsec_…; the value is not shown)',
    );
  }
  let apiBase: StripeConfig['apiBase'];
  if (apiBaseText) {
    parseUrl('STRIPE_API_BASE', apiBaseText, ['http:', 'https:']);
    if (mode === 'live') {
      throw new ConfigError('STRIPE_API_BASE is for tests only: it cannot be used with a live-mode key');
    }
    const url = new URL(apiBaseText);
    const protocol = url.protocol === 'http:' ? 'http' : 'https';
    apiBase = {
      host: url.hostname,
      port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443,
      protocol,
    };
  }
  return { gateway, stripe: { secretKey, publishableKey: publishableKey!, webhookSecret, mode, apiBase } };
}

/** The embedded set-up keeps a generated secret beside its database, so links survive a restart. */
function keptSecret(dataDir: string): string {
  const file = join(dataDir, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
