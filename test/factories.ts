import type { Container } from '../src/app/container';
import type { Locale } from '../src/lib/locale';
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
  const { org, admin } = await c.db.transaction(async (tx) => {
    const org = await c.organizations.create(tx, {
      name: opts.name ?? `Centre récréatif ${unique()}`,
      currency: opts.currency,
      timezone: opts.timezone,
      locale: opts.locale,
      contactEmail: `facturation-${unique()}@example.ca`,
    });
    const admin = await c.users.create(tx, org.id, null, {
      email: adminEmail,
      name: 'Admin Test',
      password: 'correct horse battery',
      role: 'admin',
    });
    return { org, admin };
  });
  await c.organizations.update(org.id, admin.id, { billingContactUserId: admin.id });
  const { token } = await c.auth.issue(admin, 'bearer');
  return {
    organizationId: org.id,
    adminId: admin.id,
    adminEmail,
    adminToken: token,
    async tokenFor(role: Role) {
      const email = `${role}-${unique()}@example.ca`;
      const user = await c.db.transaction((tx) =>
        c.users.create(tx, org.id, null, {
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
