import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import pg from 'pg';
import { type Clock, systemClock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Locale } from '../../lib/locale';
import type { Db } from '../../platform/db/db';
import { organizationJoin } from '../organizations/organizations.reads';
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from './passwords';
import { type Principal, permissionsOf, type Role } from './permissions';
import { authTokens, signInThrottle, users } from './users.table';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const BEARER_TTL_MS = 90 * 24 * 60 * 60 * 1000;

/** Password sign-in locks for an e-mail after this many wrong passwords within the window. */
export const LOCKOUT = { failures: 10, windowMs: 15 * 60 * 1000, lockMs: 15 * 60 * 1000 };

export class SignInLockedError extends AppError {
  constructor(
    readonly lockedUntil: Date,
    readonly retryAfterSeconds: number,
  ) {
    super(
      'too_many_requests',
      `Too many wrong passwords for this e-mail: password sign-in is locked until ${lockedUntil.toISOString()} (in ${Math.ceil(retryAfterSeconds / 60)} min). Sessions and API tokens already issued still work.`,
      { extra: { code: 'sign_in_locked', retryAfter: lockedUntil.toISOString() } },
    );
  }
}

function lockedOut(lockedUntil: Date, now: Date): SignInLockedError {
  return new SignInLockedError(
    lockedUntil,
    Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000)),
  );
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
  csrfToken: string | null;
}

/** What a token resolves to, before the caller's Accept-Language picks the locale. */
interface ResolvedToken {
  tokenId: string;
  kind: 'session' | 'bearer';
  csrfToken: string | null;
  userId: string;
  organizationId: string;
  role: Role;
  userLocale: string | null;
  orgLocale: string;
  expiresAt: Date;
}

/**
 * Resolved tokens, kept a few seconds so that a page of the API costs no lookup of auth_tokens ⋈ users ⋈
 * organizations (the largest part of the API's overhead over a bare route; bench/README.md).
 *
 * Exact in this process: logout/revoke, deactivation and a change of a user's role or language drop the
 * entries at once, and the token's expiry is checked on every hit. Across processes on PostgreSQL (several
 * `api` processes, or `api` + `worker`) every such change is also broadcast with NOTIFY on
 * PRINCIPALS_CHANNEL, and each process LISTENs (`listen()`) and drops the same entries: a revoked token or
 * a deactivated person stops everywhere at once, not after the TTL. The embedded database is one process.
 * The TTL and expiry are wall time, not business time: moving the sandbox clock neither ages nor revives a
 * session or a token.
 */
export const PRINCIPAL_TTL_MS = 5_000;
export const PRINCIPAL_CACHE_MAX = 2_000;
export const PRINCIPALS_CHANNEL = 'recoup_principals';

/** What a process tells the others to forget: one token, one person, or a whole organization. */
interface ForgetMessage {
  o: string;
  u?: string;
  t?: string;
}

class PrincipalCache {
  // A Map iterates in insertion order: re-inserting on a hit makes the first key the least recently used.
  private readonly entries = new Map<string, { at: number; value: ResolvedToken }>();
  /** Bumped by every forget: a lookup that started before it must not store what it read (a stale row). */
  generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  get(hash: string): ResolvedToken | null {
    const found = this.entries.get(hash);
    if (!found) return null;
    this.entries.delete(hash);
    if (performance.now() - found.at > this.ttlMs) return null;
    this.entries.set(hash, found);
    return found.value;
  }

  set(hash: string, value: ResolvedToken, generation: number): void {
    if (generation !== this.generation) return;
    this.entries.delete(hash);
    this.entries.set(hash, { at: performance.now(), value });
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  forget(match: (value: ResolvedToken) => boolean): void {
    this.generation++;
    for (const [hash, entry] of this.entries) if (match(entry.value)) this.entries.delete(hash);
  }

  get size(): number {
    return this.entries.size;
  }
}

export class AuthService {
  private readonly principals: PrincipalCache;
  private listener: pg.Client | null = null;
  /** Sessions and tokens live in real time: the sandbox clock must not revive an expired one. */
  private readonly realTime: Clock = systemClock;

