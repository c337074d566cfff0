import { and, eq } from 'drizzle-orm';
import Stripe from 'stripe';
import type { Clock } from '../../../lib/clock';
import { AppError, validation } from '../../../lib/errors';
import type { Db } from '../../../platform/db/db';
import type {
  ChargeRequest,
  ChargeResult,
  EcheckDebitRequest,
  EcheckDebitResult,
  EcheckOutcome,
  LookupRequest,
  MoneyRequest,
  PaymentGateway,
  RefundRequest,
  RefundResult,
} from '../gateway.port';
import { stripeCustomers, stripeFencedKeys, stripeMandates } from '../stripe.table';
import { mapStripeFailure, type StripeFailureKind } from './stripe-failure-codes';
import {
  acssMandateOptions,
  MANDATE_VERSION,
  type MandateKind,
  type MandateLocale,
  mandateKindFor,
  mandateText,
} from './stripe-mandates';

export interface StripeClientSettings {
  secretKey: string;
  apiBase?: { host: string; port: number; protocol: 'http' | 'https' };
  /** SDK retries of connection errors, 409 and 5xx (same idempotency key, so never a second charge) */
  maxNetworkRetries?: number;
  timeoutMs?: number;
}

/** The official SDK, pointed at Stripe or (tests) at a local Stripe-shaped server. */
export function createStripeClient(s: StripeClientSettings): Stripe {
  return new Stripe(s.secretKey, {
    maxNetworkRetries: s.maxNetworkRetries ?? 2,
    timeout: s.timeoutMs ?? 30_000,
    appInfo: { name: 'Recoup' },
    ...(s.apiBase ?? {}),
  });
}

/** Recoup's metadata on every PaymentIntent and Refund it creates: how a webhook or the sweeper finds its attempt. */
export const META_ORG = 'recoup_organization_id';
export const META_KEY = 'recoup_key';
export const META_KIND = 'recoup_kind';

/** How far back the sweeper looks for a key's PaymentIntent (attempts are swept within minutes). */
const LOOKUP_WINDOW_S = 7 * 86_400;
/** A 429 the SDK does not retry itself is retried here, with the same idempotency key. */
const RATE_LIMIT_TRIES = 3;

export interface DescribedMethod {
  type: 'card' | 'echeck';
  brand: string | null;
  last4: string;
  expMonth: number | null;
  expYear: number | null;
  bankName: string | null;
  holderName: string | null;
}

/**
 * The PaymentGateway port on Stripe (issue 13). One Stripe Customer per Recoup account; a saved method's gateway
 * token is its PaymentMethod ID (`pm_…`), attached to that Customer by a SetupIntent the browser confirmed with
 * Stripe.js. Card charges are off-session PaymentIntents confirmed at once; bank debits (`acss_debit`,
 * `us_bank_account`) are PaymentIntents that stay `processing` — pending here — until their webhook.
 *
 * Idempotency: Recoup's key (unique per organization) becomes Stripe's idempotency key `recoup:<org>:<key>`, so a
 * replay, an SDK retry after a network error or a 500, or a second process never charges twice — within the
 * 24 hours Stripe keeps keys. Recoup's own attempt rows (`transactions_idempotency`) hold it beyond that.
 *
 * Gateway refs are PaymentIntent IDs (`pi_…`) for charges and debits, Refund IDs (`re_…`) for refunds.
 */
export class StripeGateway implements PaymentGateway {
  constructor(private readonly deps: { db: Db; clock: Clock; stripe: Stripe; publishableKey: string }) {}

  get publishableKey() {
    return this.deps.publishableKey;
  }

