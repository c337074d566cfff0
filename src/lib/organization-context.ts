import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The organization whose work is running right now: entered per request (once the caller is known) and
 * per job (each organization of a scheduled run, the organization of a job's payload). The sandbox clock
 * reads it, so each organization's "now" is its own; outside any organization it is undefined.
 */
const storage = new AsyncLocalStorage<{ organizationId: string }>();

export function runInOrganization<T>(organizationId: string, work: () => T): T {
  return storage.run({ organizationId }, work);
}

export function currentOrganizationId(): string | undefined {
  return storage.getStore()?.organizationId;
}
