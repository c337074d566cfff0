import { afterAll, beforeAll } from 'vitest';
import { setClock } from './billing';
import { createOrg, type TestOrg } from './factories';
import { createTestContext, type TestContext, type TestContextOptions } from './harness';

/**
 * The start most route test files share, in one call (STYLE habit 8: every test makes its own
 * organization). `setUpOrgs()` gives the file its own migrated database and app (`t`), the organization under
 * test (`org`, with its administrator's bearer `token`) and a second one (`other`) for the tenant-isolation
 * checks, ready before the first test and closed after the last.
 *
 * The four are live ES module bindings: read them inside tests and hooks, never at import time.
 */
export let t: TestContext;
export let org: TestOrg;
export let other: TestOrg;
export let token: string;

/**
 * The same start without organizations, for files whose tests each make their own: `t` only. `sandboxNow`
 * sets the shared sandbox clock (the "now" of every organization that never moved its own).
 */
export function setUpDatabase(opts: { context?: TestContextOptions; sandboxNow?: string } = {}): void {
  beforeAll(async () => {
    t = await createTestContext(opts.context);
    if (opts.sandboxNow) await t.c.sandboxClock!.set(new Date(opts.sandboxNow));
  });
  afterAll(async () => t?.close());
}

export function setUpOrgs(
  opts: {
    context?: TestContextOptions;
    org?: Parameters<typeof createOrg>[1];
    /** the organization's sandbox clock, e.g. '2026-03-02T15:00:00Z' */
    clock?: string;
  } = {},
): void {
  beforeAll(async () => {
    t = await createTestContext(opts.context);
    org = await createOrg(t.c, opts.org);
    other = await createOrg(t.c);
    token = org.adminToken;
    if (opts.clock) await setClock(t.app, token, opts.clock);
  });
  afterAll(async () => t?.close());
}