  async charge(req: ChargeRequest): Promise<ChargeResult> {
    checkRequest(req);
    if (await this.isFenced(req)) return fencedAnswer(req);
    const pm = await this.paymentMethod(req.token);
    if (pm?.type !== 'card') return { status: 'failed', gatewayRef: req.token, code: 'invalid_account' };
    try {
      const pi = await this.withRateLimitRetries(() =>
        this.deps.stripe.paymentIntents.create(
          {
            amount: Number(req.amountMinor),
            currency: req.currency.toLowerCase(),
            customer: customerOf(pm),
            payment_method: pm.id,
            allowed_payment_method_types: ['card'],
            confirm: true,
            off_session: true,
            metadata: metadata(req, 'charge'),
          },
          { idempotencyKey: stripeKey(req) },
        ),
      );
      return chargeAnswer(pi);
    } catch (err) {
      return declined(err, 'card');
    }
  }

  async echeckDebit(req: EcheckDebitRequest): Promise<EcheckDebitResult> {
    checkRequest(req);
    if (await this.isFenced(req)) return fencedAnswer(req);
    const pm = await this.paymentMethod(req.token);
    if (!pm || (pm.type !== 'acss_debit' && pm.type !== 'us_bank_account')) {
      return { status: 'failed', gatewayRef: req.token, code: 'R03' };
    }
    try {
      const pi = await this.withRateLimitRetries(() =>
        this.deps.stripe.paymentIntents.create(
          {
            amount: Number(req.amountMinor),
            currency: req.currency.toLowerCase(),
            customer: customerOf(pm),
            payment_method: pm.id,
            allowed_payment_method_types: [pm.type],
            confirm: true,
            off_session: true,
            metadata: metadata(req, 'echeck_debit'),
          },
          { idempotencyKey: stripeKey(req) },
        ),
      );
      return debitAnswer(pi);
    } catch (err) {
      return declined(err, 'bank_debit');
    }
  }

  async echeckOutcome(req: { organizationId: string; gatewayRef: string }): Promise<EcheckOutcome> {
    const pi = await this.deps.stripe.paymentIntents.retrieve(req.gatewayRef);
    return debitOutcome(pi);
  }

  async refund(req: RefundRequest): Promise<RefundResult> {
    checkRequest(req);
    if (!req.paymentRef?.startsWith('pi_')) {
      throw new AppError(
        'business_rule',
        'This payment was not collected through Stripe: refund it by hand.',
      );
    }
    if (await this.isFenced(req)) return fencedAnswer(req);
    try {
      const refund = await this.withRateLimitRetries(() =>
        this.deps.stripe.refunds.create(
          {
            payment_intent: req.paymentRef,
            amount: Number(req.amountMinor),
            metadata: metadata(req, 'refund'),
          },
          { idempotencyKey: stripeKey(req) },
        ),
      );
      return refundAnswer(refund);
    } catch (err) {
      return declined(err, 'refund');
    }
  }

  /**
   * Crash recovery (MS5). Stripe cannot look an idempotency key up, nor void one, so:
   * 1. the key is FENCED first (a row in `stripe_fenced_keys`): from now on this process and every other one
   *    refuses to send it (`isFenced` before each request);
   * 2. then Stripe is asked for an object carrying the key in its metadata — the Customer's PaymentIntents
   *    (a list, read-after-write consistent, unlike the Search API), or the payment's Refunds;
   * 3. found: the fence is lifted and the recorded answer returned; not found: null, and the fence stays.
   * What this cannot stop: a request that passed the fence check before step 1 and reaches Stripe after step 2
   * (a process paused in between). Its webhook finds the key fenced and refunds it (stripe-webhooks.ts).
   */
  async lookup(req: LookupRequest): Promise<ChargeResult | EcheckDebitResult | null> {
    checkRequest(req);
    await this.deps.db
      .insert(stripeFencedKeys)
      .values({
        organizationId: req.organizationId,
        idempotencyKey: req.idempotencyKey,
        kind: req.kind,
        fencedAt: this.deps.clock.now(),
      })
      .onConflictDoNothing();
    const found = await this.findByKey(req);
    if (!found) return null;
    await this.deps.db
      .delete(stripeFencedKeys)
      .where(
        and(
          eq(stripeFencedKeys.organizationId, req.organizationId),
          eq(stripeFencedKeys.idempotencyKey, req.idempotencyKey),
        ),
      );
    return found;
  }

