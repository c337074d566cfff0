import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../lib/errors';

/** What a customer link lets its holder see and do, for one account of one organization, until it expires. */
export interface PortalClaims {
  organizationId: string;
  accountId: string;
  /** why the link was sent */
  purpose: 'failed_payment' | 'card_expiry';
  failedTransactionId?: string;
  paymentMethodId?: string;
  /** expiry, epoch seconds */
  exp: number;
}

export const PORTAL_LINK_TTL_SECONDS = 30 * 24 * 60 * 60;

/** Signed links: base64url(JSON claims) + "." + HMAC-SHA256 over it with the product's secret. */
export class PortalTokens {
  constructor(private readonly secret: string) {}

  sign(claims: PortalClaims): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The claims of a genuine, unexpired token; 401 otherwise (the portal page explains how to get a new link). */
  verify(token: string, now: Date): PortalClaims {
    const [payload, mac] = token.split('.');
    if (!payload || !mac) throw new AppError('unauthenticated', 'This link is not valid');
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new AppError('unauthenticated', 'This link is not valid');
    }
    let claims: PortalClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw new AppError('unauthenticated', 'This link is not valid');
    }
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < now.getTime()) {
      throw new AppError('unauthenticated', 'This link has expired; ask the organization for a new one');
    }
    return claims;
  }

  link(publicUrl: string, path: string, claims: PortalClaims): string {
    return `${publicUrl}/portal/${path}?token=${encodeURIComponent(this.sign(claims))}`;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}