  constructor(
    private readonly deps: {
      db: Db;
      /** business time, for the audit of who signed in when; token expiry uses real time */
      clock: Clock;
      /** principal cache tuning; ttlMs 0 turns the cache off */
      principalCache?: { ttlMs?: number; max?: number };
    },
  ) {
    this.principals = new PrincipalCache(
      deps.principalCache?.ttlMs ?? PRINCIPAL_TTL_MS,
      deps.principalCache?.max ?? PRINCIPAL_CACHE_MAX,
    );
  }

  /**
   * Checks e-mail and password; the same 401 whether the e-mail or the password is wrong.
   *
   * An e-mail is unique per organization only. With `organizationId` only that organization's person is
   * checked; without it the password is checked against every person with that e-mail, and sign-in
   * succeeds only when exactly one active person matches. When several match (one person in several
   * organizations with the same password), the answer is 409 "name the organization": it is given only
   * to someone who knows the password, and it never lists the organizations.
   *
   * Lockout: LOCKOUT.failures wrong passwords for one e-mail within LOCKOUT.windowMs lock password
   * sign-in for that e-mail for LOCKOUT.lockMs (429, with when to try again), counted whether or not the
   * e-mail exists (nothing to learn from a lock). Trade-off: whoever knows someone's e-mail can keep them
   * from signing in with a password, at most LOCKOUT.lockMs per LOCKOUT.failures guesses (and the per-IP
   * rate limit); sessions and API tokens already issued keep working, and the lock lifts by itself.
   */
  async checkCredentials(email: string, password: string, organizationId?: string) {
    const emailKey = email.toLowerCase();
    await this.refuseWhileLocked(emailKey);
    const candidates = await this.deps.db
      .select()
      .from(users)
      .where(
        and(
          sql`lower(${users.email}) = lower(${email})`,
          organizationId ? eq(users.organizationId, organizationId) : undefined,
        ),
      )
      .orderBy(users.organizationId)
      .limit(50);
    const matching: (typeof users.$inferSelect)[] = [];
    if (candidates.length === 0) await verifyPassword(password, DUMMY_HASH);
    for (const candidate of candidates) {
      if (await verifyPassword(password, candidate.passwordHash)) matching.push(candidate);
    }
    if (matching.length === 0) {
      await this.recordFailure(emailKey);
      throw new AppError('unauthenticated', 'Wrong e-mail or password');
    }
    await this.deps.db.delete(signInThrottle).where(eq(signInThrottle.emailKey, emailKey));
    const active = matching.filter((u) => !u.deactivatedAt);
    // Only someone who knows the password learns that the account is deactivated.
    if (active.length === 0) {
      throw new AppError(
        'unauthenticated',
        'This account is deactivated; ask an administrator to reactivate it',
      );
    }
    if (active.length > 1) {
      throw new AppError(
        'conflict',
        'This e-mail and password belong to people of several organizations; sign in again with the organizationId of the one you want',
        { extra: { code: 'organization_required' } },
      );
    }
    const user = active[0]!;
    if (needsRehash(user.passwordHash)) {
      // The hash predates today's scrypt parameters: this is the one moment the password is known.
      const passwordHash = await hashPassword(password);
      await this.deps.db
        .update(users)
        .set({ passwordHash })
        .where(and(eq(users.organizationId, user.organizationId), eq(users.id, user.id)));
      return { ...user, passwordHash };
    }
    return user;
  }

  private async refuseWhileLocked(emailKey: string): Promise<void> {
    const now = this.realTime.now();
    const [row] = await this.deps.db
      .select({ lockedUntil: signInThrottle.lockedUntil })
      .from(signInThrottle)
      .where(eq(signInThrottle.emailKey, emailKey))
      .limit(1);
    if (row?.lockedUntil && row.lockedUntil.getTime() > now.getTime()) throw lockedOut(row.lockedUntil, now);
  }