  private async findByKey(req: LookupRequest): Promise<ChargeResult | EcheckDebitResult | null> {
    const mine = (m: Stripe.Metadata | null) =>
      m?.[META_KEY] === req.idempotencyKey && m?.[META_ORG] === req.organizationId;
    if (req.kind === 'refund') {
      if (!req.paymentRef?.startsWith('pi_')) return null;
      for await (const refund of this.deps.stripe.refunds.list({
        payment_intent: req.paymentRef,
        limit: 100,
      })) {
        if (mine(refund.metadata)) return refundAnswer(refund);
      }
      return null;
    }
    const pm = await this.paymentMethod(req.token);
    const customer = pm ? customerOf(pm) : undefined;
    if (!customer) return null;
    const since = Math.floor(this.deps.clock.now().getTime() / 1000) - LOOKUP_WINDOW_S;
    for await (const pi of this.deps.stripe.paymentIntents.list({
      customer,
      created: { gte: since },
      limit: 100,
    })) {
      if (!mine(pi.metadata)) continue;
      return req.kind === 'charge' ? chargeAnswer(pi) : debitAnswer(pi);
    }
    return null;
  }

  async isFenced(req: { organizationId: string; idempotencyKey: string }): Promise<boolean> {
    const [row] = await this.deps.db
      .select({ key: stripeFencedKeys.idempotencyKey })
      .from(stripeFencedKeys)
      .where(
        and(
          eq(stripeFencedKeys.organizationId, req.organizationId),
          eq(stripeFencedKeys.idempotencyKey, req.idempotencyKey),
        ),
      )
      .limit(1);
    return Boolean(row);
  }

  // ---- customers, SetupIntents and saved methods (no card or account number ever reaches Recoup) ----

  /** The account's Stripe Customer, created once (the idempotency key makes a concurrent first call harmless). */
  async customerFor(
    organizationId: string,
    account: { id: string; ownerName: string; ownerEmail: string },
  ): Promise<string> {
    const [row] = await this.deps.db
      .select()
      .from(stripeCustomers)
      .where(
        and(eq(stripeCustomers.organizationId, organizationId), eq(stripeCustomers.accountId, account.id)),
      );
    if (row) return row.customerId;
    const customer = await this.deps.stripe.customers
      .create(
        {
          name: account.ownerName,
          email: account.ownerEmail,
          metadata: { [META_ORG]: organizationId, recoup_account_id: account.id },
        },
        { idempotencyKey: `recoup:${organizationId}:customer:${account.id}` },
      )
      .catch((err: unknown) => {
        throw unreachable(err);
      });
    await this.deps.db
      .insert(stripeCustomers)
      .values({
        organizationId,
        accountId: account.id,
        customerId: customer.id,
        createdAt: this.deps.clock.now(),
      })
      .onConflictDoNothing();
    return customer.id;
  }

