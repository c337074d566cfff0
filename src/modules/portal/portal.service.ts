import type { Clock } from '../../lib/clock';
import { AppError, forbidden, notFound, validation } from '../../lib/errors';
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

type PaymentMethodRow = PaymentMethod;
type Locale = 'fr-CA' | 'en-CA';
type Owner = { id: string; ownerName: string; ownerEmail: string };

/**
 * The live gateway as the portal needs it (a port defined here, the Stripe adapter implements it): a SetupIntent
 * for the link's account, the check of the one the browser confirmed, and the record of an accepted mandate.
 */
export interface PortalLiveGateway {
  readonly publishableKey: string;
  createSetupIntent(
    organizationId: string,
    account: Owner,
    type: 'card' | 'echeck',
    currency: string,
    opts: { locale: Locale; organization: { name: string; contactEmail: string | null } },
  ): Promise<{
    clientSecret: string;
    setupIntentId: string;
    mandate: { kind: 'acss_debit' | 'us_bank_account'; version: string; text: string } | null;
  }>;
  confirmedSetup(
    organizationId: string,
    account: Owner,
    setupIntentId: string,
    token: string,
  ): Promise<{ mandateId: string | null; kind: string | null }>;
  /** The authorization text shown with a bank account's SetupIntent (the same words, to record them). */
  mandate(
    kind: 'acss_debit' | 'us_bank_account',
    locale: Locale,
    organization: { name: string; contactEmail: string | null },
  ): { version: string; text: string };
  recordMandate(row: {
    organizationId: string;
    setupIntentId: string;
    accountId: string;
    paymentMethodToken: string;
    mandateId: string | null;
    kind: 'acss_debit' | 'us_bank_account';
    locale: string;
    version: string;
    text: string;
    portalLinkId: string | null;
    acceptedAt: Date;
  }): Promise<void>;
}

/** With the live gateway on, the portal sends Stripe.js's result, never a number (PCI DSS SAQ A). */
export interface LiveMethodInput {
  type: 'card' | 'echeck';
  gatewayToken: string;
  setupIntentId: string;
  /** bank accounts: the owner ticked the PAD / ACH authorization shown with the SetupIntent */
  mandateAccepted?: boolean;
}
export type PortalMethodInput = CardInput | LiveMethodInput;

