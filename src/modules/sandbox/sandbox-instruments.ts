import { randomBytes } from 'node:crypto';
import { zonedParts } from '../../lib/dates';
import { type FieldError, validation } from '../../lib/errors';
import { CARD_DECLINE_CODES, ECHECK_RETURN_CODES } from '../gateway/failure-codes';

/**
 * The sandbox gateway's tokenisation: it checks a card or bank account the way a real gateway would and
 * answers with an opaque token plus what a person needs to recognise the method. The number and the
 * CVC are only read here, never returned, stored or logged; the token carries the sandbox behaviour
 * (the test-card outcome or the eCheck return code) so the gateway never needs the number again.
 *
 * Tokens: `sbx_card_<outcome>_<random>` where outcome is `ok` or a decline code, and
 * `sbx_bank_<R01…R33|ok>_<random>`. The random part has no underscore.
 */

export type CardBrand =
  | 'visa'
  | 'mastercard'
  | 'amex'
  | 'discover'
  | 'jcb'
  | 'diners'
  | 'unionpay'
  | 'unknown';

/** The SPEC's test-card table; any other Luhn-valid number succeeds. */
export const TEST_CARDS: Readonly<Record<string, string>> = Object.freeze({
  '4242424242424242': 'ok',
  '4000000000000002': 'card_declined',
  '4000000000009995': 'insufficient_funds',
  '4000000000000069': 'expired_card',
  '4000000000000119': 'processing_error',
  '4000000000009987': 'lost_card',
  '4000000000009979': 'stolen_card',
});

export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function prefixBetween(digits: string, length: number, low: number, high: number): boolean {
  if (digits.length < length) return false;
  const p = Number(digits.slice(0, length));
  return p >= low && p <= high;
}

/**
 * The brand from the issuer identification number (IIN ranges as published by the networks).
 * UnionPay takes every `62` and `81` number (including the 622126–622925 range Discover also accepts,
 * since those cards are issued by UnionPay).
 */
export function cardBrand(number: string): CardBrand {
  const n = number.replace(/[\s-]/g, '');
  if (!/^\d+$/.test(n)) return 'unknown';
  if (/^3[47]/.test(n)) return 'amex';
  if (prefixBetween(n, 2, 51, 55) || prefixBetween(n, 4, 2221, 2720)) return 'mastercard';
  if (/^4/.test(n)) return 'visa';
  if (/^6011/.test(n) || prefixBetween(n, 3, 644, 649) || /^65/.test(n)) return 'discover';
  if (/^(62|81)/.test(n)) return 'unionpay';
  if (prefixBetween(n, 4, 3528, 3589)) return 'jcb';
  if (prefixBetween(n, 3, 300, 305) || /^3095/.test(n) || /^3[689]/.test(n)) return 'diners';
  return 'unknown';
}

const BRAND_LENGTHS: Record<CardBrand, readonly number[]> = {
  visa: [13, 16, 19],
  mastercard: [16],
  amex: [15],
  discover: [16, 17, 18, 19],
  jcb: [16, 17, 18, 19],
  diners: [14, 15, 16, 17, 18, 19],
  unionpay: [16, 17, 18, 19],
  unknown: [12, 13, 14, 15, 16, 17, 18, 19],
};

/** The longest a card may be valid for from today (gateways reject expiry years further away). */
const MAX_EXPIRY_YEARS_AHEAD = 50;

/**
 * Whether a card may be used at `now` in `timeZone`: a card is valid through the last day of its expiry
 * month, in the organization's time zone (so 03/2026 still works on March 31 at 23:59 in Toronto).
 */
export function isCardExpired(expMonth: number, expYear: number, now: Date, timeZone: string): boolean {
  const today = zonedParts(now, timeZone);
  return expYear < today.year || (expYear === today.year && expMonth < today.month);
}

export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

export interface TokenizedCard {
  token: string;
  brand: CardBrand;
  last4: string;
  expMonth: number;
  expYear: number;
}

function fieldCheck(errors: FieldError[], field: string, message: string): void {
  errors.push({ field, message });
}

/**
 * Checks a card and returns its token. All problems are reported at once as a validation error with
 * one entry per field (`number`, `expMonth`, `expYear`, `cvc`). A card is saved without charging:
 * a test card's decline happens at charge time (SPEC, "The sandbox").
 */