  /** One more wrong password for this e-mail; the one that reaches the limit starts the lock (429). */
  private async recordFailure(emailKey: string): Promise<void> {
    const now = this.realTime.now();
    const windowStart = new Date(now.getTime() - LOCKOUT.windowMs);
    const [row] = await this.deps.db
      .insert(signInThrottle)
      .values({ emailKey, failures: 1, windowStartedAt: now })
      .onConflictDoUpdate({
        target: signInThrottle.emailKey,
        set: {
          failures: sql`case when ${signInThrottle.windowStartedAt} < ${windowStart} then 1 else ${signInThrottle.failures} + 1 end`,
          windowStartedAt: sql`case when ${signInThrottle.windowStartedAt} < ${windowStart} then ${now} else ${signInThrottle.windowStartedAt} end`,
        },
      })
      .returning({ failures: signInThrottle.failures });
    if ((row?.failures ?? 0) < LOCKOUT.failures) return;
    const lockedUntil = new Date(now.getTime() + LOCKOUT.lockMs);
    await this.deps.db
      .update(signInThrottle)
      .set({ failures: 0, windowStartedAt: now, lockedUntil })
      .where(eq(signInThrottle.emailKey, emailKey));
    throw lockedOut(lockedUntil, now);
  }

  async issue(
    user: { organizationId: string; id: string },
    kind: 'session' | 'bearer',
    ttlMs = kind === 'session' ? SESSION_TTL_MS : BEARER_TTL_MS,
  ): Promise<IssuedToken> {
    const token = `${kind === 'session' ? 'rss' : 'rtk'}_${randomBytes(32).toString('base64url')}`;
    const now = this.realTime.now();
    const expiresAt = new Date(now.getTime() + ttlMs);
    const csrfToken = kind === 'session' ? randomBytes(24).toString('base64url') : null;
    await this.deps.db.insert(authTokens).values({
      organizationId: user.organizationId,
      id: newId('token'),
      userId: user.id,
      kind,
      tokenHash: hashToken(token),
      csrfToken,
      expiresAt,
      createdAt: now,
    });
    return { token, expiresAt, csrfToken };
  }

  /** The caller behind a token, or null when it is unknown, expired or revoked. */
  async resolve(
    token: string,
    acceptLanguage?: string,
  ): Promise<(Principal & { csrfToken: string | null; kind: 'session' | 'bearer' }) | null> {
    const now = this.realTime.now();
    const hash = hashToken(token);
    let row = this.principals.get(hash);
    if (!row) {
      const generation = this.principals.generation;
      row = await this.lookup(hash, now);
      if (!row) return null;
      this.principals.set(hash, row, generation);
    }
    // Expiry stays exact whatever the cache holds.
    if (row.expiresAt.getTime() <= now.getTime()) return null;
    return {
      tokenId: row.tokenId,
      kind: row.kind,
      via: row.kind,
      csrfToken: row.csrfToken,
      userId: row.userId,
      organizationId: row.organizationId,
      role: row.role,
      permissions: permissionsOf(row.role),
      locale: pickLocale(acceptLanguage, row.userLocale, row.orgLocale),
    };
  }

  private async lookup(hash: string, now: Date): Promise<ResolvedToken | null> {
    const org = organizationJoin('o');
    const [row] = await this.deps.db
      .select({
        tokenId: authTokens.id,
        kind: authTokens.kind,
        csrfToken: authTokens.csrfToken,
        expiresAt: authTokens.expiresAt,
        userId: users.id,
        organizationId: users.organizationId,
        role: users.role,
        userLocale: users.locale,
        orgLocale: org.locale,
      })
      .from(authTokens)
      .innerJoin(
        users,
        and(eq(users.organizationId, authTokens.organizationId), eq(users.id, authTokens.userId)),
      )
      .innerJoin(org.source, org.on(users.organizationId))
      .where(
        and(
          eq(authTokens.tokenHash, hash),
          isNull(authTokens.revokedAt),
          gt(authTokens.expiresAt, now),
          isNull(users.deactivatedAt),
        ),
      )
      .limit(1);
    return row ? { ...row, role: row.role as Role } : null;
  }

  async revoke(organizationId: string, tokenId: string): Promise<void> {
    await this.deps.db
      .update(authTokens)
      .set({ revokedAt: this.realTime.now() })
      .where(and(eq(authTokens.organizationId, organizationId), eq(authTokens.id, tokenId)));
    await this.forget({ o: organizationId, t: tokenId });
  }

  /** Revokes every live token of a person (deactivation, a new password), except `keepTokenId`. */
  async revokeAllOf(organizationId: string, userId: string, keepTokenId?: string): Promise<number> {
    const revoked = await this.deps.db
      .update(authTokens)
      .set({ revokedAt: this.realTime.now() })
      .where(
        and(
          eq(authTokens.organizationId, organizationId),
          eq(authTokens.userId, userId),
          isNull(authTokens.revokedAt),
          keepTokenId ? ne(authTokens.id, keepTokenId) : undefined,
        ),
      )
      .returning({ id: authTokens.id });
    await this.forget({ o: organizationId, u: userId });
    return revoked.length;
  }

