import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Locale } from '../../lib/locale';
import type { Db } from '../../platform/db/db';
import { organizations } from '../organizations/organizations.table';
import { DUMMY_HASH, verifyPassword } from './passwords';
import { type Principal, permissionsOf, type Role } from './permissions';
import { authTokens, users } from './users.table';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const BEARER_TTL_MS = 90 * 24 * 60 * 60 * 1000;

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
 * Exact in this process: logout/revoke and a change of a user's role or language drop the entries at once,
 * and the token's expiry is checked against the Clock on every hit. Across processes (several `api`
 * processes, or `api` + `worker`) a revocation or a role change made elsewhere is seen after at most
 * PRINCIPAL_TTL_MS: a token that was valid a moment ago stays usable for those few seconds, as it would for
 * a request already in flight. Checking `revoked_at` on every hit would keep it exact everywhere but costs
 * the very round trip the cache removes, so it is not done; lower PRINCIPAL_TTL_MS to tighten the window.
 * The TTL is wall time (performance.now), not business time: the sandbox clock moving does not age entries.
 */
export const PRINCIPAL_TTL_MS = 5_000;
export const PRINCIPAL_CACHE_MAX = 2_000;

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

  constructor(
    private readonly deps: {
      db: Db;
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

  /** Checks e-mail and password; the same 401 whether the e-mail or the password is wrong. */
  async checkCredentials(email: string, password: string) {
    const [user] = await this.deps.db
      .select()
      .from(users)
      .where(sql`lower(${users.email}) = lower(${email})`)
      .limit(1);
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) throw new AppError('unauthenticated', 'Wrong e-mail or password');
    return user;
  }

  async issue(
    user: { organizationId: string; id: string },
    kind: 'session' | 'bearer',
    ttlMs = kind === 'session' ? SESSION_TTL_MS : BEARER_TTL_MS,
  ): Promise<IssuedToken> {
    const token = `${kind === 'session' ? 'rss' : 'rtk'}_${randomBytes(32).toString('base64url')}`;
    const now = this.deps.clock.now();
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
    const now = this.deps.clock.now();
    const hash = hashToken(token);
    let row = this.principals.get(hash);
    if (!row) {
      const generation = this.principals.generation;
      row = await this.lookup(hash, now);
      if (!row) return null;
      this.principals.set(hash, row, generation);
    }
    // Expiry stays exact whatever the cache holds (the sandbox clock may have moved, too).
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
        orgLocale: organizations.locale,
      })
      .from(authTokens)
      .innerJoin(
        users,
        and(eq(users.organizationId, authTokens.organizationId), eq(users.id, authTokens.userId)),
      )
      .innerJoin(organizations, eq(organizations.id, users.organizationId))
      .where(and(eq(authTokens.tokenHash, hash), isNull(authTokens.revokedAt), gt(authTokens.expiresAt, now)))
      .limit(1);
    return row ? { ...row, role: row.role as Role } : null;
  }

  async revoke(organizationId: string, tokenId: string): Promise<void> {
    await this.deps.db
      .update(authTokens)
      .set({ revokedAt: this.deps.clock.now() })
      .where(and(eq(authTokens.organizationId, organizationId), eq(authTokens.id, tokenId)));
    this.principals.forget((p) => p.organizationId === organizationId && p.tokenId === tokenId);
  }

  /** A user's role or language changed: their cached tokens resolve afresh on the next request. */
  forgetUser(organizationId: string, userId: string): void {
    this.principals.forget((p) => p.organizationId === organizationId && p.userId === userId);
  }

  /** The organization's language changed: it is part of every cached principal of that organization. */
  forgetOrganization(organizationId: string): void {
    this.principals.forget((p) => p.organizationId === organizationId);
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