  /**
   * A SetupIntent the browser confirms with the Payment Element (card, or a bank account with its PAD / ACH
   * mandate, which Stripe.js shows and Stripe records as accepted). Canadian dollars → `acss_debit` with its
   * mandate options (stripe-mandates.ts), else `us_bank_account`. `mandate`: the text Recoup shows beside the
   * Payment Element for a bank account, in the owner's language, recorded as accepted when it is saved.
   */
  async createSetupIntent(
    organizationId: string,
    account: { id: string; ownerName: string; ownerEmail: string },
    type: 'card' | 'echeck',
    currency: string,
    opts: { locale?: MandateLocale; organization?: { name: string; contactEmail: string | null } } = {},
  ): Promise<{
    clientSecret: string;
    setupIntentId: string;
    customerId: string;
    mandate: { kind: MandateKind; version: string; text: string } | null;
  }> {
    const customer = await this.customerFor(organizationId, account);
    const locale = opts.locale ?? 'fr-CA';
    const kind = mandateKindFor(currency);
    const params: Stripe.SetupIntentCreateParams =
      type === 'card'
        ? { customer, usage: 'off_session', allowed_payment_method_types: ['card'] }
        : kind === 'acss_debit'
          ? {
              customer,
              usage: 'off_session',
              allowed_payment_method_types: ['acss_debit'],
              payment_method_options: {
                acss_debit: { currency: 'cad', mandate_options: acssMandateOptions(locale) },
              },
            }
          : { customer, usage: 'off_session', allowed_payment_method_types: ['us_bank_account'] };
    params.metadata = { [META_ORG]: organizationId, recoup_account_id: account.id };
    const si = await this.deps.stripe.setupIntents.create(params).catch((err: unknown) => {
      throw unreachable(err);
    });
    if (!si.client_secret)
      throw new AppError('unavailable', 'Stripe returned a SetupIntent without a client secret');
    const mandate =
      type === 'echeck'
        ? {
            kind,
            version: MANDATE_VERSION,
            text: mandateText(
              kind,
              locale,
              opts.organization ?? { name: account.ownerName, contactEmail: null },
            ),
          }
        : null;
    return { clientSecret: si.client_secret, setupIntentId: si.id, customerId: customer, mandate };
  }

  /**
   * The SetupIntent the browser says it confirmed: it must be this account's, succeeded, and have saved this
   * very PaymentMethod — then the bank account's mandate was accepted at Stripe. Answers Stripe's Mandate ID.
   */
  async confirmedSetup(
    organizationId: string,
    account: { id: string; ownerName: string; ownerEmail: string },
    setupIntentId: string,
    token: string,
  ): Promise<{ mandateId: string | null; kind: string | null }> {
    const bad = (message: string) => validation(message, [{ field: 'body.setupIntentId', message }]);
    if (!/^seti_[A-Za-z0-9_]+$/.test(setupIntentId)) throw bad('must be a Stripe SetupIntent ID (seti_…)');
    let si: Stripe.SetupIntent;
    try {
      si = await this.deps.stripe.setupIntents.retrieve(setupIntentId);
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'resource_missing')
        throw bad('no such Stripe SetupIntent');
      throw unreachable(err);
    }
    const customer = await this.customerFor(organizationId, account);
    const of = (x: string | { id: string } | null) => (typeof x === 'string' ? x : (x?.id ?? null));
    if (of(si.customer) !== customer) throw bad("is not this account's");
    if (si.status !== 'succeeded') throw bad(`is not confirmed (${si.status})`);
    if (of(si.payment_method) !== token) throw bad('did not save this payment method');
    const pm = await this.paymentMethod(token);
    return { mandateId: of(si.mandate), kind: pm?.type ?? null };
  }

  /** The PAD / ACH authorization Recoup shows (and records) for a bank account, in the owner's language. */
  mandate(
    kind: MandateKind,
    locale: MandateLocale,
    organization: { name: string; contactEmail: string | null },
  ): { version: string; text: string } {
    return { version: MANDATE_VERSION, text: mandateText(kind, locale, organization) };
  }

  /** Recoup's record of an accepted bank-debit mandate (stripe_mandates), once per SetupIntent. */
  async recordMandate(row: typeof stripeMandates.$inferInsert): Promise<void> {
    await this.deps.db.insert(stripeMandates).values(row).onConflictDoNothing();
  }

  /** The mandates recorded for an account (tests, the doctor). */
  async mandatesOf(organizationId: string, accountId: string) {
    return this.deps.db
      .select()
      .from(stripeMandates)
      .where(and(eq(stripeMandates.organizationId, organizationId), eq(stripeMandates.accountId, accountId)));
  }

  /**
   * What Recoup keeps of a saved PaymentMethod (brand, last 4, expiry, bank): read from Stripe, and only when it
   * belongs to this account's Customer — a `pm_…` from anywhere else is refused.
   */
  async describe(
    organizationId: string,
    account: { id: string; ownerName: string; ownerEmail: string },
    token: string,
    type: 'card' | 'echeck',
  ): Promise<DescribedMethod> {
    const bad = (message: string) => validation(message, [{ field: 'body.gatewayToken', message }]);
    if (!/^pm_[A-Za-z0-9_]+$/.test(token)) throw bad('must be a Stripe PaymentMethod ID (pm_…)');
    const pm = await this.paymentMethod(token);
    if (!pm) throw bad('no such Stripe PaymentMethod');
    const customer = await this.customerFor(organizationId, account);
    if (customerOf(pm) !== customer) throw bad("is not attached to this account's Stripe customer");
    if (type === 'card') {
      if (pm.type !== 'card' || !pm.card) throw bad('is not a card');
      return {
        type: 'card',
        brand: pm.card.brand,
        last4: pm.card.last4,
        expMonth: pm.card.exp_month,
        expYear: pm.card.exp_year,
        bankName: null,
        holderName: pm.billing_details?.name ?? null,
      };
    }
    const bank =
      pm.type === 'acss_debit' ? pm.acss_debit : pm.type === 'us_bank_account' ? pm.us_bank_account : null;
    if (!bank) throw bad('is not a bank account (acss_debit or us_bank_account)');
    return {
      type: 'echeck',
      brand: null,
      last4: bank.last4 ?? '0000',
      expMonth: null,
      expYear: null,
      bankName: bank.bank_name ?? null,
      holderName: pm.billing_details?.name ?? null,
    };
  }

  private async paymentMethod(token: string): Promise<Stripe.PaymentMethod | null> {
    try {
      return await this.deps.stripe.paymentMethods.retrieve(token);
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'resource_missing')
        return null;
      throw unreachable(err);
    }
  }

  private async withRateLimitRetries<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (!(err instanceof Stripe.errors.StripeRateLimitError) || attempt >= RATE_LIMIT_TRIES) throw err;
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      }
    }
  }
}