  /** A person's live sessions and API tokens (never the secrets: only a hash is kept). */
  async listTokens(organizationId: string, userId: string) {
    return this.deps.db
      .select({
        id: authTokens.id,
        kind: authTokens.kind,
        createdAt: authTokens.createdAt,
        expiresAt: authTokens.expiresAt,
      })
      .from(authTokens)
      .where(
        and(
          eq(authTokens.organizationId, organizationId),
          eq(authTokens.userId, userId),
          isNull(authTokens.revokedAt),
          gt(authTokens.expiresAt, this.realTime.now()),
        ),
      )
      .orderBy(desc(authTokens.createdAt), desc(authTokens.id))
      .limit(500);
  }

  /** One live token of the organization: its owner, to decide who may revoke it. */
  async findToken(organizationId: string, tokenId: string) {
    const [row] = await this.deps.db
      .select({ id: authTokens.id, userId: authTokens.userId })
      .from(authTokens)
      .where(
        and(
          eq(authTokens.organizationId, organizationId),
          eq(authTokens.id, tokenId),
          isNull(authTokens.revokedAt),
          gt(authTokens.expiresAt, this.realTime.now()),
        ),
      )
      .limit(1);
    return row ?? null;
  }

  /** A user's role, language or state changed: their cached tokens resolve afresh, in every process. */
  async forgetUser(organizationId: string, userId: string): Promise<void> {
    await this.forget({ o: organizationId, u: userId });
  }

  /** The organization's language changed: it is part of every cached principal of that organization. */
  async forgetOrganization(organizationId: string): Promise<void> {
    await this.forget({ o: organizationId });
  }

  private forgetHere(m: ForgetMessage): void {
    this.principals.forget(
      (p) =>
        p.organizationId === m.o &&
        (m.u === undefined || p.userId === m.u) &&
        (m.t === undefined || p.tokenId === m.t),
    );
  }

  private async forget(m: ForgetMessage): Promise<void> {
    this.forgetHere(m);
    // Every other process drops the same entries (they LISTEN); harmless where no one listens.
    await this.deps.db.execute(sql`select pg_notify(${PRINCIPALS_CHANNEL}, ${JSON.stringify(m)})`);
  }

  /**
   * Hears the other processes' revocations (PostgreSQL only). One dedicated connection, outside the pool;
   * if it drops, the cache is emptied (nothing stale survives) and the next `listen()` reconnects.
   */
  async listen(connectionString: string): Promise<void> {
    const client = new pg.Client({ connectionString });
    client.on('error', () => {
      this.principals.forget(() => true);
      if (this.listener === client) this.listener = null;
    });
    client.on('notification', (msg) => {
      if (msg.channel !== PRINCIPALS_CHANNEL || !msg.payload) return;
      try {
        const m = JSON.parse(msg.payload) as ForgetMessage;
        if (typeof m.o === 'string') this.forgetHere(m);
      } catch {
        this.principals.forget(() => true);
      }
    });
    await client.connect();
    await client.query(`listen ${PRINCIPALS_CHANNEL}`);
    this.listener = client;
  }

  async stopListening(): Promise<void> {
    const client = this.listener;
    this.listener = null;
    await client?.end().catch(() => undefined);
  }

  /** For tests: how many resolved tokens are kept. */
  get cachedPrincipals(): number {
    return this.principals.size;
  }
}

/** The viewer's language: an explicit Accept-Language for fr or en wins, then the user's, then the organization's. */
export function pickLocale(
  acceptLanguage: string | undefined,
  userLocale: string | null,
  orgLocale: string,
): Locale {
  if (acceptLanguage) {
    for (const part of acceptLanguage.split(',')) {
      const tag = part.trim().split(';')[0]?.toLowerCase() ?? '';
      if (tag.startsWith('fr')) return 'fr-CA';
      if (tag.startsWith('en')) return 'en-CA';
    }
  }
  if (userLocale === 'fr-CA' || userLocale === 'en-CA') return userLocale;
  return orgLocale === 'en-CA' ? 'en-CA' : 'fr-CA';
}
