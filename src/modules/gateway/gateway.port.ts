/**
 * The PaymentGateway port: the only way the product moves money. Card charges and refunds answer at
 * once; eCheck debits answer `pending` and settle or come back returned days later (the settlement job
 * asks `echeckOutcome` when the debit is old enough).
 *
 * Every money-moving call takes an `idempotencyKey`, unique per organization: calling again with a key
 * already used answers the recorded result and moves no money (FT4), so a run that crashed
 * after the gateway answered can simply run again. Reusing a key for
 * a different request (another kind, amount or token) is a programming error and throws an
 * `idempotency_conflict` AppError.
 *
 * Amounts are bigint minor units in the organization's currency.
 */

/** A decline, refund-failure or ACH return code of the failure catalogue (`failure-codes.ts`). */
export type FailureCode = string;

export interface MoneyRequest {
  organizationId: string;
  /** the gateway token of the payment method (never a card or account number) */
  token: string;
  amountMinor: bigint;
  currency: string;
  idempotencyKey: string;
}

export interface ChargeRequest extends MoneyRequest {
  /** the payment method being charged: a forced next outcome is keyed by it (sandbox) */
  paymentMethodId?: string;
}

export interface RefundRequest extends MoneyRequest {
  /** the gateway ref of the payment being refunded (a live gateway refunds that charge) */
  paymentRef?: string;
}
export type EcheckDebitRequest = ChargeRequest;

export type ChargeResult =
  | { status: 'succeeded'; gatewayRef: string }
  | { status: 'failed'; gatewayRef: string; code: FailureCode };
export type RefundResult = ChargeResult;
export type EcheckDebitResult =
  | { status: 'pending'; gatewayRef: string }
  | { status: 'failed'; gatewayRef: string; code: FailureCode };
export type EcheckOutcome =
  | { status: 'settled' }
  | { status: 'returned'; code: FailureCode }
  // a live gateway's debit still on its way (it settles through the gateway's webhooks): asked again later
  | { status: 'pending' };

export interface PaymentGateway {
  /** Charges a card. Gateway refs look like `ch_…`. */
  charge(req: ChargeRequest): Promise<ChargeResult>;
  /** Pays money back from the merchant account; fails with `insufficient_merchant_funds`. Refs `re_…`. */
  refund(req: RefundRequest): Promise<RefundResult>;
  /** Presents an eCheck (ACH / pre-authorized) debit: `pending` until it settles. Refs `py_…`. */
  echeckDebit(req: EcheckDebitRequest): Promise<EcheckDebitResult>;
  /** The final state of a pending eCheck debit; asking again answers the same. */
  echeckOutcome(req: { organizationId: string; gatewayRef: string }): Promise<EcheckOutcome>;
  /**
   * Crash recovery (MS5): what became of the operation requested with this key — its recorded answer, or
   * null when the gateway never received it. A null answer also FENCES the key: a request with it that
   * arrives later (a process that was only slow) is refused and moves no money, so the caller may release
   * the attempt safely.
   */
  lookup(req: LookupRequest): Promise<ChargeResult | EcheckDebitResult | null>;
}

export interface LookupRequest extends MoneyRequest {
  kind: 'charge' | 'echeck_debit' | 'refund';
  /** refunds: the gateway ref of the payment refunded (where a live gateway lists its refunds) */
  paymentRef?: string;
}

/** `succeed`, a card decline code, or (for eCheck methods) an ACH return code. */
export type ForcedOutcome = 'succeed' | FailureCode;

/** Sandbox-only controls (`/api/v1/sandbox/…`): not part of what a live gateway offers. */
export interface SandboxGatewayControls {
  /** The merchant account's funds, from which refunds are paid. */
  setMerchantBalance(organizationId: string, amountMinor: bigint): Promise<void>;
  merchantBalance(organizationId: string): Promise<bigint>;
  /**
   * Forces the outcome of the next charge (or eCheck debit) of a payment method; the next charge
   * consumes it. `key` is the payment method's ID (or, for callers that have none, the token).
   */
  setNextOutcome(organizationId: string, key: string, outcome: ForcedOutcome): Promise<void>;
  /** How many card charges and eCheck debits were really attempted (replayed keys not counted). */
  chargeCount(organizationId: string): Promise<number>;
}
