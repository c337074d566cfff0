import { describe, expect, it } from 'vitest';
import { call } from '../../../test/harness';
import { org, other, setUpOrgs, t } from '../../../test/suite';

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(64, 1),
]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 2)]);

setUpOrgs({ org: { name: 'Club de soccer Laval' } });

const upload = (token: string, body: Buffer, type: string) =>
  t.app.inject({
    method: 'PUT',
    url: '/api/v1/organization/logo',
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    payload: body,
  });

describe('happy', () => {
  it('reads and changes the organization settings, audit-logged', async () => {
    const got = await call(t.app, org.adminToken, 'GET', '/api/v1/organization');
    expect(got.body).toMatchObject({
      id: org.organizationId,
      name: 'Club de soccer Laval',
      currency: 'CAD',
      timezone: 'America/Toronto',
      locale: 'fr-CA',
      billingContactUserId: org.adminId,
      logoUrl: null,
    });
    const patched = await call(t.app, org.adminToken, 'PATCH', '/api/v1/organization', {
      timezone: 'America/Vancouver',
      locale: 'en-CA',
      contactEmail: 'billing@club.example.ca',
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      timezone: 'America/Vancouver',
      locale: 'en-CA',
      contactEmail: 'billing@club.example.ca',
    });
    const audit = await call(t.app, org.adminToken, 'GET', '/api/v1/audit-log');
    expect(audit.body.items[0]).toMatchObject({
      action: 'organization.updated',
      subjectId: org.organizationId,
      actorId: org.adminId,
    });
  });

  it('stores a PNG or JPEG logo checked by its magic bytes and serves it publicly', async () => {
    const png = await upload(org.adminToken, PNG, 'image/png');
    expect(png.statusCode).toBe(200);
    const logoUrl = png.json().logoUrl as string;
    expect(logoUrl).toMatch(
      new RegExp(`^http://recoup.test/api/v1/organizations/${org.organizationId}/logo\\?v=\\d+$`),
    );
    const served = await t.app.inject({ method: 'GET', url: logoUrl.replace('http://recoup.test', '') });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.rawPayload.equals(PNG)).toBe(true);
    // The header lies; the bytes decide.
    const jpeg = await upload(org.adminToken, JPEG, 'image/png');
    expect(jpeg.statusCode).toBe(200);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/organizations/${org.organizationId}/logo` }))
        .headers['content-type'],
    ).toBe('image/jpeg');
  });
});

describe('errors', () => {
  it('refuses a logo that is not PNG/JPEG (415) or larger than 1 MB (413)', async () => {
    const gif = await upload(org.adminToken, Buffer.from('GIF89a....'), 'image/png');
    expect(gif.statusCode).toBe(415);
    expect(gif.headers['content-type']).toContain('application/problem+json');
    const big = await upload(org.adminToken, Buffer.concat([PNG, Buffer.alloc(1024 * 1024)]), 'image/png');
    expect(big.statusCode).toBe(413);
    const text = await upload(org.adminToken, Buffer.from('hello'), 'text/plain');
    expect(text.statusCode).toBe(415);
  });

  it('refuses an unknown time zone or currency and a billing contact of another organization, changing nothing', async () => {
    const before = (await call(t.app, org.adminToken, 'GET', '/api/v1/organization')).body;
    for (const body of [
      { timezone: 'Mars/Olympus' },
      { currency: 'XYZ' },
      { currency: 'cad' },
      { billingContactUserId: other.adminId },
      { name: '' },
      { locale: 'de-DE' },
    ]) {
      const res = await call(t.app, org.adminToken, 'PATCH', '/api/v1/organization', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors.length).toBeGreaterThan(0);
    }
    expect((await call(t.app, org.adminToken, 'GET', '/api/v1/organization')).body).toEqual(before);
  });
});

describe('authz', () => {
  it('staff reads the organization but may not change it or its logo', async () => {
    const staff = await org.tokenFor('staff');
    expect((await call(t.app, staff.token, 'GET', '/api/v1/organization')).status).toBe(200);
    expect((await call(t.app, staff.token, 'PATCH', '/api/v1/organization', { name: 'X' })).status).toBe(403);
    expect((await upload(staff.token, PNG, 'image/png')).statusCode).toBe(403);
    expect((await call(t.app, staff.token, 'GET', '/api/v1/audit-log')).status).toBe(403);
  });

  it('each organization sees only itself and its own audit log', async () => {
    expect((await call(t.app, other.adminToken, 'GET', '/api/v1/organization')).body.id).toBe(
      other.organizationId,
    );
    const audit = await call(t.app, other.adminToken, 'GET', '/api/v1/audit-log');
    expect(audit.body.items.every((a: { subjectId: string }) => a.subjectId !== org.organizationId)).toBe(
      true,
    );
  });
});
