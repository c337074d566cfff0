import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import { AuthService } from './auth.service';
import { users } from './users.table';

let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c);
});
afterAll(async () => t?.close());

const RECONCILABLE = '/api/v1/action-center/reconcilable-accounts';

describe('happy', () => {
  it('a token is resolved once and then served from the cache (a change behind its back is not seen)', async () => {
    const accountant = await org.tokenFor('accountant');
    expect((await call(t.app, accountant.token, 'GET', RECONCILABLE)).status).toBe(200);
    // Changed directly in the database, not through UsersService: this process does not know yet.
    await t.c.db
      .update(users)
      .set({ role: 'staff' })
      .where(and(eq(users.organizationId, org.organizationId), eq(users.id, accountant.userId)));
    expect((await call(t.app, accountant.token, 'GET', RECONCILABLE)).status).toBe(200);
    // Through the service (as the API does) the cached entry is dropped at once.
    await t.c.users.update(org.organizationId, org.adminId, accountant.userId, { role: 'staff' });
    expect((await call(t.app, accountant.token, 'GET', RECONCILABLE)).status).toBe(403);
  });

  it('the language follows Accept-Language on every request, cached or not', async () => {
    const me = await org.tokenFor('admin');
    const res1 = await call(t.app, me.token, 'GET', '/api/v1/action-center/failed-transactions', undefined, {
      'accept-language': 'en-CA',
    });
    expect(res1.status).toBe(200);
    const principalFr = await t.c.auth.resolve(me.token, 'fr-CA,fr;q=0.9');
    const principalEn = await t.c.auth.resolve(me.token, 'en');
    expect([principalFr?.locale, principalEn?.locale]).toEqual(['fr-CA', 'en-CA']);
  });
});

describe('errors', () => {
  it('logout revokes at once in this process, cached or not', async () => {
    const me = await org.tokenFor('admin');
    expect((await call(t.app, me.token, 'GET', '/api/v1/me')).status).toBe(200);
    expect((await call(t.app, me.token, 'POST', '/api/v1/auth/logout')).status).toBe(204);
    expect((await call(t.app, me.token, 'GET', '/api/v1/me')).status).toBe(401);
  });

  it('a role change through the API is 403 at once for the cached token', async () => {
    const accountant = await org.tokenFor('accountant');
    expect((await call(t.app, accountant.token, 'GET', RECONCILABLE)).status).toBe(200);
    const patched = await call(t.app, org.adminToken, 'PATCH', `/api/v1/users/${accountant.userId}`, {
      role: 'staff',
    });
    expect(patched.status).toBe(200);
    expect((await call(t.app, accountant.token, 'GET', RECONCILABLE)).status).toBe(403);
  });

  it('expiry stays exact: a cached token is refused once real time passes its expiry', async () => {
    const user = await org.tokenFor('accountant');
    const { token } = await t.c.auth.issue(
      { organizationId: org.organizationId, id: user.userId },
      'bearer',
      300,
    );
    expect((await call(t.app, token, 'GET', '/api/v1/me')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await call(t.app, token, 'GET', '/api/v1/me')).status).toBe(401);
  });

  it('another process sees a revocation within the TTL; with the cache off, at once', async () => {
    const user = await org.tokenFor('admin');
    // A TTL long enough that the steps below (five round trips) stay inside it on a loaded machine: with
    // 200 ms the first check sometimes came after the entry had expired already (CI, load 8).
    const TTL = 3_000;
    const other = new AuthService({ db: t.c.db, clock: t.c.clock, principalCache: { ttlMs: TTL } });
    const uncached = new AuthService({ db: t.c.db, clock: t.c.clock, principalCache: { ttlMs: 0 } });
    expect(await other.resolve(user.token)).not.toBeNull();
    const principal = await t.c.auth.resolve(user.token);
    await t.c.auth.revoke(org.organizationId, principal!.tokenId);
    expect(await t.c.auth.resolve(user.token)).toBeNull();
    expect(await uncached.resolve(user.token)).toBeNull();
    // The other process still holds it for at most its TTL …
    expect(await other.resolve(user.token)).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, TTL + 50));
    // … then reads the revocation.
    expect(await other.resolve(user.token)).toBeNull();
  });

  it('the cache is bounded (least recently used dropped first)', async () => {
    const small = new AuthService({ db: t.c.db, clock: t.c.clock, principalCache: { max: 2 } });
    const tokens = await Promise.all([org.tokenFor('staff'), org.tokenFor('staff'), org.tokenFor('staff')]);
    for (const u of tokens) expect(await small.resolve(u.token)).not.toBeNull();
    expect(small.cachedPrincipals).toBe(2);
  });
});

describe('happy: organization changes', () => {
  it("an organization's language change reaches its cached principals at once", async () => {
    const me = await org.tokenFor('admin');
    const before = await t.c.auth.resolve(me.token);
    const next = before?.locale === 'fr-CA' ? 'en-CA' : 'fr-CA';
    await t.c.organizations.update(org.organizationId, org.adminId, { locale: next });
    expect((await t.c.auth.resolve(me.token))?.locale).toBe(next);
    expect((await t.c.organizations.settings(org.organizationId)).locale).toBe(next);
  });
});