/** Stripe did not answer (network, 5xx after retries, 429, authentication): 503 to a caller, never a 500. */
function unreachable(err: unknown): unknown {
  if (err instanceof AppError) return err;
  if (err instanceof Stripe.errors.StripeError && !(err instanceof Stripe.errors.StripeInvalidRequestError)) {
    return new AppError('unavailable', `Stripe did not answer (${err.type}); nothing was changed, try again`);
  }
  return err;
}

function checkRequest(req: MoneyRequest): void {
  if (typeof req.amountMinor !== 'bigint' || req.amountMinor <= 0n) {
    throw validation('The amount must be a positive number of minor units.', [
      { field: 'amount', message: 'Must be a positive integer.' },
    ]);
  }
  if (req.amountMinor > BigInt(Number.MAX_SAFE_INTEGER)) throw validation('The amount is too large.');
  if (!req.idempotencyKey) throw new Error('stripe gateway: an idempotency key is required');
}

/** Recoup keys are unique per organization; one Stripe account may serve several organizations. */
export function stripeKey(req: { organizationId: string; idempotencyKey: string }): string {
  return `recoup:${req.organizationId}:${req.idempotencyKey}`.slice(0, 255);
}

function metadata(req: MoneyRequest, kind: string): Stripe.MetadataParam {
  return { [META_ORG]: req.organizationId, [META_KEY]: req.idempotencyKey, [META_KIND]: kind };
}

function customerOf(pm: Stripe.PaymentMethod): string | undefined {
  if (!pm.customer) return undefined;
  return typeof pm.customer === 'string' ? pm.customer : pm.customer.id;
}

/** A fenced key moves no money: answered as failed, like the sandbox answers a voided key. */
function fencedAnswer(req: MoneyRequest): { status: 'failed'; gatewayRef: string; code: string } {
  return { status: 'failed', gatewayRef: `fenced:${req.idempotencyKey}`, code: 'processing_error' };
}

function lastError(pi: Stripe.PaymentIntent, kind: StripeFailureKind): string {
  const e = pi.last_payment_error;
  return mapStripeFailure(kind, e?.decline_code ?? e?.code ?? null);
}

