import type { Container } from '../src/app/container';
import { newId } from '../src/lib/ids';
import type { Locale } from '../src/lib/locale';
import { accounts } from '../src/modules/accounts/accounts.table';
import type { Role } from '../src/modules/users/permissions';

let counter = 0;
const unique = () =>
  `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export interface TestOrg {
  organizationId: string;
  adminId: string;
  adminEmail: string;
  adminToken: string;
  tokenFor(role: Role): Promise<{ userId: string; token: string; email: string }>;
}

/** A fresh organization with an administrator and a bearer token; no test depends on seed rows. */
export async function createOrg(
  c: Container,
  opts: { name?: string; currency?: string; timezone?: string; locale?: Locale } = {},
): Promise<TestOrg> {
  const adminEmail = `admin-${unique()}@example.ca`;
  const { organizationId, userId, token } = await c.organizations.createWithAdmin({
    name: opts.name ?? `Centre récréatif ${unique()}`,
    currency: opts.currency,
    timezone: opts.timezone,
    locale: opts.locale,
    contactEmail: `facturation-${unique()}@example.ca`,
    admin: { email: adminEmail, password: 'correct horse battery', name: 'Admin Test' },
  });
  return {
    organizationId,
    adminId: userId,
    adminEmail,
    adminToken: token,
    async tokenFor(role: Role) {
      const email = `${role}-${unique()}@example.ca`;
      const user = await c.db.transaction((tx) =>
        c.users.create(tx, organizationId, null, {
          email,
          name: `${role} user`,
          password: 'correct horse battery',
          role,
        }),
      );
      const issued = await c.auth.issue(user, 'bearer');
      return { userId: user.id, token: issued.token, email };
    },
  };
}

/**
 * A customer account written straight to its table, for the tests of modules that only read accounts,
 * with its empty reconciliation summary as AccountsService.create leaves it (the fixtures of each
 * section call this one).
 */
export async function testAccount(
  c: Container,
  organizationId: string,
  opts: { id?: string; ownerName?: string; ownerEmail?: string; locale?: Locale } = {},
): Promise<string> {
  const id = opts.id ?? newId('account');
  await c.db.transaction(async (tx) => {
    await tx.insert(accounts).values({
      organizationId,
      id,
      ownerName: opts.ownerName ?? 'Marie Tremblay',
      ownerEmail: opts.ownerEmail ?? `owner-${id}@example.ca`,
      locale: opts.locale ?? 'fr-CA',
      createdAt: c.clock.now(),
    });
    await c.ledger.touch(tx, organizationId, id);
  });
  return id;
}