export function tokenizeCard(input: CardInput, opts: { now: Date; timeZone: string }): TokenizedCard {
  const errors: FieldError[] = [];
  const number = typeof input.number === 'string' ? input.number.replace(/[\s-]/g, '') : '';
  const brand = cardBrand(number);
  if (!/^\d+$/.test(number)) {
    fieldCheck(errors, 'number', 'The card number must contain only digits.');
  } else if (!BRAND_LENGTHS[brand].includes(number.length)) {
    fieldCheck(errors, 'number', 'The card number has the wrong number of digits.');
  } else if (!luhnValid(number)) {
    fieldCheck(errors, 'number', 'The card number is not valid (check digit mismatch).');
  }

  const month = input.expMonth;
  const monthOk = Number.isInteger(month) && month >= 1 && month <= 12;
  if (!monthOk) fieldCheck(errors, 'expMonth', 'The expiry month must be a whole number from 1 to 12.');

  // Two-digit years (as printed on cards) mean 20YY.
  const year =
    Number.isInteger(input.expYear) && input.expYear >= 0 && input.expYear < 100
      ? 2000 + input.expYear
      : input.expYear;
  const thisYear = zonedParts(opts.now, opts.timeZone).year;
  const yearOk = Number.isInteger(year) && year >= 2000 && year <= thisYear + MAX_EXPIRY_YEARS_AHEAD;
  if (!yearOk) fieldCheck(errors, 'expYear', 'The expiry year is not valid.');
  else if (year < thisYear) fieldCheck(errors, 'expYear', 'The card has expired.');
  else if (monthOk && isCardExpired(month, year, opts.now, opts.timeZone)) {
    fieldCheck(errors, 'expMonth', 'The card has expired.');
  }

  const cvcLength = brand === 'amex' ? 4 : 3;
  if (typeof input.cvc !== 'string' || !new RegExp(`^\\d{${cvcLength}}$`).test(input.cvc)) {
    fieldCheck(errors, 'cvc', `The security code (CVC) must be ${cvcLength} digits.`);
  }

  if (errors.length > 0) throw validation('The card is not valid.', errors);
  const outcome = TEST_CARDS[number] ?? 'ok';
  return {
    token: `sbx_card_${outcome}_${randomPart()}`,
    brand,
    last4: number.slice(-4),
    expMonth: month,
    expYear: year,
  };
}

/** ABA routing number checksum: weights 3, 7, 1 repeated; the weighted sum is a multiple of 10. */
export function abaChecksumValid(routing: string): boolean {
  if (!/^\d{9}$/.test(routing)) return false;
  const weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (routing.charCodeAt(i) - 48) * (weights[i] as number);
  return sum % 10 === 0;
}

/**
 * ABA numbers begin with a Federal Reserve routing symbol: 00 (US government), 01–12 (banks),
 * 21–32 (thrifts), 61–72 (electronic), 80 (traveller's cheques).
 */
function abaPrefixValid(routing: string): boolean {
  const p = Number(routing.slice(0, 2));
  return p <= 12 || (p >= 21 && p <= 32) || (p >= 61 && p <= 72) || p === 80;
}

/** A few Canadian institution numbers, to show the bank's name; any other 3-digit number is accepted. */
const CANADIAN_INSTITUTIONS: Readonly<Record<string, string>> = {
  '001': 'BMO',
  '002': 'Scotiabank',
  '003': 'RBC',
  '004': 'TD',
  '006': 'Banque Nationale',
  '010': 'CIBC',
  '016': 'HSBC',
  '030': 'Banque canadienne de l’Ouest',
  '039': 'Banque Laurentienne',
  '219': 'ATB Financial',
  '614': 'Tangerine',
  '815': 'Desjardins',
  '829': 'Desjardins Ontario',
};

export type RoutingCountry = 'US' | 'CA';

export interface RoutingInfo {
  country: RoutingCountry;
  /** the normalized form: the 9-digit ABA number, or the Canadian electronic form 0 + institution + transit */
  routingNumber: string;
  institution?: string;
  transit?: string;
  bankName: string | null;
}

/**
 * Routing numbers accepted by the sandbox (the rule):
 * - US ABA: exactly 9 digits with a valid Federal Reserve prefix and a valid 3-7-1 checksum.
 * - Canada, paper (MICR) form: 5-digit branch transit + 3-digit institution, written `12345-003`,
 *   `12345 003` or `12345003` (8 digits).
 * - Canada, electronic (EFT/PAD) form `0` + institution + transit (9 digits): Canadian numbers carry no
 *   check digit, so this form is accepted only when the caller says the account is Canadian
 *   (`country: 'CA'`, e.g. an organization billing in CAD); otherwise a 9-digit number must pass the
 *   ABA checksum, so typos in US numbers (many of which also begin with 0) are still caught.
 * Returns null when the number is not valid.
 */
