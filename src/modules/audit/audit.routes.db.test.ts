import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call, createTestContext, type TestContext } from '../../../test/harness';

let t: TestContext;
let org: TestOrg;
let other: TestOrg;
let accountant: { userId: string; token: string };
let late: string;
let early: string;

const log = async (token: string, query: string) => call(t.app, token, 'GET', `/api/v1/audit-log?${query}`);

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c, { timezone: 'America/Toronto' });
  other = await createOrg(t.c);
  accountant = await org.tokenFor('accountant');
  // 03:00 UTC on March 10 is still March 9 in Toronto (EDT, UTC−4): the day filter must follow the zone.
  await call(t.app, org.adminToken, 'PUT', '/api/v1/sandbox/clock', { now: '2026-03-10T03:00:00.000Z' });
  late = (
    await call(t.app, org.adminToken, 'POST', '/api/v1/accounts', {
      ownerName: 'Zoé Tremblay',
      ownerEmail: 'zoe@example.ca',
    })
  ).body.id;
  await call(t.app, org.adminToken, 'PUT', '/api/v1/sandbox/clock', { now: '2026-03-10T15:00:00.000Z' });
  early = (
    await call(t.app, accountant.token, 'POST', '/api/v1/accounts', {
      ownerName: 'Émilie Roy',
      ownerEmail: 'emilie@example.ca',
    })
  ).body.id;
});
afterAll(async () => t?.close());

describe('happy', () => {
  it("names the person who acted, and the system as nobody's name", async () => {
    const res = await log(org.adminToken, 'action=account.created');
    expect(res.status).toBe(200);
    const byAccount = new Map(res.body.items.map((i: any) => [i.subjectId, i]));
    expect(byAccount.get(late)).toMatchObject({ actorId: org.adminId, actorName: 'Admin Test' });
    expect(byAccount.get(early)).toMatchObject({ actorId: accountant.userId, actorName: 'accountant user' });
  });

  it("filters by local days of the organization's time zone, inclusive", async () => {
    const ninth = await log(org.adminToken, 'action=account.created&from=2026-03-09&to=2026-03-09');
    expect(ninth.body.items.map((i: any) => i.subjectId)).toEqual([late]);
    const tenth = await log(org.adminToken, 'action=account.created&from=2026-03-10');
    expect(tenth.body.items.map((i: any) => i.subjectId)).toEqual([early]);
    const both = await log(org.adminToken, 'action=account.created&from=2026-03-09&to=2026-03-10');
    expect(both.body.items.map((i: any) => i.subjectId)).toEqual([early, late]);
    const before = await log(org.adminToken, 'action=account.created&to=2026-03-08');
    expect(before.body.items).toEqual([]);
  });

  it('filters by person and by action, combined', async () => {
    const mine = await log(org.adminToken, `actorId=${accountant.userId}`);
    expect(mine.body.items.length).toBeGreaterThan(0);
    expect(mine.body.items.every((i: any) => i.actorId === accountant.userId)).toBe(true);
    const created = await log(org.adminToken, `actorId=${org.adminId}&action=account.created`);
    expect(created.body.items.map((i: any) => i.subjectId)).toEqual([late]);
  });
});

describe('errors', () => {
  it('refuses an unknown action and a range that ends before it starts, in the caller’s language', async () => {
    const unknown = await log(org.adminToken, 'action=account.exploded');
    expect(unknown.status).toBe(400);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
    const reversed = await log(org.adminToken, 'from=2026-03-10&to=2026-03-09');
    expect(reversed.status).toBe(400);
    const badDate = await call(t.app, org.adminToken, 'GET', '/api/v1/audit-log?from=10/03/2026', undefined, {
      'accept-language': 'fr-CA',
    });
    expect(badDate.status).toBe(400);
    expect(badDate.body.errors[0].message).toBe('Doit être une date (AAAA-MM-JJ).');
  });
});

describe('authz', () => {
  it("another organization's person filters to nothing, and staff may not read the log", async () => {
    const foreign = await log(other.adminToken, `actorId=${org.adminId}`);
    expect(foreign.status).toBe(200);
    expect(foreign.body.items).toEqual([]);
    const staff = await org.tokenFor('staff');
    expect((await log(staff.token, 'action=account.created')).status).toBe(403);
  });
});