/** Still undecided at Stripe: the attempt stays `processing` and the sweeper asks again (503 to a caller). */
function undecided(pi: { id: string; status: string }): never {
  throw new AppError('unavailable', `Stripe has not decided ${pi.id} yet (${pi.status})`);
}

export function chargeAnswer(pi: Stripe.PaymentIntent): ChargeResult {
  switch (pi.status) {
    case 'succeeded':
      return { status: 'succeeded', gatewayRef: pi.id };
    case 'requires_payment_method':
    case 'canceled':
      return { status: 'failed', gatewayRef: pi.id, code: lastError(pi, 'card') };
    // off-session: nobody is there to authenticate (3-D Secure)
    case 'requires_action':
      return { status: 'failed', gatewayRef: pi.id, code: 'authentication_required' };
    default:
      return undecided(pi);
  }
}

export function debitAnswer(pi: Stripe.PaymentIntent): EcheckDebitResult {
  switch (pi.status) {
    case 'processing':
    case 'succeeded':
      return { status: 'pending', gatewayRef: pi.id };
    case 'requires_payment_method':
    case 'canceled':
      return { status: 'failed', gatewayRef: pi.id, code: lastError(pi, 'bank_debit') };
    case 'requires_action':
      return { status: 'failed', gatewayRef: pi.id, code: mapStripeFailure('bank_debit', 'requires_action') };
    default:
      return undecided(pi);
  }
}

export function debitOutcome(pi: Stripe.PaymentIntent): EcheckOutcome {
  if (pi.status === 'succeeded') return { status: 'settled' };
  if (pi.status === 'requires_payment_method' || pi.status === 'canceled') {
    return { status: 'returned', code: lastError(pi, 'bank_debit') };
  }
  return { status: 'pending' };
}

/**
 * A refund Stripe accepted as `pending` is money committed from the balance: recorded as succeeded here. If it
 * fails later, its webhook turns it into a failed-refund entry and reverses it (stripe-webhooks.ts, refundUpdated).
 */
export function refundAnswer(refund: Stripe.Refund): RefundResult {
  if (refund.status === 'failed' || refund.status === 'canceled') {
    return {
      status: 'failed',
      gatewayRef: refund.id,
      code: mapStripeFailure('refund', refund.failure_reason),
    };
  }
  if (refund.status === 'succeeded' || refund.status === 'pending')
    return { status: 'succeeded', gatewayRef: refund.id };
  return undecided({ id: refund.id, status: refund.status ?? 'unknown' });
}

/**
 * What a Stripe error means for a money call: a decline (402 card error, a refused refund) is an answer; an
 * idempotency key reused for another request is a programming error; anything else (network, 5xx after the
 * SDK's retries, 429 after ours, authentication) is no answer — the caller leaves the attempt to the sweeper.
 */
function declined(
  err: unknown,
  kind: StripeFailureKind,
): never | { status: 'failed'; gatewayRef: string; code: string } {
  if (err instanceof Stripe.errors.StripeCardError) {
    const code = mapStripeFailure(kind, err.decline_code ?? err.code ?? null);
    return { status: 'failed', gatewayRef: err.payment_intent?.id ?? err.requestId ?? 'unknown', code };
  }
  if (err instanceof Stripe.errors.StripeIdempotencyError) {
    throw new AppError('idempotency_conflict', `Stripe refused the idempotency key: ${err.message}`);
  }
  if (err instanceof Stripe.errors.StripeInvalidRequestError && err.payment_intent) {
    // e.g. a bank debit refused at confirmation: the PaymentIntent carries the reason
    return { status: 'failed', gatewayRef: err.payment_intent.id, code: lastError(err.payment_intent, kind) };
  }
  if (err instanceof Stripe.errors.StripeInvalidRequestError && kind === 'refund' && err.code) {
    return {
      status: 'failed',
      gatewayRef: err.requestId ?? 'unknown',
      code: mapStripeFailure('refund', err.code),
    };
  }
  throw err;
}
