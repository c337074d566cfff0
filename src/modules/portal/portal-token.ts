import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, inArray, isNull } from 'drizzle-orm';
import { type Clock, systemClock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Db } from '../../platform/db/db';
import { portalLinks } from './portal.table';

/** What a customer link lets its holder see and do: one purpose, one subject, one account. */
export interface PortalClaims {
  linkId: string;
  organizationId: string;
  accountId: string;
  /** why the link was sent: pay this failed entry, or replace this card */
  purpose: 'failed_payment' | 'card_expiry';
  failedTransactionId?: string;
  paymentMethodId?: string;
  /** expiry, epoch seconds (real time) */
  exp: number;
}

export type PortalLinkSubject =
  | { organizationId: string; accountId: string; purpose: 'failed_payment'; failedTransactionId: string }
  | { organizationId: string; accountId: string; purpose: 'card_expiry'; paymentMethodId: string };

/** At most 14 days; real time (moving the sandbox clock neither ages nor revives a link). */
export const PORTAL_LINK_TTL_SECONDS = 14 * 24 * 60 * 60;

/** What the e-mail log keeps instead of a token: the link's ID, which opens nothing. */
const PLACEHOLDER = 'sent-to-recipient-only.';
const PLACEHOLDER_PATTERN = /sent-to-recipient-only\.(plk_[0-9a-z]+)/g;

const PATHS = { failed_payment: 'pay', card_expiry: 'update-card' } as const;

export const hashPortalToken = (token: string) => createHash('sha256').update(token).digest('hex');

const invalid = () =>
  new AppError(
    'unauthenticated',
    'This link is not valid (it may have been replaced by a newer one); ask the organization for a new one',
  );

/**
 * The portal's links: created with the e-mail that carries them (no token yet), given a random token when
 * the e-mail leaves for SMTP (only its hash is kept), and revoked when used, when their entry leaves the
 * list, or by an administrator.
 */
export class PortalLinks {
  private readonly realTime: Clock = systemClock;

  constructor(private readonly deps: { db: Db; publicUrl: string }) {}

  /** A link for an e-mail: its URL as the e-mail log keeps it (no usable token). */
  async create(tx: Db, subject: PortalLinkSubject): Promise<{ id: string; url: string }> {
    const id = await this.insert(tx, subject, null);
    return { id, url: this.url(subject.purpose, `${PLACEHOLDER}${id}`) };
  }

  /** A link with its token now (tests, and any caller that hands the link over itself). */
  async issue(db: Db, subject: PortalLinkSubject): Promise<{ id: string; token: string; url: string }> {
    const token = newToken();
    const id = await this.insert(db, subject, hashPortalToken(token));
    return { id, token, url: this.url(subject.purpose, token) };
  }

  /**
   * E-mail delivery (SMTP only): every link placeholder in the parts gets a fresh token, the same in each
   * part; a previous token of the same link (an earlier try) stops working. A revoked or expired link
   * stays a dead placeholder.
   */
  async mintInto(organizationId: string, parts: string[]): Promise<string[]> {
    const ids = [...new Set(parts.flatMap((p) => [...p.matchAll(PLACEHOLDER_PATTERN)].map((m) => m[1]!)))];
    if (ids.length === 0) return parts;
    const tokens = new Map<string, string>();
    for (const id of ids) {
      const token = newToken();
      const [live] = await this.deps.db
        .update(portalLinks)
        .set({ tokenHash: hashPortalToken(token) })
        .where(
          and(
            eq(portalLinks.organizationId, organizationId),
            eq(portalLinks.id, id),
            isNull(portalLinks.revokedAt),
            gt(portalLinks.expiresAt, this.realTime.now()),
          ),
        )
        .returning({ id: portalLinks.id });
      if (live) tokens.set(id, token);
    }
    return parts.map((p) => p.replace(PLACEHOLDER_PATTERN, (whole, id: string) => tokens.get(id) ?? whole));
  }

