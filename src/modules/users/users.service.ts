import { and, asc, eq, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { AppError, conflict } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Locale } from '../../lib/locale';
import type { Db } from '../../platform/db/db';
import type { AuditService } from '../audit/audit.service';
import { hashPassword } from './passwords';
import type { Role } from './permissions';
import { users } from './users.table';

export type User = typeof users.$inferSelect;

export function publicUser(u: User) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    locale: u.locale as Locale | null,
    createdAt: u.createdAt.toISOString(),
  };
}

export class UsersService {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      audit: AuditService;
      /** the auth service's principal cache: a role or language change must not wait for its TTL */
      principals?: { forgetUser(organizationId: string, userId: string): void };
    },
  ) {}

  async create(
    tx: Db,
    organizationId: string,
    actorId: string | null,
    input: { email: string; name: string; password: string; role: Role; locale?: Locale },
  ): Promise<User> {
    const [taken] = await tx
      .select({ id: users.id })
      .from(users)
      .where(sql`lower(${users.email}) = lower(${input.email})`)
      .limit(1);
    if (taken) throw conflict('A user with this e-mail already exists');
    const [user] = await tx
      .insert(users)
      .values({
        organizationId,
        id: newId('user'),
        email: input.email,
        name: input.name,
        role: input.role,
        locale: input.locale ?? null,
        passwordHash: await hashPassword(input.password),
        createdAt: this.deps.clock.now(),
      })
      .onConflictDoNothing()
      .returning();
    if (!user) throw conflict('A user with this e-mail already exists');
    await this.deps.audit.record(tx, {
      organizationId,
      actorId,
      action: 'user.created',
      subjectType: 'user',
      subjectId: user.id,
      details: { email: user.email, role: user.role },
    });
    return user;
  }

  async get(organizationId: string, id: string): Promise<User> {
    const [user] = await this.deps.db
      .select()
      .from(users)
      .where(and(eq(users.organizationId, organizationId), eq(users.id, id)))
      .limit(1);
    if (!user) throw new AppError('not_found', 'user not found');
    return user;
  }

  async list(organizationId: string): Promise<User[]> {
    return this.deps.db
      .select()
      .from(users)
      .where(eq(users.organizationId, organizationId))
      .orderBy(asc(users.createdAt), asc(users.id));
  }

  async update(
    organizationId: string,
    actorId: string,
    id: string,
    patch: { role?: Role; name?: string; locale?: Locale },
  ) {
    const updated = await this.deps.db.transaction(async (tx) => {
      const [user] = await tx
        .update(users)
        .set(patch)
        .where(and(eq(users.organizationId, organizationId), eq(users.id, id)))
        .returning();
      if (!user) throw new AppError('not_found', 'user not found');
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: 'user.updated',
        subjectType: 'user',
        subjectId: id,
        details: { ...patch },
      });
      return user;
    });
    // After the commit, so that no request of this process re-reads the old role in between.
    this.deps.principals?.forgetUser(organizationId, id);
    return updated;
  }

  async setDigestPreference(organizationId: string, userId: string, value: boolean): Promise<boolean> {
    const [user] = await this.deps.db
      .update(users)
      .set({ failedTransactionsDigest: value })
      .where(and(eq(users.organizationId, organizationId), eq(users.id, userId)))
      .returning({ value: users.failedTransactionsDigest });
    if (!user) throw new AppError('not_found', 'user not found');
    return user.value;
  }
}
