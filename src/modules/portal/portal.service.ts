import type { Clock } from '../../lib/clock';
import { AppError, forbidden, notFound } from '../../lib/errors';
import { runInOrganization } from '../../lib/organization-context';
import type { Db } from '../../platform/db/db';
import type { AuditService } from '../audit/audit.service';
import type { FailedTransactionsRepository } from '../failed-transactions/failed-transactions.repository';
import {
  type FailedTransactionPayments,
  paidElsewhere,
} from '../failed-transactions/failed-transactions.service';
import { failureMessage, normalizeLocale } from '../gateway/failure-codes';
import type { OrganizationsService } from '../organizations/organizations.service';
import type { PaymentMethod, PaymentMethodsService } from '../payment-methods/payment-methods.service';
import type { CardInput } from '../sandbox/sandbox-instruments';
import type { SchedulesService } from '../schedules/schedules.service';
import type { PortalClaims, PortalLinks } from './portal-token';

const presentCard = (pm: PaymentMethod) => ({
  id: pm.id,
  brand: pm.brand ?? 'unknown',
  last4: pm.last4,
  expMonth: pm.expMonth ?? 0,
  expYear: pm.expYear ?? 0,
  inWallet: pm.inWallet,
});

type PortalConflict = keyof typeof PORTAL_CONFLICTS;
const PORTAL_CONFLICTS = {
  retry_in_flight: {
    'en-CA':
      'This payment is already being processed (a new attempt is under way; a bank debit settles within a few business days). Nothing more is needed from you for now.',
    'fr-CA':
      'Ce paiement est déjà en cours de traitement (une nouvelle tentative est en cours ; un débit bancaire se règle en quelques jours ouvrables). Vous n’avez rien d’autre à faire pour l’instant.',
  },
  collection_in_flight: {
    'en-CA': 'A payment of this amount is already being processed. Nothing more is needed from you for now.',
    'fr-CA':
      'Un paiement de ce montant est déjà en cours de traitement. Vous n’avez rien d’autre à faire pour l’instant.',
  },
  already_collected: {
    'en-CA': 'This amount has already been paid. Thank you!',
    'fr-CA': 'Ce montant a déjà été payé. Merci !',
  },
  paid_elsewhere: {
    'en-CA': 'This amount has already been paid. Thank you!',
    'fr-CA': 'Ce montant a déjà été payé. Merci !',
  },
  not_open: {
    'en-CA': 'This payment no longer needs to be made.',
    'fr-CA': 'Ce paiement n’est plus à faire.',
  },
} as const;

function portalConflict(code: PortalConflict, locale: 'fr-CA' | 'en-CA') {
  return new AppError('conflict', PORTAL_CONFLICTS[code][locale], { extra: { code } });
}

/**
 * The customer portal's API: what the holder of a link (FT11, EC4) may see and do. A link names one
 * purpose and one subject: a `failed_payment` link shows and pays that entry only (and may save a card to
 * pay with, which also replaces the card that entry was paid with); a `card_expiry` link replaces that card
 * only and pays nothing. No admin guard: the token is the credential, checked on every call (401 when
 * unknown, revoked or expired).
 */
