import { and, asc, eq, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { AppError, businessRule, conflict, validation } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Locale } from '../../lib/locale';
import type { Db } from '../../platform/db/db';
import type { AuditService } from '../audit/audit.service';
import { hashPassword, verifyPassword } from './passwords';
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
    active: u.deactivatedAt === null,
    deactivatedAt: u.deactivatedAt ? u.deactivatedAt.toISOString() : null,
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
      principals?: {
        forgetUser(organizationId: string, userId: string): Promise<void>;
        revokeAllOf(organizationId: string, userId: string, keepTokenId?: string): Promise<number>;
      };
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
      .where(
        and(eq(users.organizationId, organizationId), sql`lower(${users.email}) = lower(${input.email})`),
      )
      .limit(1);
    // Unique per organization only: another organization's person with this e-mail is none of our business.
    if (taken) throw conflict('A user with this e-mail already exists in this organization');
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
    if (!user) throw conflict('A user with this e-mail already exists in this organization');
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
    await this.deps.principals?.forgetUser(organizationId, id);
    return updated;
  }

  /**
   * Deactivation: the person can no longer sign in, and every session and token of theirs stops at once
   * (revoked in the database, dropped from every process's principal cache). Nobody deactivates themselves,
   * so an organization always keeps the administrator who did it.
   */
  async setActive(organizationId: string, actorId: string, id: string, active: boolean): Promise<User> {
    if (!active && id === actorId) {
      throw businessRule('You cannot deactivate yourself; ask another administrator');
    }
    const at = active ? null : new Date();
    const updated = await this.deps.db.transaction(async (tx) => {
      const [user] = await tx
        .update(users)
        .set({ deactivatedAt: at })
        .where(and(eq(users.organizationId, organizationId), eq(users.id, id)))
        .returning();
      if (!user) throw new AppError('not_found', 'user not found');
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: active ? 'user.reactivated' : 'user.deactivated',
        subjectType: 'user',
        subjectId: id,
        details: {},
      });
      return user;
    });
    if (!active) await this.deps.principals?.revokeAllOf(organizationId, id);
    else await this.deps.principals?.forgetUser(organizationId, id);
    return updated;
  }

  /** A new password, proven by the current one; every other session and token of the person ends. */
  async changePassword(
    organizationId: string,
    userId: string,
    currentTokenId: string,
    input: { current: string; new: string },
  ): Promise<void> {
    const user = await this.get(organizationId, userId);
    if (!(await verifyPassword(input.current, user.passwordHash))) {
      throw validation('The current password is not right', [
        { field: 'body.current', message: 'is not your current password' },
      ]);
    }
    if (input.current === input.new) {
      throw validation('Choose a new password that differs from the current one', [
        { field: 'body.new', message: 'is the same as the current password' },
      ]);
    }
    const passwordHash = await hashPassword(input.new);
    await this.deps.db.transaction(async (tx) => {
      await tx
        .update(users)
        .set({ passwordHash })
        .where(and(eq(users.organizationId, organizationId), eq(users.id, userId)));
      await this.deps.audit.record(tx, {
        organizationId,
        actorId: userId,
        action: 'user.password_changed',
        subjectType: 'user',
        subjectId: userId,
        details: {},
      });
    });
    await this.deps.principals?.revokeAllOf(organizationId, userId, currentTokenId);
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
