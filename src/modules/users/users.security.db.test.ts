/**
 * People and their credentials: deactivation and revocation stop a person at once (in every process),
 * tokens can be listed and revoked, a password changes only with the current one, hashes carry their
 * scrypt parameters and are upgraded at sign-in, the CSRF token is compared in constant time, and rate
 * limits see the client behind a trusted proxy.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import { sameSecret } from './auth.guard';
import { AuthService } from './auth.service';
import { hashPassword, needsRehash, SCRYPT_PARAMS, verifyPassword } from './passwords';
import { users } from './users.table';

const PASSWORD = 'correct horse battery';
let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c);
});
afterAll(async () => t?.close());

const signIn = (email: string, password = PASSWORD) =>
  call(t.app, null, 'POST', '/api/v1/auth/token', { email, password });

describe('deactivate and reactivate', () => {
  it('stops every token of the person at once, even one the cache holds, and refuses sign-in', async () => {
    const staff = await org.tokenFor('staff');
    const second = (await signIn(staff.email)).body.token as string;
    expect((await call(t.app, staff.token, 'GET', '/api/v1/me')).status).toBe(200); // cached now
    const res = await call(t.app, org.adminToken, 'POST', `/api/v1/users/${staff.userId}/deactivate`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: staff.userId, active: false });
    for (const token of [staff.token, second]) {
      expect((await call(t.app, token, 'GET', '/api/v1/me')).status).toBe(401);
    }
    const refused = await signIn(staff.email);
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/deactivated/);

    const back = await call(t.app, org.adminToken, 'POST', `/api/v1/users/${staff.userId}/reactivate`);
    expect(back.body).toMatchObject({ active: true, deactivatedAt: null });
    expect((await call(t.app, staff.token, 'GET', '/api/v1/me')).status).toBe(401); // stays revoked
    expect((await signIn(staff.email)).status).toBe(201);
  });

  it('reaches another process at once (PostgreSQL: LISTEN/NOTIFY), not after the cache TTL', async () => {
    if (t.c.database.kind !== 'pg') return; // the embedded database is one process
    const other = new AuthService({ db: t.c.db, clock: t.c.clock, principalCache: { ttlMs: 600_000 } });
    await other.listen(t.c.database.url!);
    try {
      const staff = await org.tokenFor('staff');
      expect(await other.resolve(staff.token)).not.toBeNull(); // cached for ten minutes
      await call(t.app, org.adminToken, 'POST', `/api/v1/users/${staff.userId}/deactivate`);
      let seen: unknown = 'still there';
      for (let i = 0; i < 50 && seen !== null; i++) {
        await new Promise((r) => setTimeout(r, 20));
        seen = await other.resolve(staff.token);
      }
      expect(seen).toBeNull();
    } finally {
      await other.stopListening();
    }
  });

  it('refuses to deactivate oneself (422), another organization’s person is 404, staff gets 403', async () => {
    const self = await call(t.app, org.adminToken, 'POST', `/api/v1/users/${org.adminId}/deactivate`);
    expect(self.status).toBe(422);
    expect(self.headers['content-type']).toContain('application/problem+json');
    expect((await call(t.app, org.adminToken, 'GET', '/api/v1/me')).status).toBe(200);
    const other = await createOrg(t.c);
    expect(
      (await call(t.app, org.adminToken, 'POST', `/api/v1/users/${other.adminId}/deactivate`)).status,
    ).toBe(404);
    const staff = await org.tokenFor('staff');
    expect((await call(t.app, staff.token, 'POST', `/api/v1/users/${org.adminId}/deactivate`)).status).toBe(
      403,
    );
  });
});

describe('tokens', () => {
  it('lists my live tokens without secrets and revokes one', async () => {
    const me = await org.tokenFor('accountant');
    const extra = (await signIn(me.email)).body.token as string;
    const list = await call(t.app, me.token, 'GET', '/api/v1/me/tokens');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    expect(JSON.stringify(list.body)).not.toContain(extra);
    expect(list.body.items.filter((x: { current: boolean }) => x.current)).toHaveLength(1);
    const target = list.body.items.find((x: { current: boolean }) => !x.current);
    expect((await call(t.app, extra, 'GET', '/api/v1/me')).status).toBe(200);
    expect((await call(t.app, me.token, 'DELETE', `/api/v1/me/tokens/${target.id}`)).status).toBe(204);
    expect((await call(t.app, extra, 'GET', '/api/v1/me')).status).toBe(401);
    expect((await call(t.app, me.token, 'DELETE', `/api/v1/me/tokens/${target.id}`)).status).toBe(404);
  });

  it('an administrator revokes anyone’s token; staff cannot revoke another person’s (404)', async () => {
    const staff = await org.tokenFor('staff');
    const victim = await org.tokenFor('accountant');
    const theirs = await call(t.app, org.adminToken, 'GET', `/api/v1/users/${victim.userId}/tokens`);
    expect(theirs.body.items).toHaveLength(1);
    const id = theirs.body.items[0].id;
    expect((await call(t.app, staff.token, 'DELETE', `/api/v1/me/tokens/${id}`)).status).toBe(404);
    expect((await call(t.app, victim.token, 'GET', '/api/v1/me')).status).toBe(200);
    expect((await call(t.app, org.adminToken, 'DELETE', `/api/v1/me/tokens/${id}`)).status).toBe(204);
    expect((await call(t.app, victim.token, 'GET', '/api/v1/me')).status).toBe(401);
  });
});

describe('change password', () => {
  it('needs the current password; then the old one fails and my other sessions end', async () => {
    const me = await org.tokenFor('accountant');
    const other = (await signIn(me.email)).body.token as string;
    const wrong = await call(t.app, me.token, 'POST', '/api/v1/me/password', {
      current: 'not it',
      new: 'brand new password',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].field).toBe('body.current');
    expect((await signIn(me.email)).status).toBe(201); // nothing changed
    const same = await call(t.app, me.token, 'POST', '/api/v1/me/password', {
      current: PASSWORD,
      new: PASSWORD,
    });
    expect(same.status).toBe(400);
    const ok = await call(t.app, me.token, 'POST', '/api/v1/me/password', {
      current: PASSWORD,
      new: 'brand new password',
    });
    expect(ok.status).toBe(204);
    expect((await signIn(me.email)).status).toBe(401);
    expect((await signIn(me.email, 'brand new password')).status).toBe(201);
    expect((await call(t.app, other, 'GET', '/api/v1/me')).status).toBe(401);
    expect((await call(t.app, me.token, 'GET', '/api/v1/me')).status).toBe(200);
  });
});

describe('password hashes', () => {
  it('are made at OWASP parameters and carry them', async () => {
    const hash = await hashPassword('x');
    expect(hash.startsWith(`scrypt$${SCRYPT_PARAMS.N}$${SCRYPT_PARAMS.r}$${SCRYPT_PARAMS.p}$`)).toBe(true);
    // One of the Password Storage Cheat Sheet's equivalent scrypt settings.
    const owasp = [
      [2 ** 17, 8, 1],
      [2 ** 16, 8, 2],
      [2 ** 15, 8, 3],
      [2 ** 14, 8, 5],
      [2 ** 13, 8, 10],
    ].map((x) => x.join('/'));
    expect(owasp).toContain([SCRYPT_PARAMS.N, SCRYPT_PARAMS.r, SCRYPT_PARAMS.p].join('/'));
    expect(needsRehash(hash)).toBe(false);
    expect(await verifyPassword('x', hash)).toBe(true);
  });

  it('an old N=2^14 hash verifies with its own parameters and is upgraded at the next sign-in', async () => {
    const me = await org.tokenFor('staff');
    const old = await hashPassword(PASSWORD, { N: 2 ** 14, r: 8, p: 1 });
    const legacy = old.replace(/^scrypt\$16384\$8\$1\$/, 'scrypt$16384$'); // the format before parameters
    await t.c.db
      .update(users)
      .set({ passwordHash: legacy })
      .where(and(eq(users.organizationId, org.organizationId), eq(users.id, me.userId)));
    expect(needsRehash(legacy)).toBe(true);
    expect((await signIn(me.email)).status).toBe(201);
    const [row] = await t.c.db
      .select({ hash: users.passwordHash })
      .from(users)
      .where(and(eq(users.organizationId, org.organizationId), eq(users.id, me.userId)));
    expect(row!.hash.startsWith(`scrypt$${SCRYPT_PARAMS.N}$${SCRYPT_PARAMS.r}$${SCRYPT_PARAMS.p}$`)).toBe(
      true,
    );
    expect((await signIn(me.email)).status).toBe(201);
  });

  it('refuses a stored hash that asks for absurd parameters instead of allocating them', async () => {
    expect(await verifyPassword('x', 'scrypt$1073741824$8$1$AAAA$AAAA')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$1000$8$1$AAAA$AAAA')).toBe(false);
  });
});

describe('CSRF', () => {
  it('compares in constant time and refuses a wrong token of the right length', async () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('', 'abc')).toBe(false);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: org.adminEmail, password: PASSWORD },
    });
    const cookies = Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
    const csrf = cookies.recoup_csrf!;
    const forged = `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}`;
    const write = (token: string) =>
      t.app.inject({
        method: 'PATCH',
        url: '/api/v1/me/email-preferences',
        cookies: { recoup_session: cookies.recoup_session! },
        headers: { 'x-csrf-token': token },
        payload: { failedTransactionsDigest: true },
      });
    expect((await write(forged)).statusCode).toBe(403);
    expect((await write(csrf)).statusCode).toBe(200);
  });
});

describe('RECOUP_TRUST_PROXY', () => {
  const attempts = async (ctx: TestContext, forwardedFor: string) =>
    (
      await ctx.app.inject({
        method: 'POST',
        url: '/api/v1/auth/token',
        headers: { 'x-forwarded-for': forwardedFor },
        payload: { email: 'nobody@example.ca', password: 'wrong' },
      })
    ).statusCode;

  it('behind one trusted proxy each client has its own sign-in bucket; untrusted, the header is ignored', async () => {
    const behind = await createTestContext({
      env: { RECOUP_TRUST_PROXY: '1' },
      authRateLimit: { max: 2, timeWindow: 60_000 },
    });
    const direct = await createTestContext({ authRateLimit: { max: 2, timeWindow: 60_000 } });
    try {
      expect([await attempts(behind, '203.0.113.1'), await attempts(behind, '203.0.113.1')]).toEqual([
        401, 401,
      ]);
      expect(await attempts(behind, '203.0.113.1')).toBe(429);
      expect(await attempts(behind, '203.0.113.2')).toBe(401);
      // Without trust, a forged header does not buy a fresh bucket.
      expect([await attempts(direct, '198.51.100.1'), await attempts(direct, '198.51.100.2')]).toEqual([
        401, 401,
      ]);
      expect(await attempts(direct, '198.51.100.3')).toBe(429);
    } finally {
      await behind.close();
      await direct.close();
    }
  });
});
