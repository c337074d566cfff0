import { and, eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/db';
import { users } from './users.table';

/**
 * What other modules read about people, so that none of them imports `users` (STYLE habit 11: the users
 * module is its one writer). A plain function rather than a UsersService method: the organizations
 * service, which builds people through UsersService, must not need one to check a reference.
 */

/** Whether the person belongs to the organization (active or not), read in the caller's transaction. */
export async function isPersonOf(db: Db, organizationId: string, userId: string): Promise<boolean> {
  const found = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.organizationId, organizationId), eq(users.id, userId)))
    .limit(1);
  return found.length > 0;
}