  /** The claims of a live link; 401 when unknown, revoked or expired (the page says to ask for a new one). */
  async resolve(token: string): Promise<PortalClaims> {
    const [link] = await this.deps.db
      .select()
      .from(portalLinks)
      .where(eq(portalLinks.tokenHash, hashPortalToken(token)))
      .limit(1);
    if (!link) throw invalid();
    if (link.revokedAt) throw invalid();
    if (link.expiresAt.getTime() <= this.realTime.now().getTime()) {
      throw new AppError('unauthenticated', 'This link has expired; ask the organization for a new one');
    }
    return {
      linkId: link.id,
      organizationId: link.organizationId,
      accountId: link.accountId,
      purpose: link.purpose,
      ...(link.failedTransactionId ? { failedTransactionId: link.failedTransactionId } : {}),
      ...(link.paymentMethodId ? { paymentMethodId: link.paymentMethodId } : {}),
      exp: Math.floor(link.expiresAt.getTime() / 1000),
    };
  }

  /**
   * The organization of any link ever given a token, live or not: an Idempotency-Key replay of a payment
   * answers what it answered, even once the link was used up. Null for an unknown token.
   */
  async organizationOf(token: string): Promise<string | null> {
    const [link] = await this.deps.db
      .select({ organizationId: portalLinks.organizationId })
      .from(portalLinks)
      .where(eq(portalLinks.tokenHash, hashPortalToken(token)))
      .limit(1);
    return link?.organizationId ?? null;
  }

  async revoke(db: Db, organizationId: string, linkId: string, reason: string): Promise<void> {
    await db
      .update(portalLinks)
      .set({ revokedAt: this.realTime.now(), revokedReason: reason })
      .where(
        and(
          eq(portalLinks.organizationId, organizationId),
          eq(portalLinks.id, linkId),
          isNull(portalLinks.revokedAt),
        ),
      );
  }

  /** The entry left the list (resolved, ignored): its links open nothing any more. */
  async revokeForEntries(db: Db, organizationId: string, failedTransactionIds: string[], reason: string) {
    if (failedTransactionIds.length === 0) return 0;
    const done = await db
      .update(portalLinks)
      .set({ revokedAt: this.realTime.now(), revokedReason: reason })
      .where(
        and(
          eq(portalLinks.organizationId, organizationId),
          inArray(portalLinks.failedTransactionId, failedTransactionIds),
          isNull(portalLinks.revokedAt),
        ),
      )
      .returning({ id: portalLinks.id });
    return done.length;
  }

  /** An administrator's "send a new link": every live link of the account stops. */
  async revokeForAccount(db: Db, organizationId: string, accountId: string, reason: string) {
    const done = await db
      .update(portalLinks)
      .set({ revokedAt: this.realTime.now(), revokedReason: reason })
      .where(
        and(
          eq(portalLinks.organizationId, organizationId),
          eq(portalLinks.accountId, accountId),
          isNull(portalLinks.revokedAt),
        ),
      )
      .returning({ id: portalLinks.id });
    return done.length;
  }

  private url(purpose: PortalLinkSubject['purpose'], token: string): string {
    return `${this.deps.publicUrl}/portal/${PATHS[purpose]}?token=${encodeURIComponent(token)}`;
  }

  private async insert(db: Db, subject: PortalLinkSubject, tokenHash: string | null): Promise<string> {
    const id = newId('portalLink');
    const now = this.realTime.now();
    await db.insert(portalLinks).values({
      organizationId: subject.organizationId,
      id,
      accountId: subject.accountId,
      purpose: subject.purpose,
      failedTransactionId: subject.purpose === 'failed_payment' ? subject.failedTransactionId : null,
      paymentMethodId: subject.purpose === 'card_expiry' ? subject.paymentMethodId : null,
      tokenHash,
      expiresAt: new Date(now.getTime() + PORTAL_LINK_TTL_SECONDS * 1000),
      createdAt: now,
    });
    return id;
  }
}

function newToken(): string {
  return `plt_${randomBytes(32).toString('base64url')}`;
}
