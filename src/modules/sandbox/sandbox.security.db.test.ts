/**
 * The sandbox controls move time and money for an organization: each needs settings.manage, and a
 * refusal changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call, createTestContext, type TestContext } from '../../../test/harness';

let t: TestContext;
let a: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  a = await createOrg(t.c);
});
afterAll(async () => t?.close());

const CONTROLS = [
  ['GET', '/api/v1/sandbox/clock', undefined],
  ['PUT', '/api/v1/sandbox/clock', { now: '2031-01-01T00:00:00.000Z' }],
  ['POST', '/api/v1/sandbox/jobs/payments-due', undefined],
  ['POST', '/api/v1/sandbox/queue/drain', undefined],
  ['GET', '/api/v1/sandbox/merchant-balance', undefined],
  ['PUT', '/api/v1/sandbox/merchant-balance', { amount: 1 }],
  ['POST', '/api/v1/sandbox/payment-methods/pm_x/next-outcome', { outcome: 'succeed' }],
] as const;

describe('authz: every sandbox control needs settings.manage', () => {
  it('answers 403 problem+json to staff and to an accountant-less role, and the clock does not move', async () => {
    const before = t.c.clock.now().getTime();
    const staff = await a.tokenFor('staff');
    for (const [method, url, body] of CONTROLS) {
      const res = await call(t.app, staff.token, method, url, body);
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.detail).toContain('settings.manage');
    }
    expect(Math.abs(t.c.clock.now().getTime() - before)).toBeLessThan(5_000);
  });

  it('lets an administrator use them', async () => {
    const res = await call(t.app, a.adminToken, 'GET', '/api/v1/sandbox/clock');
    expect(res.status).toBe(200);
  });
});
