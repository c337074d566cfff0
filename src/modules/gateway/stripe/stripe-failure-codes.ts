import { isKnownFailureCode } from '../failure-codes';

/**
 * Stripe's failure codes → Recoup's failure catalogue (failure-codes.ts). One row per code Stripe publishes:
 * - card decline codes (docs.stripe.com/declines/codes; the `decline_code` of a card error, or its `code` when
 *   Stripe gives no decline code), most of which the catalogue already names the same way;
 * - bank-debit failures of `us_bank_account` (ACH) and `acss_debit` (Canadian PAD) PaymentIntents
 *   (`last_payment_error.code`, and the older charge `failure_code`s), mapped onto the NACHA return code
 *   that means the same, so that FT12 (which returns may be re-presented) applies to them unchanged;
 * - refund `failure_reason`s.
 * A code that is not in this table is kept, prefixed `stripe:`, and shown as "unknown, from Stripe: …"
 * (`failureInfo` in failure-codes.ts): never silently turned into another reason.
 */

export const UNKNOWN_PREFIX = 'stripe:';

// biome-ignore format: one code per line reads as a table
export const STRIPE_CARD_CODES: Readonly<Record<string, string>> = {
  authentication_required: 'authentication_required',
  approve_with_id: 'approve_with_id',
  call_issuer: 'call_issuer',
  card_not_supported: 'card_not_supported',
  card_velocity_exceeded: 'card_velocity_exceeded',
  currency_not_supported: 'currency_not_supported',
  do_not_honor: 'do_not_honor',
  do_not_try_again: 'do_not_try_again',
  duplicate_transaction: 'duplicate_transaction',
  expired_card: 'expired_card',
  fraudulent: 'fraudulent',
  generic_decline: 'generic_decline',
  incorrect_number: 'incorrect_number',
  incorrect_cvc: 'incorrect_cvc',
  incorrect_pin: 'incorrect_pin',
  incorrect_zip: 'incorrect_zip',
  insufficient_funds: 'insufficient_funds',
  invalid_account: 'invalid_account',
  invalid_amount: 'invalid_amount',
  invalid_cvc: 'invalid_cvc',
  invalid_expiry_month: 'invalid_expiry_month',
  invalid_expiry_year: 'invalid_expiry_year',
  invalid_number: 'invalid_number',
  invalid_pin: 'invalid_pin',
  issuer_not_available: 'issuer_not_available',
  lost_card: 'lost_card',
  merchant_blacklist: 'merchant_blacklist',
  new_account_information_available: 'new_account_information_available',
  no_action_taken: 'no_action_taken',
  not_permitted: 'not_permitted',
  offline_pin_required: 'offline_pin_required',
  online_or_offline_pin_required: 'online_or_offline_pin_required',
  pickup_card: 'pickup_card',
  pin_try_exceeded: 'pin_try_exceeded',
  processing_error: 'processing_error',
  reenter_transaction: 'reenter_transaction',
  restricted_card: 'restricted_card',
  revocation_of_all_authorizations: 'revocation_of_all_authorizations',
  revocation_of_authorization: 'revocation_of_authorization',
  security_violation: 'security_violation',
  service_not_allowed: 'service_not_allowed',
  stolen_card: 'stolen_card',
  stop_payment_order: 'stop_payment_order',
  testmode_decline: 'testmode_decline',
  transaction_not_allowed: 'transaction_not_allowed',
  try_again_later: 'try_again_later',
  withdrawal_count_limit_exceeded: 'withdrawal_count_limit_exceeded',
  // error `code`s a card error carries when there is no decline code
  card_declined: 'card_declined',
  card_decline_rate_limit_exceeded: 'card_velocity_exceeded',
  // an off-session PaymentIntent that needs the cardholder (3-D Secure) cannot be completed automatically
  payment_intent_authentication_failure: 'authentication_required',
  // the saved PaymentMethod cannot be used any more (detached, or Stripe refused it)
  payment_method_unactivated: 'card_not_supported',
  payment_method_not_available: 'card_not_supported',
};

// biome-ignore format: one code per line reads as a table
export const STRIPE_BANK_DEBIT_CODES: Readonly<Record<string, string>> = {
  insufficient_funds: 'R01',
  // PaymentIntent `last_payment_error.code` for ACH and PAD debits
  bank_account_closed: 'R02',
  bank_account_invalid_details: 'R03',
  bank_account_frozen: 'R16',
  bank_account_restricted: 'R16',
  bank_account_unusable: 'R20',
  bank_account_declined: 'R20',
  debit_not_authorized: 'R10',
  payment_method_microdeposit_verification_attempts_exceeded: 'R03',
  payment_method_microdeposit_verification_timeout: 'R03',
  // charge `failure_code`s (older integrations and the charge object of a failed debit)
  account_closed: 'R02',
  no_account: 'R03',
  invalid_account_number: 'R04',
  account_frozen: 'R16',
  bank_ownership_changed: 'R12',
  incorrect_account_holder_name: 'R03',
  invalid_currency: 'R19',
  // a mandate revoked or never accepted: Stripe refuses to debit without one
  mandate_invalid: 'R07',
};

// biome-ignore format: one code per line reads as a table
export const STRIPE_REFUND_CODES: Readonly<Record<string, string>> = {
  // refund `failure_reason`s
  insufficient_funds: 'insufficient_merchant_funds',
  declined: 'card_declined',
  expired_or_canceled_card: 'expired_card',
  lost_or_stolen_card: 'lost_card',
  // error code when the Stripe balance cannot fund a refund at creation
  balance_insufficient: 'insufficient_merchant_funds',
};

export type StripeFailureKind = 'card' | 'bank_debit' | 'refund';

const TABLES: Record<StripeFailureKind, Readonly<Record<string, string>>> = {
  card: STRIPE_CARD_CODES,
  bank_debit: STRIPE_BANK_DEBIT_CODES,
  refund: STRIPE_REFUND_CODES,
};

/**
 * The catalogue code of a Stripe failure. A bank debit may also come back with a raw NACHA code (R01…),
 * kept as it is. Anything else is kept as `stripe:<code>`.
 */
export function mapStripeFailure(kind: StripeFailureKind, code: string | null | undefined): string {
  if (!code) return `${UNKNOWN_PREFIX}none`;
  const mapped = TABLES[kind][code];
  if (mapped) return mapped;
  if (kind === 'bank_debit' && /^R\d{2}$/.test(code) && isKnownFailureCode(code)) return code;
  return `${UNKNOWN_PREFIX}${code.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 80) || 'none'}`;
}
