import { and, asc, eq } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { AppError, type FieldError, notFound, validation } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { ChangeHook } from '../../platform/db/change-hook';
import type { Db } from '../../platform/db/db';
import { lockAccount } from '../accounts/account-lock';
import type { AccountsService } from '../accounts/accounts.service';
import type { AuditService } from '../audit/audit.service';
import type { OrganizationsService } from '../organizations/organizations.service';
import { tokenizeBankAccount, tokenizeCard } from '../sandbox/sandbox-instruments';
import { paymentMethods } from './payment-methods.table';

export type PaymentMethod = typeof paymentMethods.$inferSelect;

/**
 * A live gateway's saved methods (the Stripe adapter): what Recoup keeps of a token the browser obtained from the
 * gateway (brand, last 4, expiry, bank), checked to belong to this account.
 */
export interface LiveTokens {
  describe(
    organizationId: string,
    account: { id: string; ownerName: string; ownerEmail: string },
    token: string,
    type: 'card' | 'echeck',
  ): Promise<{
    type: 'card' | 'echeck';
    brand: string | null;
    last4: string;
    expMonth: number | null;
    expYear: number | null;
    bankName: string | null;
    holderName: string | null;
  }>;
}

export type NewPaymentMethodInput =
  | {
      type: 'card';
      number: string;
      expMonth: number;
      expYear: number;
      cvc: string;
      saveToWallet?: boolean;
    }
  | {
      type: 'echeck';
      routingNumber: string;
      accountNumber: string;
      holderName: string;
      saveToWallet?: boolean;
    }
  | { type: 'card' | 'echeck'; gatewayToken: string; saveToWallet?: boolean };

/**
 * Cards and bank accounts of an account, and the owner's wallet. Only the gateway's token and what a
 * person needs to recognise a method (brand, last 4, expiry, bank) are stored — never a number or CVC.
 */
/** Cards whose wallet, expiry or owner changed, for the summaries kept of them (expiring cards). */
export interface MethodChange {
  organizationId: string;
  paymentMethodIds: readonly string[];
}

/**
 * RC2: a card of the owner's wallet was replaced or updated — `added`: a card saved to the wallet (by an
 * administrator, or by the owner in the portal); `updated`: the gateway's card updater gave a saved card a new
 * expiry or number (same token). Reported in the change's transaction, under the account lock (lock order,
 * accounts/account-lock.ts), so that what recovery does about it commits or rolls back with the card.
 */
export interface WalletCardChange {
  organizationId: string;
  accountId: string;
  paymentMethodId: string;
  actorId: string | null;
  how: 'added' | 'updated';
}

