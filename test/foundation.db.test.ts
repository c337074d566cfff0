import { existsSync, readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInOrganization } from '../src/lib/organization-context';
import { migrateDb } from '../src/platform/db/db';
import { createOrg, type TestOrg } from './factories';
import { call, createTestContext, type TestContext } from './harness';

let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c);
});
afterAll(async () => t?.close());

describe('operations', () => {
  it('answers /healthz and /readyz (database and queue)', async () => {
    expect((await call(t.app, null, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await call(t.app, null, 'GET', '/readyz')).body).toEqual({
      status: 'ready',
      database: 'ok',
      queue: 'ok',
    });
  });

  it('applies migrations again without error (idempotent)', async () => {
    await migrateDb(t.c.database);
    await migrateDb(t.c.database);
    expect((await call(t.app, org.adminToken, 'GET', '/api/v1/me')).status).toBe(200);
  });

  it('sets security headers and a request ID', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'req-123' },
    });
    expect(res.headers['x-request-id']).toBe('req-123');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    // The sandbox has no Stripe.js: nothing outside this origin may run or be framed.
    expect(res.headers['content-security-policy']).toContain("script-src 'self';");
    expect(res.headers['content-security-policy']).not.toContain('stripe.com');
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });
});

describe('sandbox clock', () => {
  it('moves "now" for the caller\'s organization (its requests and jobs) and keeps it in the database', async () => {
    const target = '2027-01-31T23:30:00.000Z';
    const put = await call(t.app, org.adminToken, 'PUT', '/api/v1/sandbox/clock', { now: target });
    expect(put.status).toBe(200);
    const got = await call(t.app, org.adminToken, 'GET', '/api/v1/sandbox/clock');
    expect(Math.abs(new Date(got.body.now).getTime() - new Date(target).getTime())).toBeLessThan(5_000);
    const orgNow = runInOrganization(org.organizationId, () => t.c.clock.now());
    expect(Math.abs(orgNow.getTime() - new Date(target).getTime())).toBeLessThan(5_000);
    // Sessions and tokens live in real time: moving the sandbox clock neither ages nor revives them.
    const issued = await t.c.auth.issue(
      { organizationId: org.organizationId, id: org.adminId },
      'bearer',
      60_000,
    );
    expect(Math.abs(issued.expiresAt.getTime() - (Date.now() + 60_000))).toBeLessThan(5_000);
    await call(t.app, org.adminToken, 'PUT', '/api/v1/sandbox/clock', { now: new Date().toISOString() });
  });

  it('refuses a clock that is not an instant', async () => {
    const res = await call(t.app, org.adminToken, 'PUT', '/api/v1/sandbox/clock', { now: 'tomorrow' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('body.now');
  });

  it('every sandbox path is a 404 when the sandbox is off', async () => {
    const off = await createTestContext({ env: { RECOUP_SANDBOX: 'false' } });
    try {
      const offOrg = await createOrg(off.c);
      for (const [method, url] of [
        ['GET', '/api/v1/sandbox/clock'],
        ['PUT', '/api/v1/sandbox/clock'],
        ['POST', '/api/v1/sandbox/jobs/payments-due'],
        ['POST', '/api/v1/sandbox/queue/drain'],
        ['PUT', '/api/v1/sandbox/merchant-balance'],
        ['POST', '/api/v1/sandbox/payment-methods/pm_x/next-outcome'],
      ] as const) {
        const res = await call(off.app, offOrg.adminToken, method, url, method === 'GET' ? undefined : {});
        expect(res.status, `${method} ${url}`).toBe(404);
        expect(res.headers['content-type']).toContain('application/problem+json');
      }
    } finally {
      await off.close();
    }
  });
});

describe('bad input never gives a 500', () => {
  it('malformed JSON → 400 problem+json', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/organization',
      headers: { authorization: `Bearer ${org.adminToken}`, 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 400, title: 'Bad request' });
  });

  it('a body over the limit → 413; an unknown route → 404 problem+json', async () => {
    const res = await call(t.app, org.adminToken, 'PATCH', '/api/v1/organization', {
      name: 'x'.repeat(300_000),
    });
    expect(res.status).toBe(413);
    const unknown = await call(t.app, org.adminToken, 'GET', '/api/v1/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ status: 404, title: 'Not found' });
  });

  it('huge strings are refused by the schema, not by the database', async () => {
    const res = await call(t.app, org.adminToken, 'PATCH', '/api/v1/organization', {
      name: 'x'.repeat(5_000),
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('body.name');
  });
});

const NOT_YET_SERVED: string[] = [];

describe('OpenAPI', () => {
  it('serves a valid OpenAPI 3 document', async () => {
    const res = await call(t.app, null, 'GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const result = await new Validator().validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every path of API.md with its method', async () => {
    const apiMd = existsSync('../shared/API.md')
      ? readFileSync('../shared/API.md', 'utf8')
      : readFileSync('test/fixtures/API.md', 'utf8');
    const expected = new Set<string>();
    for (const match of apiMd.matchAll(/`((?:(?:GET|POST|PUT|PATCH|DELETE)\|?)+) (\/api\/v1\/[^\s`?[]+)/g)) {
      const path = match[2]!.replace(/:(\w+)/g, '{$1}').replace(/\/$/, '');
      for (const method of match[1]!.split('|').filter(Boolean)) expected.add(`${method} ${path}`);
    }
    const doc = (await call(t.app, null, 'GET', '/api/v1/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    expect(expected.size).toBeGreaterThan(40);
    const missing = [...expected].filter((e) => !documented.has(e)).sort();
    // What API.md promises and is not served yet, by the issue that delivers it. A path that lands must
    // leave this list (the test fails both ways), so the list only shrinks.
    expect(missing).toEqual(existsSync('../shared/API.md') ? [...NOT_YET_SERVED].sort() : []);
  });
});
