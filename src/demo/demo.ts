import { eq, sql } from 'drizzle-orm';
import type { Container } from '../app/container';
import { createOrganizationWithAdmin } from '../commands';
import { users } from '../modules/users/users.table';

export const DEMO_EMAIL = 'admin@demo.recoup.local';
export const DEMO_PASSWORD = 'recoup-demo';
export const DEMO_ORG_NAME = 'Centre récréatif des Érables';

/**
 * Loads the demo organization: an administrator and, as the modules provide them, realistic accounts for
 * every Action Center section. Running it again reuses the organization.
 */
export async function loadDemo(c: Container) {
  const [existing] = await c.db
    .select({ id: users.id, organizationId: users.organizationId })
    .from(users)
    .where(eq(sql`lower(${users.email})`, DEMO_EMAIL))
    .limit(1);
  const organizationId = existing
    ? existing.organizationId
    : (
        await createOrganizationWithAdmin(c, {
          name: DEMO_ORG_NAME,
          adminEmail: DEMO_EMAIL,
          adminPassword: DEMO_PASSWORD,
          adminName: 'Isabelle Gagnon',
          currency: 'CAD',
          timezone: 'America/Toronto',
          locale: 'fr-CA',
        })
      ).organizationId;
  return { organizationId, email: DEMO_EMAIL, password: DEMO_PASSWORD, organizationName: DEMO_ORG_NAME };
}

/** True when the database has no organization yet: the first `npm start` loads the demo. */
export async function isEmpty(c: Container): Promise<boolean> {
  const ids = await c.organizations.listIds();
  return ids.length === 0;
}
