import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../src/app/app';
import { type Container, createContainer } from '../src/app/container';
import { type Config, loadConfig } from '../src/platform/config/config';
import { createTestDatabase } from './databases';

export interface TestContext {
  app: FastifyInstance;
  c: Container;
  config: Config;
  close(): Promise<void>;
}

export interface TestContextOptions {
  env?: Record<string, string>;
  authRateLimit?: { max: number; timeWindow: number };
}

/**
 * One database per test file (a copy of the run's migrated template), the whole product wired on it,
 * no background workers: tests run jobs with `c.queue.drain()` or `c.queue.runNow()`.
 */
export async function createTestContext(opts: TestContextOptions = {}): Promise<TestContext> {
  const database = await createTestDatabase(inject('dbTemplate'));
  const config = loadConfig(
    {
      RECOUP_SANDBOX: 'true',
      PUBLIC_URL: 'http://recoup.test',
      RECOUP_DATA_DIR: mkdtempSync(join(tmpdir(), 'recoup-test-')),
      RECOUP_SECRET: 'test-secret-test-secret-test-secret-0123456789',
      ...opts.env,
    },
    { ensureSecret: false },
  );
  const c = await createContainer(config, {
    database,
    workers: false,
    schedules: false,
    supervise: false,
    migrate: false,
  });
  const app = await buildApp(c, { authRateLimit: opts.authRateLimit, serveWeb: false });
  return {
    app,
    c,
    config,
    async close() {
      await app.close();
      await c.queue.stop({ graceful: false });
      await c.auth.stopListening();
      await database.drop();
    },
  };
}

/** app.inject with a bearer token and JSON, returning the parsed body. */
export async function call(
  app: FastifyInstance,
  token: string | null,
  method: InjectOptions['method'],
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await app.inject({
    method,
    url,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ...(body !== undefined ? { payload: body as object } : {}),
  });
  let json: any = null;
  if (res.body && (res.headers['content-type'] ?? '').toString().includes('json')) json = res.json();
  return { status: res.statusCode, body: json, headers: res.headers, raw: res };
}