export function parseRoutingNumber(raw: string, opts: { country?: RoutingCountry } = {}): RoutingInfo | null {
  if (typeof raw !== 'string') return null;
  const trimmed = raw.trim();
  const micr = /^(\d{5})[\s-]?(\d{3})$/.exec(trimmed);
  if (micr) return canadian(micr[2] as string, micr[1] as string);
  if (!/^\d{9}$/.test(trimmed)) return null;
  if (opts.country !== 'CA' && abaPrefixValid(trimmed) && abaChecksumValid(trimmed)) {
    return { country: 'US', routingNumber: trimmed, bankName: null };
  }
  if (opts.country === 'CA' && trimmed.startsWith('0'))
    return canadian(trimmed.slice(1, 4), trimmed.slice(4));
  return null;
}

function canadian(institution: string, transit: string): RoutingInfo | null {
  if (institution === '000' || transit === '00000') return null;
  return {
    country: 'CA',
    routingNumber: `0${institution}${transit}`,
    institution,
    transit,
    bankName: CANADIAN_INSTITUTIONS[institution] ?? null,
  };
}

export interface BankAccountInput {
  routingNumber: string;
  accountNumber: string;
  holderName: string;
}

export interface TokenizedBankAccount {
  token: string;
  last4: string;
  bankName: string | null;
  holderName: string;
  routingCountry: RoutingCountry;
  /** the return code this account will come back with in the sandbox, or null when it settles */
  returnCode: string | null;
}

/**
 * Checks a bank account for eCheck debits and returns its token. Account numbers are 4 to 17 digits.
 * Sandbox rule: `9990` + a two-digit code `01`–`33` comes back returned with that R code
 * (`999001` → R01 … `999033` → R33); every other valid account settles.
 */
export function tokenizeBankAccount(
  input: BankAccountInput,
  opts: { country?: RoutingCountry } = {},
): TokenizedBankAccount {
  const errors: FieldError[] = [];
  const routing = parseRoutingNumber(input.routingNumber, opts);
  if (!routing) fieldCheck(errors, 'routingNumber', 'The routing number is not valid.');
  const account = typeof input.accountNumber === 'string' ? input.accountNumber.replace(/[\s-]/g, '') : '';
  if (!/^\d{4,17}$/.test(account))
    fieldCheck(errors, 'accountNumber', 'The account number must be 4 to 17 digits.');
  const holderName = typeof input.holderName === 'string' ? input.holderName.trim() : '';
  if (holderName.length === 0 || holderName.length > 200) {
    fieldCheck(errors, 'holderName', "The account holder's name is required (at most 200 characters).");
  }
  if (errors.length > 0 || !routing) throw validation('The bank account is not valid.', errors);
  const returnCode = sandboxReturnCode(account);
  return {
    token: `sbx_bank_${returnCode ?? 'ok'}_${randomPart()}`,
    last4: account.slice(-4),
    bankName: routing.bankName,
    holderName,
    routingCountry: routing.country,
    returnCode,
  };
}

/** `9990NN` → `RNN` when NN is a NACHA return code (01–33), else null. */
export function sandboxReturnCode(accountNumber: string): string | null {
  const m = /^9990(\d{2})$/.exec(accountNumber);
  if (!m) return null;
  const code = `R${m[1]}`;
  return ECHECK_RETURN_CODES.includes(code) ? code : null;
}

export type SandboxToken =
  | { kind: 'card'; outcome: 'succeed' | string }
  | { kind: 'bank'; returnCode: string | null };

/** What the sandbox gateway will do with a token; null when it is not a sandbox token. */
export function parseSandboxToken(token: string): SandboxToken | null {
  const card = /^sbx_card_([a-z_]+)_([0-9a-z]+)$/.exec(token);
  if (card) {
    const outcome = card[1] as string;
    if (outcome === 'ok') return { kind: 'card', outcome: 'succeed' };
    return CARD_DECLINE_CODES.includes(outcome) ? { kind: 'card', outcome } : null;
  }
  const bank = /^sbx_bank_(ok|R\d{2})_([0-9a-z]+)$/.exec(token);
  if (bank) {
    const code = bank[1] as string;
    if (code === 'ok') return { kind: 'bank', returnCode: null };
    return ECHECK_RETURN_CODES.includes(code) ? { kind: 'bank', returnCode: code } : null;
  }
  return null;
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** 20 characters of Crockford base32 (100 bits of randomness). */
function randomPart(): string {
  return Array.from(randomBytes(20), (b) => ALPHABET[b & 31]).join('');
}
