import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOrg } from '../../test/factories';
import { createTestContext, type TestContext } from '../../test/harness';
import { auditLog } from '../modules/audit/audit.table';
import { log } from '../platform/log';

let t: TestContext;

beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => t?.close());

describe('job payloads are contracts (STYLE habit 13) — errors', () => {
  it('a malformed payload in the queue is logged and cancelled, never run', async () => {
    const deliver = vi.spyOn(t.c.notifications, 'deliver');
    const logged = vi.spyOn(log, 'error').mockImplementation(() => undefined);
    const id = await t.c.db.transaction((tx) =>
      // a producer of another version, or a job written by hand: the compiler cannot see it
      t.c.queue.enqueue(tx, 'email-delivery', { organizationId: 'org_x', emailId: 42 } as never),
    );
    await t.c.queue.drain({ timeoutMs: 10_000 });
    expect(deliver).not.toHaveBeenCalled();
    expect((await t.c.queue.jobState('email-delivery', id!))?.state).toBe('cancelled');
    expect(logged).toHaveBeenCalledWith(
      expect.objectContaining({ job: 'email-delivery', jobId: id, errors: ['/emailId must be string'] }),
      expect.stringContaining('rejected'),
    );
    logged.mockRestore();
    deliver.mockRestore();
  });

  it('runNow refuses a malformed payload before the handler runs', async () => {
    await expect(t.c.queue.runNow('reconcile-all', { organizationId: 'org_x' } as never)).rejects.toThrow(
      'malformed payload for job reconcile-all',
    );
  });

  it('a wrong payload does not compile', () => {
    const neverCalled = () =>
      // @ts-expect-error emailId is missing: the payload type comes from the job's definition
      t.c.queue.enqueue(t.c.db, 'email-delivery', { organizationId: 'org_x' });
    expect(neverCalled).toBeTypeOf('function');
  });
});

describe('a scheduled run over every organization — errors', () => {
  it('one organization that throws is logged and audited as job.failed; the others go on', async () => {
    const broken = await createOrg(t.c);
    const fine = await createOrg(t.c);
    const real = t.c.expiringCards.sendDueReminders.bind(t.c.expiringCards);
    const run = vi.spyOn(t.c.expiringCards, 'sendDueReminders').mockImplementation(async (organizationId) => {
      if (organizationId === broken.organizationId) throw new Error('boom');
      return real(organizationId);
    });
    const logged = vi.spyOn(log, 'error').mockImplementation(() => undefined);
    const results = (await t.c.queue.runNow('card-expiry-reminders', {})) as unknown[];
    expect(results).toContainEqual({ organizationId: broken.organizationId, error: 'boom' });
    expect(run).toHaveBeenCalledWith(fine.organizationId);
    expect(results).toContainEqual({ sent: 0 });
    expect(logged).toHaveBeenCalledWith(
      expect.objectContaining({ job: 'card-expiry-reminders', organizationId: broken.organizationId }),
      'scheduled job failed for one organization',
    );
    const audited = await t.c.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.organizationId, broken.organizationId), eq(auditLog.action, 'job.failed')));
    expect(audited.map((a) => a.details)).toEqual([{ job: 'card-expiry-reminders', error: 'boom' }]);
    // asked for that one organization (CLI, sandbox), the failure goes to the caller
    await expect(
      t.c.queue.runNow('card-expiry-reminders', { organizationId: broken.organizationId }),
    ).rejects.toThrow('boom');
    logged.mockRestore();
    run.mockRestore();
  });
});