export class PortalService {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      links: PortalLinks;
      organizations: OrganizationsService;
      failedTransactions: FailedTransactionsRepository;
      payments: FailedTransactionPayments;
      paymentMethods: PaymentMethodsService;
      schedules: SchedulesService;
      audit: AuditService;
      /** sends the payment-failed notice again (a resend has its own dedupe key) */
      notices?: {
        customerNotice(
          organizationId: string,
          failedTransactionId: string,
          opts: { resend?: string },
        ): Promise<{ sent: boolean; emailId?: string; why?: string }>;
      };
    },
  ) {}

  /** The organization a link belongs to, live or not (Idempotency-Key replays); 401 when unknown. */
  async organizationOf(token: string): Promise<string> {
    const organizationId = await this.deps.links.organizationOf(token);
    if (!organizationId)
      throw new AppError('unauthenticated', 'This link is not valid; ask the organization for a new one');
    return organizationId;
  }

  /** The claims of a valid token whose account still exists. */
  async claims(token: string): Promise<PortalClaims> {
    const claims = await this.deps.links.resolve(token);
    const owner = await this.deps.failedTransactions.owner(
      this.deps.db,
      claims.organizationId,
      claims.accountId,
    );
    if (!owner) throw new AppError('unauthenticated', 'This link is not valid');
    return claims;
  }

  /** The card the link is about: the expiring card, or the card the failed entry was paid with. */
  private async subjectCard(claims: PortalClaims): Promise<PaymentMethod | null> {
    let id = claims.paymentMethodId;
    if (claims.purpose === 'failed_payment' && claims.failedTransactionId) {
      const entry = await this.deps.failedTransactions.get(
        this.deps.db,
        claims.organizationId,
        claims.failedTransactionId,
      );
      id = entry?.paymentMethodId ?? undefined;
    }
    if (!id) return null;
    return this.deps.paymentMethods.find(claims.organizationId, id, { accountId: claims.accountId });
  }

  /** An administrator's "send a new link": every link of the account stops working. */
  async revokeAccountLinks(organizationId: string, actorId: string, accountId: string) {
    const owner = await this.deps.failedTransactions.owner(this.deps.db, organizationId, accountId);
    if (!owner) throw notFound('account');
    return this.deps.db.transaction(async (tx) => {
      const revoked = await this.deps.links.revokeForAccount(
        tx,
        organizationId,
        accountId,
        'revoked_by_admin',
      );
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: 'portal.links_revoked',
        subjectType: 'account',
        subjectId: accountId,
        details: { revoked },
      });
      return { accountId, revoked };
    });
  }

  /**
   * "Send a new link": the entry's earlier links stop, and the owner gets the payment-failed notice again
   * with a new one. Only for an entry still on the list, of this account, that is not a refund.
   */
  async resendPaymentLink(
    organizationId: string,
    actorId: string,
    accountId: string,
    failedTransactionId: string,
  ) {
    const entry = await this.deps.failedTransactions.get(this.deps.db, organizationId, failedTransactionId);
    if (!entry || entry.accountId !== accountId || entry.type === 'refund') throw notFound('failed payment');
    if (entry.status !== 'open' && entry.status !== 'retrying') {
      throw new AppError(
        'conflict',
        `This entry is ${entry.status}: there is nothing left to pay, so no link is sent`,
      );
    }
    if (!this.deps.notices) throw new AppError('unavailable', 'Notices are not available in this process');
    const revoked = await this.deps.db.transaction(async (tx) => {
      const n = await this.deps.links.revokeForEntries(tx, organizationId, [entry.id], 'replaced_by_admin');
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: 'portal.link_resent',
        subjectType: 'failed_transaction',
        subjectId: entry.id,
        details: { accountId, revoked: n },
      });
      return n;
    });
    const sent = await this.deps.notices.customerNotice(organizationId, entry.id, {
      resend: String(Date.now()),
    });
    if (!sent.sent || !sent.emailId) {
      throw new AppError('conflict', 'The notice could not be sent; try again');
    }
    return { failedTransactionId: entry.id, emailId: sent.emailId, revoked };
  }

  /**
   * The portal has no signed-in principal: once the link names its organization, the rest of the request
   * runs in that organization's context (its sandbox clock dates the payment, the audit, the ledger).
   */
  private async inOrganization<T>(token: string, work: () => Promise<T>): Promise<T> {
    const claims = await this.claims(token);
    return runInOrganization(claims.organizationId, work);
  }

  session(token: string) {
    return this.inOrganization(token, () => this.sessionIn(token));
  }

  saveCard(token: string, input: CardInput) {
    return this.inOrganization(token, () => this.saveCardIn(token, input));
  }

  pay(token: string, input: { failedTransactionId: string; paymentMethodId: string }) {
    return this.inOrganization(token, () => this.payIn(token, input));
  }

  private async sessionIn(token: string) {
    const claims = await this.claims(token);
    const { organizationId, accountId } = claims;
    const [org, owner, listed, cards, subjectCard] = await Promise.all([
      this.deps.organizations.get(organizationId),
      this.deps.failedTransactions.owner(this.deps.db, organizationId, accountId),
      this.deps.failedTransactions.forAccount(organizationId, accountId),
      this.deps.paymentMethods
        .list(organizationId, accountId)
        .then((methods) => methods.filter((m) => m.type === 'card' && m.inWallet)),
      this.subjectCard(claims),
    ]);
    // Only the link's own subject: the entry it was sent for (while it is on the list), nothing else.
    const entries = listed.filter(
      (l) => claims.purpose === 'failed_payment' && l.entry.id === claims.failedTransactionId,
    );
    const locale = normalizeLocale(owner?.locale ?? org.locale);
    return {
      organization: {
        name: org.name,
        logoUrl: this.deps.organizations.logoUrl(org),
        contactEmail: org.contactEmail ?? '',
      },
      account: { ownerName: owner?.name ?? '', locale },
      link: {
        purpose: claims.purpose,
        expiresAt: new Date(claims.exp * 1000).toISOString(),
        card: subjectCard
          ? {
              brand: subjectCard.brand ?? 'unknown',
              last4: subjectCard.last4,
              expMonth: subjectCard.expMonth ?? 0,
              expYear: subjectCard.expYear ?? 0,
            }
          : null,
      },
      currency: org.currency,
      failedPayments: entries.map((l) => ({
        id: l.entry.id,
        amount: Number(l.entry.amountMinor),
        type: l.entry.type,
        reason: { code: l.entry.reasonCode, message: failureMessage(l.entry.reasonCode, locale) },
        failedAt: l.entry.failedAt.toISOString(),
        status: l.entry.status,
        paidElsewhere: paidElsewhere(l),
        // MS1: a link reopened after paying must not offer the same amount again.
        collection: paidElsewhere(l)
          ? ('paid' as const)
          : l.collection === 'in_flight' || l.entry.status === 'retrying'
            ? ('processing' as const)
            : ('due' as const),
        paymentMethod: { type: l.method.type, brand: l.method.brand, last4: l.method.last4 ?? '' },
      })),
      cards: cards.map(presentCard),
    };
  }

  /**
   * Saves a new card in the owner's wallet and makes it the method of the account's active subscriptions
   * and plans that were paid by a card, so the next charge and a retry use it (FT5). The card and each
   * change go through the billing core's services (their own transactions and audit entries); the portal
   * adds one audit entry naming what it did, with no actor (`via: portal`).
   */
  private async saveCardIn(token: string, input: CardInput) {
    const claims = await this.claims(token);
    const { organizationId, accountId } = claims;
    const replaced = await this.subjectCard(claims);
    const created = await this.deps.paymentMethods.create(organizationId, null, accountId, {
      type: 'card',
      ...input,
      saveToWallet: true,
    });
    // Only the card the link is about: never every card of the account.
    const moved =
      replaced?.type === 'card' && replaced.id !== created.id
        ? await this.deps.schedules.activeUsing(organizationId, accountId, replaced.id)
        : { subscriptions: [], installmentPlans: [] };
    for (const id of moved.subscriptions) {
      await this.deps.schedules.changeSubscriptionMethod(organizationId, null, id, created.id);
    }
    for (const id of moved.installmentPlans) {
      await this.deps.schedules.changePlanMethod(organizationId, null, id, created.id);
    }
    await this.deps.db.transaction((tx) =>
      this.deps.audit.record(tx, {
        organizationId,
        actorId: null,
        action: 'portal.card_saved',
        subjectType: 'payment_method',
        subjectId: created.id,
        details: {
          via: 'portal',
          purpose: claims.purpose,
          accountId,
          subscriptions: moved.subscriptions,
          installmentPlans: moved.installmentPlans,
        },
      }),
    );
    return presentCard(created);
  }

  /** The owner pays a failed amount (FT7: the entry stays, flagged paidElsewhere, until someone ignores it). */
  private async payIn(token: string, input: { failedTransactionId: string; paymentMethodId: string }) {
    const claims = await this.claims(token);
    const { organizationId, accountId } = claims;
    if (claims.purpose !== 'failed_payment' || claims.failedTransactionId !== input.failedTransactionId) {
      throw forbidden('This link does not pay that amount; use the link of the e-mail about it');
    }
    const entry = await this.deps.failedTransactions.get(
      this.deps.db,
      organizationId,
      input.failedTransactionId,
    );
    if (!entry || entry.accountId !== accountId || entry.type === 'refund') throw notFound('failed payment');
    const owner = await this.deps.failedTransactions.owner(this.deps.db, organizationId, accountId);
    const locale = normalizeLocale(owner?.locale ?? 'fr-CA');
    // MS1: one collection at a time. A retry in flight (an eCheck takes days) or money already collected
    // is refused with the reason in the owner's language, before and (by the database) during the charge.
    if (entry.status === 'retrying') throw portalConflict('retry_in_flight', locale);
    if (entry.status !== 'open') throw portalConflict('not_open', locale);
    const pm = await this.deps.paymentMethods.get(organizationId, input.paymentMethodId, { accountId });
    let result: Awaited<ReturnType<FailedTransactionPayments['payFailedTransaction']>>;
    try {
      result = await this.deps.payments.payFailedTransaction(organizationId, entry.id, pm.id);
    } catch (err) {
      const code = err instanceof AppError ? (err.extra?.code as string | undefined) : undefined;
      if (code && code in PORTAL_CONFLICTS) throw portalConflict(code as PortalConflict, locale);
      throw err;
    }
    // Used: a link that paid opens nothing any more (a declined card may try again with another).
    if (result.status !== 'failed') {
      await this.deps.links.revoke(this.deps.db, organizationId, claims.linkId, 'used_for_payment');
    }
    return {
      status: result.status,
      ...(result.status === 'failed' && result.code
        ? { reason: { code: result.code, message: failureMessage(result.code, locale) } }
        : {}),
    };
  }
}
