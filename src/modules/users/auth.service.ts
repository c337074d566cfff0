import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Db } from '../../platform/db/db';
import { organizations } from '../organizations/organizations.table';
import { DUMMY_HASH, verifyPassword } from './passwords';
import { type Locale, type Principal, permissionsOf, type Role } from './permissions';
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

export class AuthService {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

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
    const [row] = await this.deps.db
      .select({
        tokenId: authTokens.id,
        kind: authTokens.kind,
        csrfToken: authTokens.csrfToken,
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
      .where(
        and(
          eq(authTokens.tokenHash, hashToken(token)),
          isNull(authTokens.revokedAt),
          gt(authTokens.expiresAt, now),
        ),
      )
      .limit(1);
    if (!row) return null;
    const role = row.role as Role;
    return {
      tokenId: row.tokenId,
      kind: row.kind,
      via: row.kind,
      csrfToken: row.csrfToken,
      userId: row.userId,
      organizationId: row.organizationId,
      role,
      permissions: permissionsOf(role),
      locale: pickLocale(acceptLanguage, row.userLocale, row.orgLocale),
    };
  }

  async revoke(organizationId: string, tokenId: string): Promise<void> {
    await this.deps.db
      .update(authTokens)
      .set({ revokedAt: this.deps.clock.now() })
      .where(and(eq(authTokens.organizationId, organizationId), eq(authTokens.id, tokenId)));
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
