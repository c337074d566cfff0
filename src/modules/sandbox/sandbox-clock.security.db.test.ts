/**
 * The sandbox clock belongs to one organization: `PUT /sandbox/clock` moves only the caller's
 * organization's time (its requests and its jobs); nobody else's time moves, and outside any organization
 * "now" stays where it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAccount, apiCard } from '../../../test/billing';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import { withSandboxClock } from '../../app/jobs';
import { runInOrganization } from '../../lib/organization-context';
import { defineJob, OrganizationRunPayload } from '../../platform/jobs/define';
import { SandboxClockService } from './sandbox-clock.service';

const FUTURE = '2031-03-15T15:00:00.000Z';
let t: TestContext;
let a: TestOrg;
let b: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  a = await createOrg(t.c, { timezone: 'America/Toronto' });
  b = await createOrg(t.c, { timezone: 'America/Toronto' });
  const moved = await call(t.app, a.adminToken, 'PUT', '/api/v1/sandbox/clock', { now: FUTURE });
  expect(moved.status).toBe(200);
});
afterAll(async () => t?.close());

const near = (iso: string | Date, target: string | Date) =>
  Math.abs(new Date(iso).getTime() - new Date(target).getTime()) < 60_000;

describe("one organization's clock", () => {
  it('moves for its own requests only; another organization and work outside any stay in real time', async () => {
    expect(near((await call(t.app, a.adminToken, 'GET', '/api/v1/sandbox/clock')).body.now, FUTURE)).toBe(
      true,
    );
    expect(near((await call(t.app, b.adminToken, 'GET', '/api/v1/sandbox/clock')).body.now, new Date())).toBe(
      true,
    );
    // Business time written by a request (an account's createdAt) is the caller organization's.
    const inA = await call(t.app, a.adminToken, 'POST', '/api/v1/accounts', {
      ownerName: 'A',
      ownerEmail: 'a@example.ca',
    });
    const inB = await call(t.app, b.adminToken, 'POST', '/api/v1/accounts', {
      ownerName: 'B',
      ownerEmail: 'b@example.ca',
    });
    expect(near(inA.body.createdAt, FUTURE)).toBe(true);
    expect(near(inB.body.createdAt, new Date())).toBe(true);
    expect(near(t.c.clock.now(), new Date())).toBe(true);
    expect(
      near(
        runInOrganization(a.organizationId, () => t.c.clock.now()),
        FUTURE,
      ),
    ).toBe(true);
  });

  it("runs each organization's scheduled jobs at its own instant", async () => {
    // A subscription starting on A's "today" is due in A; the same start date is years ahead for B.
    const subscribe = async (org: TestOrg) => {
      const account = await apiAccount(t.app, org.adminToken, 'Marie Tremblay');
      const card = await apiCard(t.app, org.adminToken, account.id);
      const res = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/subscriptions`, {
        amount: 2_500,
        interval: 'month',
        startDate: FUTURE.slice(0, 10),
        paymentMethodId: card.id,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    };
    await subscribe(a);
    await subscribe(b);
    // One run for every organization, as the cron schedule starts it.
    await t.c.queue.runNow('payments-due', {});
    expect(await t.c.sandboxGateway!.chargeCount(a.organizationId)).toBe(1);
    expect(await t.c.sandboxGateway!.chargeCount(b.organizationId)).toBe(0);
  });

  it("keeps B's clock where it is when A moves again, and refuses a clock that is not an instant", async () => {
    const before = (await call(t.app, b.adminToken, 'GET', '/api/v1/sandbox/clock')).body.now;
    const bad = await call(t.app, a.adminToken, 'PUT', '/api/v1/sandbox/clock', { now: 'next tuesday' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(near((await call(t.app, a.adminToken, 'GET', '/api/v1/sandbox/clock')).body.now, FUTURE)).toBe(
      true,
    );
    await call(t.app, a.adminToken, 'PUT', '/api/v1/sandbox/clock', { now: '2020-01-01T00:00:00.000Z' });
    expect(near((await call(t.app, b.adminToken, 'GET', '/api/v1/sandbox/clock')).body.now, before)).toBe(
      true,
    );
  });

  it('dates a job run by a clock another process moved a moment ago (the per-request read is throttled)', async () => {
    // Another process: its own clock service on the same database, which read the offsets just now.
    const other = new SandboxClockService({ db: t.c.db });
    await other.load();
    const seen: Date[] = [];
    const job = withSandboxClock(
      other,
      defineJob({
        name: 'payments-due',
        payload: OrganizationRunPayload,
        handler: async () => {
          seen.push(runInOrganization(b.organizationId, () => other.clock.now()));
        },
      }),
    );
    // B's clock moves through this process; at once (well inside the one-second throttle) the other runs a job.
    const moved = await call(t.app, b.adminToken, 'PUT', '/api/v1/sandbox/clock', { now: FUTURE });
    expect(moved.status).toBe(200);
    await other.refresh(); // a request there, within the second: still the old offsets
    expect(
      near(
        runInOrganization(b.organizationId, () => other.clock.now()),
        new Date(),
      ),
    ).toBe(true);
    await job.handler({}, { jobId: 'inline', retryCount: 0 });
    expect(seen).toHaveLength(1);
    expect(near(seen[0]!, FUTURE)).toBe(true);
  });
});