export class PaymentMethodsService {
  /** Reported inside the transaction that changes a method. */
  readonly methodChanged = new ChangeHook<MethodChange>();
  /** RC2: reported inside the transaction that saves or updates a wallet card. */
  readonly walletCardChanged = new ChangeHook<WalletCardChange>();

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      audit: AuditService;
      accounts: AccountsService;
      organizations: OrganizationsService;
      /** the sandbox gateway tokenises numbers itself; a live gateway hands us tokens from its own form */
      sandbox: boolean;
      /** the live gateway, when one is on: only its tokens are accepted, never a number */
      liveTokens?: LiveTokens | null;
    },
  ) {}

  async create(
    organizationId: string,
    actorId: string | null,
    accountId: string,
    input: NewPaymentMethodInput,
  ): Promise<PaymentMethod> {
    const account = await this.deps.accounts.get(organizationId, accountId);
    const org = await this.deps.organizations.get(organizationId);
    const values = this.deps.liveTokens
      ? await this.fromLiveToken(organizationId, account, input)
      : this.tokenize(input, org);
    return this.deps.db.transaction(async (tx) => {
      const walletCard = values.type === 'card' && input.saveToWallet === true;
      // The account lock first: what RC2 does about a new wallet card moves schedules and entries.
      if (walletCard) await lockAccount(tx, organizationId, accountId);
      const [method] = await tx
        .insert(paymentMethods)
        .values({
          organizationId,
          id: newId('paymentMethod'),
          accountId,
          ...values,
          inWallet: input.saveToWallet === true,
          createdAt: this.deps.clock.now(),
        })
        .returning();
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: 'payment_method.added',
        subjectType: 'payment_method',
        subjectId: method!.id,
        details: { accountId, type: method!.type, last4: method!.last4, inWallet: method!.inWallet },
      });
      if (walletCard) {
        await this.walletCardChanged.report(tx, {
          organizationId,
          accountId,
          paymentMethodId: method!.id,
          actorId,
          how: 'added',
        });
      }
      return method!;
    });
  }

  /**
   * PCI DSS (SAQ A): with a live gateway on, a card or account number never reaches Recoup — it is refused
   * before anything is read or stored, and the browser sends the gateway's token (Stripe.js) instead.
   */
  private async fromLiveToken(
    organizationId: string,
    account: { id: string; ownerName: string; ownerEmail: string },
    input: NewPaymentMethodInput,
  ) {
    if (!('gatewayToken' in input)) {
      const field = input.type === 'card' ? 'body.number' : 'body.accountNumber';
      throw validation(
        'Card and bank account numbers are never accepted with the live gateway: send the token from its form',
        [{ field, message: 'is not accepted; send gatewayToken (a pm_… ID from Stripe.js)' }],
      );
    }
    const d = await this.deps.liveTokens!.describe(organizationId, account, input.gatewayToken, input.type);
    return { ...d, gatewayToken: input.gatewayToken };
  }

  /**
   * The gateway updated a saved card (a new expiry or number from the card networks' updater): the wallet shows
   * it, the expiring-cards list follows (its summary is refreshed in this transaction), and recovery is told
   * (RC2: open failures on that card may be retried at once). One transaction per account, its lock first.
   */
  async updateFromGateway(
    organizationId: string,
    gatewayToken: string,
    card: { brand: string | null; last4: string; expMonth: number; expYear: number },
  ): Promise<number> {
    const saved = await this.deps.db
      .select({ id: paymentMethods.id, accountId: paymentMethods.accountId })
      .from(paymentMethods)
      .where(
        and(
          eq(paymentMethods.organizationId, organizationId),
          eq(paymentMethods.gatewayToken, gatewayToken),
          eq(paymentMethods.type, 'card'),
        ),
      )
      .orderBy(asc(paymentMethods.accountId), asc(paymentMethods.id));
    let n = 0;
    for (const accountId of [...new Set(saved.map((m) => m.accountId))]) {
      n += await this.updateCardOf(organizationId, accountId, gatewayToken, card);
    }
    return n;
  }

  private updateCardOf(
    organizationId: string,
    accountId: string,
    gatewayToken: string,
    card: { brand: string | null; last4: string; expMonth: number; expYear: number },
  ): Promise<number> {
    return this.deps.db.transaction(async (tx) => {
      await lockAccount(tx, organizationId, accountId);
      const updated = await tx
        .update(paymentMethods)
        .set({ brand: card.brand, last4: card.last4, expMonth: card.expMonth, expYear: card.expYear })
        .where(
          and(
            eq(paymentMethods.organizationId, organizationId),
            eq(paymentMethods.accountId, accountId),
            eq(paymentMethods.gatewayToken, gatewayToken),
            eq(paymentMethods.type, 'card'),
          ),
        )
        .returning({ id: paymentMethods.id, accountId: paymentMethods.accountId });
      if (updated.length === 0) return 0;
      // EC2: the expiring-cards summary is computed from the expiry: it follows the new one.
      await this.methodChanged.report(tx, { organizationId, paymentMethodIds: updated.map((m) => m.id) });
      for (const m of updated) {
        await this.deps.audit.record(tx, {
          organizationId,
          actorId: null,
          action: 'payment_method.updated_by_gateway',
          subjectType: 'payment_method',
          subjectId: m.id,
          details: {
            accountId: m.accountId,
            last4: card.last4,
            expMonth: card.expMonth,
            expYear: card.expYear,
          },
        });
        await this.walletCardChanged.report(tx, {
          organizationId,
          accountId: m.accountId,
          paymentMethodId: m.id,
          actorId: null,
          how: 'updated',
        });
      }
      return updated.length;
    });
  }

  private tokenize(input: NewPaymentMethodInput, org: { timezone: string; currency: string }) {
    // No live gateway exists in this build: a gateway token can only come from one.
    if (!this.deps.sandbox) throw new AppError('unavailable', 'no payment gateway configured');
    if ('gatewayToken' in input) {
      throw validation('The sandbox gateway tokenises the card or bank account itself: send its details', [
        { field: 'body.gatewayToken', message: 'is only accepted by a live gateway' },
      ]);
    }
    try {
      if (input.type === 'card') {
        const card = tokenizeCard(input, { now: this.deps.clock.now(), timeZone: org.timezone });
        return {
          type: 'card' as const,
          brand: card.brand,
          last4: card.last4,
          expMonth: card.expMonth,
          expYear: card.expYear,
          gatewayToken: card.token,
          bankName: null,
          holderName: null,
        };
      }
      const bank = tokenizeBankAccount(input, { country: org.currency === 'CAD' ? 'CA' : undefined });
      return {
        type: 'echeck' as const,
        brand: null,
        last4: bank.last4,
        expMonth: null,
        expYear: null,
        gatewayToken: bank.token,
        bankName: bank.bankName,
        holderName: bank.holderName,
      };
    } catch (err) {
      // The tokeniser names fields as in the body; problem+json field errors say where they are.
      if (err instanceof AppError && err.kind === 'validation') {
        const errors: FieldError[] = (err.errors ?? []).map((e) => ({
          field: `body.${e.field}`,
          message: e.message,
        }));
        throw validation(errors[0] ? `${errors[0].field}: ${errors[0].message}` : err.message, errors);
      }
      throw err;
    }
  }

  /** The method, or null when it is another organization's or — with accountId — another account's. */
  async find(
    organizationId: string,
    id: string,
    opts: { accountId?: string; db?: Db } = {},
  ): Promise<PaymentMethod | null> {
    const [method] = await (opts.db ?? this.deps.db)
      .select()
      .from(paymentMethods)
      .where(and(eq(paymentMethods.organizationId, organizationId), eq(paymentMethods.id, id)))
      .limit(1);
    if (!method || (opts.accountId && method.accountId !== opts.accountId)) return null;
    return method;
  }

  /** The method, or 404 (another organization's, or — with accountId — another account's). */
  async get(organizationId: string, id: string, opts: { accountId?: string; db?: Db } = {}) {
    const method = await this.find(organizationId, id, opts);
    if (!method) throw notFound('payment method');
    return method;
  }

  /** Every method of the account, in the wallet or not (a method out of the wallet may still pay a schedule). */
  async list(organizationId: string, accountId: string): Promise<PaymentMethod[]> {
    await this.deps.accounts.get(organizationId, accountId);
    return this.deps.db
      .select()
      .from(paymentMethods)
      .where(and(eq(paymentMethods.organizationId, organizationId), eq(paymentMethods.accountId, accountId)))
      .orderBy(asc(paymentMethods.createdAt), asc(paymentMethods.id));
  }

  /**
   * Takes the method out of the owner's wallet. The method itself stays: subscriptions and plans that
   * use it keep charging it until their method is changed (EC2: it no longer counts as expiring).
   */
  async removeFromWallet(organizationId: string, actorId: string | null, id: string): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const method = await this.get(organizationId, id, { db: tx });
      await tx
        .update(paymentMethods)
        .set({ inWallet: false })
        .where(and(eq(paymentMethods.organizationId, organizationId), eq(paymentMethods.id, id)));
      await this.methodChanged.report(tx, { organizationId, paymentMethodIds: [id] });
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: 'payment_method.removed_from_wallet',
        subjectType: 'payment_method',
        subjectId: id,
        details: { accountId: method.accountId, wasInWallet: method.inWallet },
      });
    });
  }
}
