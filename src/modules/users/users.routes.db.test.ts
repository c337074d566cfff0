import { describe, expect, it } from 'vitest';
import { call, createTestContext } from '../../../test/harness';
import { org, other, setUpOrgs, t } from '../../../test/suite';

const PASSWORD = 'correct horse battery';

setUpOrgs({ context: { authRateLimit: { max: 8, timeWindow: 60_000 } } });

async function login(email: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password: PASSWORD },
  });
  const cookies = Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
  return { res, cookies };
}

describe('happy', () => {
  it('gives a bearer token and reads /me with permissions', async () => {
    const res = await call(t.app, null, 'POST', '/api/v1/auth/token', {
      email: org.adminEmail,
      password: PASSWORD,
    });
    expect(res.status).toBe(201);
    expect(new Date(res.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const me = await call(t.app, res.body.token, 'GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      id: org.adminId,
      role: 'admin',
      organizationId: org.organizationId,
      email: org.adminEmail,
    });
    expect(me.body.permissions).toEqual(
      expect.arrayContaining([
        'action_center.view',
        'transactions.manage',
        'reconciliations.manage',
        'billing.write',
        'settings.manage',
      ]),
    );
  });

  it('signs in with an HttpOnly SameSite=Lax session cookie and a CSRF token for writes', async () => {
    const { res, cookies } = await login(org.adminEmail);
    expect(res.statusCode).toBe(204);
    const session = res.cookies.find((c) => c.name === 'recoup_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');
    const cookie = `recoup_session=${cookies.recoup_session}`;
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
    expect(me.statusCode).toBe(200);

    const body = { failedTransactionsDigest: true };
    const withoutCsrf = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me/email-preferences',
      headers: { cookie },
      payload: body,
    });
    expect(withoutCsrf.statusCode).toBe(403);
    expect(withoutCsrf.headers['content-type']).toContain('application/problem+json');
    const withCsrf = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me/email-preferences',
      headers: { cookie, 'x-csrf-token': cookies.recoup_csrf! },
      payload: body,
    });
    expect(withCsrf.statusCode).toBe(200);
    expect(withCsrf.json()).toEqual(body);

    const logout = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie, 'x-csrf-token': cookies.recoup_csrf! },
    });
    expect(logout.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(
      401,
    );
  });

  it('manages people: create, list, change role; e-mail preferences round-trip', async () => {
    const created = await call(t.app, org.adminToken, 'POST', '/api/v1/users', {
      email: 'Nouvelle.Personne@example.ca',
      name: 'Nouvelle Personne',
      password: 'assez-long-123',
      role: 'staff',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ role: 'staff', email: 'Nouvelle.Personne@example.ca' });
    const list = await call(t.app, org.adminToken, 'GET', '/api/v1/users');
    expect(list.body.items.map((u: { id: string }) => u.id)).toContain(created.body.id);
    const changed = await call(t.app, org.adminToken, 'PATCH', `/api/v1/users/${created.body.id}`, {
      role: 'accountant',
    });
    expect(changed.body.role).toBe('accountant');
    const fresh = await org.tokenFor('accountant');
    expect((await call(t.app, fresh.token, 'GET', '/api/v1/me/email-preferences')).body).toEqual({
      failedTransactionsDigest: false,
    });
    expect(
      (
        await call(t.app, fresh.token, 'PATCH', '/api/v1/me/email-preferences', {
          failedTransactionsDigest: true,
        })
      ).status,
    ).toBe(200);
    expect((await call(t.app, fresh.token, 'GET', '/api/v1/me/email-preferences')).body).toEqual({
      failedTransactionsDigest: true,
    });
  });
});

