import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call, createTestContext, type TestContext } from '../../../test/harness';

let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestContext({ authRateLimit: { max: 5, timeWindow: 60_000 } });
  org = await createOrg(t.c);
});
afterAll(async () => t?.close());

describe('happy', () => {
  it('signs in with a bearer token and reads /me', async () => {
    const res = await call(t.app, null, 'POST', '/api/v1/auth/token', {
      email: org.adminEmail,
      password: 'correct horse battery',
    });
    expect(res.status).toBe(201);
    const me = await call(t.app, res.body.token, 'GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: org.adminId, role: 'admin', organizationId: org.organizationId });
    expect(me.body.permissions).toContain('reconciliations.manage');
  });
});