const presentCard = (pm: PaymentMethodRow) => ({
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

/** Bad input the portal refuses itself, in the owner's language (the schema's own errors are worded centrally). */
const PORTAL_INVALID = {
  number_refused: {
    field: 'body.number',
    'en-CA':
      'Card and bank account numbers are not accepted here: enter them in the secure payment form (Stripe).',
    'fr-CA':
      'Les numéros de carte et de compte bancaire ne sont pas acceptés ici : saisissez-les dans le formulaire de paiement sécurisé (Stripe).',
  },
  token_refused: {
    field: 'body.gatewayToken',
    'en-CA': 'This page takes the card details themselves.',
    'fr-CA': 'Cette page prend les coordonnées de la carte elles-mêmes.',
  },
  mandate_required: {
    field: 'body.mandateAccepted',
    'en-CA': 'Please accept the pre-authorized debit agreement to save this bank account.',
    'fr-CA': 'Veuillez accepter l’entente de débit préautorisé pour enregistrer ce compte bancaire.',
  },
  setup_mismatch: {
    field: 'body.setupIntentId',
    'en-CA': 'These details were not confirmed with the secure payment form: please enter them again.',
    'fr-CA':
      'Ces coordonnées n’ont pas été confirmées par le formulaire de paiement sécurisé : veuillez les saisir de nouveau.',
  },
} as const;

function portalInvalid(code: keyof typeof PORTAL_INVALID, locale: Locale) {
  const e = PORTAL_INVALID[code];
  return validation(e[locale], [{ field: e.field, message: e[locale] }]);
}

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
      /** which gateway moves money, and the live one's SetupIntents (null: the sandbox takes card numbers) */
      gateway?: { name: 'sandbox' | 'stripe' | null; live: PortalLiveGateway | null };
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

  saveCard(token: string, input: PortalMethodInput) {
    return this.inOrganization(token, () => this.saveCardIn(token, input));
  }

  setupIntent(token: string, type: 'card' | 'echeck') {
    return this.inOrganization(token, () => this.setupIntentIn(token, type));
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
        timezone: org.timezone,
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
      gateway: {
        name: this.deps.gateway?.name ?? null,
        publishableKey: this.deps.gateway?.live?.publishableKey ?? null,
        // A card_expiry link replaces a card; a payment link may also save a bank account to pay with.
        bankAccounts: Boolean(this.deps.gateway?.live) && claims.purpose === 'failed_payment',
      },
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
  private async saveCardIn(token: string, input: PortalMethodInput) {
    const claims = await this.claims(token);
    const { organizationId, accountId } = claims;
    const replaced = await this.subjectCard(claims);
    const created = await this.createMethod(claims, input);
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

  /**
   * The Payment Element's SetupIntent for the link's account (live gateway only): a card for either purpose, a
   * bank account only with a payment link (a card_expiry link replaces that card). With it, the PAD / ACH
   * authorization to show, in the owner's language: what the owner accepts is what is recorded.
   */
  private async setupIntentIn(token: string, type: 'card' | 'echeck') {
    const claims = await this.claims(token);
    const live = this.deps.gateway?.live;
    if (!live) throw new AppError('conflict', 'The sandbox takes the card details on this page itself');
    if (type === 'echeck' && claims.purpose !== 'failed_payment') {
      throw forbidden('This link replaces a card: it cannot save a bank account');
    }
    const { organizationId, accountId } = claims;
    const [org, owner] = await Promise.all([
      this.deps.organizations.get(organizationId),
      this.deps.failedTransactions.owner(this.deps.db, organizationId, accountId),
    ]);
    const locale = normalizeLocale(owner?.locale ?? org.locale);
    const si = await live.createSetupIntent(organizationId, ownerOf(accountId, owner), type, org.currency, {
      locale,
      organization: { name: org.name, contactEmail: org.contactEmail ?? null },
    });
    return {
      clientSecret: si.clientSecret,
      publishableKey: live.publishableKey,
      setupIntentId: si.setupIntentId,
      mandate: si.mandate,
    };
  }

  /**
   * The method the portal saves. Sandbox: the card's details, tokenised by the sandbox. Live gateway: only
   * Stripe.js's result — the pm_… of a SetupIntent of this account that Stripe confirmed — and for a bank
   * account the owner's acceptance of the mandate shown, recorded (text, version, when, which link) before
   * the account is saved; a card or account number is refused before anything is read or stored (SAQ A).
   */
  private async createMethod(claims: PortalClaims, input: PortalMethodInput) {
    const { organizationId, accountId } = claims;
    const live = this.deps.gateway?.live;
    if (!live) {
      if ('gatewayToken' in input) throw portalInvalid('token_refused', await this.localeOf(claims));
      return this.deps.paymentMethods.create(organizationId, null, accountId, {
        type: 'card',
        ...input,
        saveToWallet: true,
      });
    }
    const locale = await this.localeOf(claims);
    if (!('gatewayToken' in input)) throw portalInvalid('number_refused', locale);
    if (input.type === 'echeck' && claims.purpose !== 'failed_payment') {
      throw forbidden('This link replaces a card: it cannot save a bank account');
    }
    if (input.type === 'echeck' && input.mandateAccepted !== true)
      throw portalInvalid('mandate_required', locale);
    const [org, owner] = await Promise.all([
      this.deps.organizations.get(organizationId),
      this.deps.failedTransactions.owner(this.deps.db, organizationId, accountId),
    ]);
    const account = ownerOf(accountId, owner);
    const setup = await live
      .confirmedSetup(organizationId, account, input.setupIntentId, input.gatewayToken)
      .catch((err: unknown) => {
        if (err instanceof AppError && err.kind === 'validation')
          throw portalInvalid('setup_mismatch', locale);
        throw err;
      });
    if (input.type === 'echeck') {
      if (setup.kind !== 'acss_debit' && setup.kind !== 'us_bank_account') {
        throw portalInvalid('setup_mismatch', locale);
      }
      const mandate = live.mandate(setup.kind, locale, {
        name: org.name,
        contactEmail: org.contactEmail ?? null,
      });
      await live.recordMandate({
        organizationId,
        setupIntentId: input.setupIntentId,
        accountId,
        paymentMethodToken: input.gatewayToken,
        mandateId: setup.mandateId,
        kind: setup.kind,
        locale,
        version: mandate.version,
        text: mandate.text,
        portalLinkId: claims.linkId,
        acceptedAt: this.deps.clock.now(),
      });
    }
    return this.deps.paymentMethods.create(organizationId, null, accountId, {
      type: input.type,
      gatewayToken: input.gatewayToken,
      saveToWallet: true,
    });
  }

  private async localeOf(claims: PortalClaims): Promise<Locale> {
    const owner = await this.deps.failedTransactions.owner(
      this.deps.db,
      claims.organizationId,
      claims.accountId,
    );
    return normalizeLocale(owner?.locale ?? 'fr-CA');
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

function ownerOf(accountId: string, owner: { name: string; email: string } | null): Owner {
  return { id: accountId, ownerName: owner?.name ?? '', ownerEmail: owner?.email ?? '' };
}