describe('errors', () => {
  it('answers 401 problem+json for a wrong password or an unknown e-mail, the same way', async () => {
    const wrong = await call(t.app, null, 'POST', '/api/v1/auth/token', {
      email: org.adminEmail,
      password: 'nope-nope',
    });
    const unknown = await call(t.app, null, 'POST', '/api/v1/auth/token', {
      email: 'nobody@example.ca',
      password: 'nope-nope',
    });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({
        status: 401,
        title: 'Not signed in',
        detail: 'Wrong e-mail or password',
      });
      expect(res.body.type).toMatch(/^https:\/\//);
    }
  });

  it('answers 401 for a missing, malformed, expired or revoked token', async () => {
    expect((await call(t.app, null, 'GET', '/api/v1/me')).status).toBe(401);
    expect(
      (await call(t.app, null, 'GET', '/api/v1/me', undefined, { authorization: 'Basic abc' })).status,
    ).toBe(401);
    expect((await call(t.app, 'rtk_not-a-token', 'GET', '/api/v1/me')).status).toBe(401);

    const user = await t.c.users.get(org.organizationId, org.adminId);
    const expired = await t.c.auth.issue(user, 'bearer', -1000);
    expect((await call(t.app, expired.token, 'GET', '/api/v1/me')).status).toBe(401);

    const revoked = await t.c.auth.issue(user, 'bearer');
    expect((await call(t.app, revoked.token, 'POST', '/api/v1/auth/logout')).status).toBe(204);
    expect((await call(t.app, revoked.token, 'GET', '/api/v1/me')).status).toBe(401);
  });

  it('rejects unknown fields, wrong types and a duplicate e-mail without writing anything', async () => {
    const before = (await call(t.app, org.adminToken, 'GET', '/api/v1/users')).body.items.length;
    const extra = await call(t.app, org.adminToken, 'POST', '/api/v1/users', {
      email: 'x@example.ca',
      name: 'X',
      password: 'long-enough',
      role: 'staff',
      isRoot: true,
    });
    expect(extra.status).toBe(400);
    expect(extra.body.errors).toEqual([{ field: 'body.isRoot', message: 'is not a known field' }]);
    const badRole = await call(t.app, org.adminToken, 'POST', '/api/v1/users', {
      email: 'y@example.ca',
      name: 'Y',
      password: 'long-enough',
      role: 'god',
    });
    expect(badRole.status).toBe(400);
    expect(badRole.body.errors[0].field).toBe('body.role');
    const dup = await call(t.app, org.adminToken, 'POST', '/api/v1/users', {
      email: org.adminEmail.toUpperCase(),
      name: 'Dup',
      password: 'long-enough',
      role: 'staff',
    });
    expect(dup.status).toBe(409);
    expect((await call(t.app, org.adminToken, 'GET', '/api/v1/users')).body.items.length).toBe(before);
  });

  it('rate-limits the sign-in endpoints with 429 problem+json', async () => {
    const limited = await createTestContext({ authRateLimit: { max: 3, timeWindow: 60_000 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push(
          (
            await call(limited.app, null, 'POST', '/api/v1/auth/token', {
              email: 'a@b.ca',
              password: 'whatever',
            })
          ).status,
        );
      }
      expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
      const last = await call(limited.app, null, 'POST', '/api/v1/auth/token', {
        email: 'a@b.ca',
        password: 'whatever',
      });
      expect(last.status).toBe(429);
      expect(last.headers['content-type']).toContain('application/problem+json');
    } finally {
      await limited.close();
    }
  });
});

describe('authz', () => {
  it('staff may not manage people; another organization user is a 404', async () => {
    const staff = await org.tokenFor('staff');
    expect((await call(t.app, staff.token, 'GET', '/api/v1/users')).status).toBe(403);
    expect(
      (
        await call(t.app, staff.token, 'POST', '/api/v1/users', {
          email: 's@example.ca',
          name: 'S',
          password: 'long-enough',
          role: 'admin',
        })
      ).status,
    ).toBe(403);
    expect((await call(t.app, staff.token, 'GET', '/api/v1/me')).body.permissions).toEqual([
      'action_center.view',
    ]);
    expect(
      (await call(t.app, org.adminToken, 'PATCH', `/api/v1/users/${other.adminId}`, { role: 'staff' }))
        .status,
    ).toBe(404);
    expect(
      (await call(t.app, other.adminToken, 'GET', '/api/v1/users')).body.items.map(
        (u: { id: string }) => u.id,
      ),
    ).not.toContain(org.adminId);
  });
});
