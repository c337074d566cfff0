/**
 * Sign-in across tenants and under attack: an e-mail is unique per organization only and creating a person
 * never tells one tenant who uses another; sign-in without an organization succeeds only when exactly one
 * person matches the e-mail and password; repeated wrong passwords lock password sign-in for that e-mail,
 * known or not, with a message that says when to try again.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import { LOCKOUT } from './auth.service';
import { signInThrottle } from './users.table';

const PASSWORD = 'correct horse battery';
let t: TestContext;
let a: TestOrg;
let b: TestOrg;

beforeAll(async () => {
  // The per-IP limit is not what these tests are about.
  t = await createTestContext({ authRateLimit: { max: 1000, timeWindow: 60_000 } });
  a = await createOrg(t.c);
  b = await createOrg(t.c);
});
afterAll(async () => t?.close());

const token = (body: Record<string, unknown>) => call(t.app, null, 'POST', '/api/v1/auth/token', body);
const addUser = (org: TestOrg, email: string, password = PASSWORD) =>
  call(t.app, org.adminToken, 'POST', '/api/v1/users', {
    email,
    name: 'Same Person',
    password,
    role: 'staff',
  });

describe('e-mail unique per organization', () => {
  it('creates a person whose e-mail exists in another organization (no 409 that reveals it)', async () => {
    const res = await addUser(b, a.adminEmail.toUpperCase(), 'another password 1');
    expect(res.status).toBe(201);
    // Within one organization it is still refused, with the reason.
    const again = await addUser(b, a.adminEmail);
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.body.detail).toMatch(/in this organization/);
  });

  it('signs in the one person whose password matches, in their own organization', async () => {
    const email = a.adminEmail;
    const first = await token({ email, password: PASSWORD });
    expect(first.status).toBe(201);
    expect((await call(t.app, first.body.token, 'GET', '/api/v1/me')).body.organizationId).toBe(
      a.organizationId,
    );
    const second = await token({ email, password: 'another password 1' });
    expect(second.status).toBe(201);
    expect((await call(t.app, second.body.token, 'GET', '/api/v1/me')).body.organizationId).toBe(
      b.organizationId,
    );
  });

  it('asks for the organization when one e-mail and password match several, never naming them', async () => {
    const email = `twice-${Date.now()}@example.ca`;
    expect((await addUser(a, email)).status).toBe(201);
    expect((await addUser(b, email)).status).toBe(201);
    const ambiguous = await token({ email, password: PASSWORD });
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.code).toBe('organization_required');
    expect(JSON.stringify(ambiguous.body)).not.toContain(a.organizationId);
    expect(JSON.stringify(ambiguous.body)).not.toContain(b.organizationId);
    const named = await token({ email, password: PASSWORD, organizationId: b.organizationId });
    expect(named.status).toBe(201);
    expect((await call(t.app, named.body.token, 'GET', '/api/v1/me')).body.organizationId).toBe(
      b.organizationId,
    );
    // Naming an organization the person is not in is the same 401 as a wrong password.
    const other = await createOrg(t.c);
    const wrongOrg = await token({ email, password: PASSWORD, organizationId: other.organizationId });
    expect(wrongOrg.status).toBe(401);
    expect(wrongOrg.body.detail).toBe('Wrong e-mail or password');
    const bad = await token({ email, password: PASSWORD, organizationId: 'not an id' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('body.organizationId');
  });
});

describe('lockout after repeated wrong passwords', () => {
  it('locks password sign-in for the e-mail with 429, Retry-After and when to try again; tokens keep working', async () => {
    const staff = await a.tokenFor('staff');
    for (let i = 1; i < LOCKOUT.failures; i++) {
      expect((await token({ email: staff.email, password: `guess ${i}` })).status).toBe(401);
    }
    const locked = await token({ email: staff.email, password: 'guess last' });
    expect(locked.status).toBe(429);
    expect(locked.headers['content-type']).toContain('application/problem+json');
    expect(locked.body.code).toBe('sign_in_locked');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(60);
    expect(Date.parse(locked.body.retryAfter)).toBeGreaterThan(Date.now());
    expect(locked.body.detail).toMatch(/locked until .* \(in 15 min\)/);
    // Even the right password waits: otherwise the lock would not slow a guesser down.
    expect((await token({ email: staff.email.toUpperCase(), password: PASSWORD })).status).toBe(429);
    expect((await call(t.app, staff.token, 'GET', '/api/v1/me')).status).toBe(200);
    // The lock lifts by itself (here: the lock's end is moved into the past).
    await t.c.db
      .update(signInThrottle)
      .set({ lockedUntil: new Date(Date.now() - 1000) })
      .where(eq(signInThrottle.emailKey, staff.email.toLowerCase()));
    expect((await token({ email: staff.email, password: PASSWORD })).status).toBe(201);
  });

  it('a success resets the count, and an e-mail nobody uses locks the same way (no enumeration)', async () => {
    const staff = await a.tokenFor('staff');
    for (let i = 1; i < LOCKOUT.failures; i++) await token({ email: staff.email, password: `guess ${i}` });
    expect((await token({ email: staff.email, password: PASSWORD })).status).toBe(201);
    expect((await token({ email: staff.email, password: 'guess again' })).status).toBe(401);

    const nobody = `nobody-${Date.now()}@example.ca`;
    const answers: number[] = [];
    for (let i = 0; i < LOCKOUT.failures + 1; i++) {
      answers.push((await token({ email: nobody, password: `guess ${i}` })).status);
    }
    expect(answers.slice(0, LOCKOUT.failures - 1).every((s) => s === 401)).toBe(true);
    expect(answers.slice(LOCKOUT.failures - 1)).toEqual([429, 429]);
  });
});
