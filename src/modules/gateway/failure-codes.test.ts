import { describe, expect, it } from 'vitest';
import {
  CARD_DECLINE_CODES,
  ECHECK_RETURN_CODES,
  FAILURE_CATEGORIES,
  FAILURE_CODES,
  failureInfo,
  failureMessage,
  isKnownFailureCode,
  normalizeLocale,
  RECOMMENDED_ACTIONS,
  recommendedAction,
  retryDecision,
} from './failure-codes';

const DAY = 86_400_000;
const original = new Date('2026-01-15T14:00:00Z');
const decide = (
  code: string,
  representments = 0,
  now = new Date(original.getTime() + DAY),
  locale = 'en-CA',
) => retryDecision({ code, representments, originalAt: original, now, locale });

const STRIPE_CODES = [
  'card_declined',
  'generic_decline',
  'insufficient_funds',
  'expired_card',
  'processing_error',
  'lost_card',
  'stolen_card',
  'pickup_card',
  'incorrect_cvc',
  'incorrect_number',
  'invalid_account',
  'do_not_honor',
  'fraudulent',
  'card_not_supported',
  'currency_not_supported',
  'card_velocity_exceeded',
  'withdrawal_count_limit_exceeded',
  'try_again_later',
  'issuer_not_available',
  'reenter_transaction',
  'restricted_card',
  'security_violation',
  'service_not_allowed',
  'transaction_not_allowed',
  'authentication_required',
  'approve_with_id',
  'call_issuer',
  'invalid_amount',
  'new_account_information_available',
  'no_action_taken',
  'not_permitted',
  'revocation_of_authorization',
  'stop_payment_order',
  'testmode_decline',
  'duplicate_transaction',
  'merchant_blacklist',
];

const R_CODES = Array.from({ length: 33 }, (_, i) => `R${String(i + 1).padStart(2, '0')}`);

describe('the catalogue', () => {
  it('has every Stripe-style decline code as a card failure', () => {
    for (const code of STRIPE_CODES) {
      expect(failureInfo(code), code).toMatchObject({ code, kind: 'card', known: true });
      expect(CARD_DECLINE_CODES).toContain(code);
    }
  });

  it('has every NACHA return code R01–R33 as an eCheck failure, and only those', () => {
    expect([...ECHECK_RETURN_CODES].sort()).toEqual(R_CODES);
    for (const code of R_CODES)
      expect(failureInfo(code), code).toMatchObject({ kind: 'echeck', known: true });
  });

  it('has the refund failure insufficient_merchant_funds (soft: fund the account, then retry)', () => {
    expect(failureInfo('insufficient_merchant_funds')).toMatchObject({ kind: 'refund', category: 'soft' });
    expect(recommendedAction('insufficient_merchant_funds', 'fr-CA')).toEqual({
      code: 'retry_now',
      message: 'Approvisionner le compte marchand, puis réessayer',
    });
  });

  it('lists every code once in FAILURE_CODES', () => {
    expect(new Set(FAILURE_CODES).size).toBe(FAILURE_CODES.length);
    expect(FAILURE_CODES.length).toBe(CARD_DECLINE_CODES.length + ECHECK_RETURN_CODES.length + 1);
    for (const code of [...STRIPE_CODES, ...R_CODES, 'insufficient_merchant_funds']) {
      expect(FAILURE_CODES).toContain(code);
      expect(isKnownFailureCode(code)).toBe(true);
    }
    expect(isKnownFailureCode('nope')).toBe(false);
  });

  it.each(FAILURE_CODES)('%s has a category, an action and real messages in both languages', (code) => {
    const info = failureInfo(code);
    expect(FAILURE_CATEGORIES).toContain(info.category);
    expect(RECOMMENDED_ACTIONS).toContain(info.recommendedAction);
    const en = info.message['en-CA'];
    const fr = info.message['fr-CA'];
    expect(en.length).toBeGreaterThan(8);
    expect(fr.length).toBeGreaterThan(8);
    expect(fr).not.toBe(en);
    expect(en).toMatch(/\.$/);
    expect(fr).toMatch(/\.$/);
    expect(en).not.toContain(code);
    for (const locale of ['fr-CA', 'en-CA'] as const) {
      const action = recommendedAction(code, locale);
      expect(action.code).toBe(info.recommendedAction);
      expect(action.message.length).toBeGreaterThan(3);
    }
    expect(recommendedAction(code, 'fr-CA').message).not.toBe(recommendedAction(code, 'en-CA').message);
  });

  it('gives the same French and English messages to every locale spelling', () => {
    expect(failureMessage('lost_card', 'fr-CA')).toBe('La carte a été déclarée perdue.');
    expect(failureMessage('lost_card', 'fr')).toBe('La carte a été déclarée perdue.');
    expect(failureMessage('lost_card', 'en-CA')).toBe('The card was reported lost.');
    expect(failureMessage('lost_card', 'en')).toBe('The card was reported lost.');
    expect(failureMessage('R02', 'fr-CA')).toBe('Le compte bancaire est fermé.');
    expect(normalizeLocale('FR-ca')).toBe('fr-CA');
    expect(normalizeLocale('de')).toBe('en-CA');
  });
});

describe('categories', () => {
  it.each([
    'lost_card',
    'stolen_card',
    'pickup_card',
    'invalid_account',
    'fraudulent',
    'restricted_card',
    'security_violation',
    'merchant_blacklist',
    'revocation_of_authorization',
    'stop_payment_order',
    'do_not_try_again',
  ])('%s is a hard decline: do not retry', (code) => {
    expect(failureInfo(code).category).toBe('hard');
    expect(recommendedAction(code, 'fr-CA')).toEqual({ code: 'do_not_retry', message: 'Ne pas réessayer' });
  });

  it.each([
    'expired_card',
    'incorrect_number',
    'incorrect_cvc',
    'card_not_supported',
    'currency_not_supported',
    'authentication_required',
    'new_account_information_available',
  ])('%s needs a new card', (code) => {
    expect(failureInfo(code).category).toBe('needs_new_method');
    expect(recommendedAction(code, 'fr-CA')).toEqual({
      code: 'ask_new_method',
      message: 'Demander une nouvelle carte au client',
    });
    expect(recommendedAction(code, 'en-CA').message).toBe('Ask the customer for a new card');
  });

  it.each([
    'card_declined',
    'generic_decline',
    'insufficient_funds',
    'processing_error',
    'do_not_honor',
    'try_again_later',
    'issuer_not_available',
    'reenter_transaction',
    'call_issuer',
    'card_velocity_exceeded',
  ])('%s is soft: worth retrying', (code) => {
    expect(failureInfo(code).category).toBe('soft');
    expect(['retry_now', 'contact_bank']).toContain(failureInfo(code).recommendedAction);
  });

  it('processing_error says retry now; do_not_honor says ask the customer to call their bank', () => {
    expect(recommendedAction('processing_error', 'fr-CA')).toEqual({
      code: 'retry_now',
      message: 'Réessayer maintenant',
    });
    expect(recommendedAction('do_not_honor', 'fr-CA')).toEqual({
      code: 'contact_bank',
      message: 'Demander au client de communiquer avec sa banque',
    });
  });

  it('R01 and R09 are limited; every other return code may not be re-presented', () => {
    for (const code of R_CODES) {
      const expected = code === 'R01' || code === 'R09' ? 'limited' : 'not_represented';
      expect(failureInfo(code).category, code).toBe(expected);
    }
  });

  it('maps the R codes to their NACHA meaning', () => {
    const en = (code: string) => failureMessage(code, 'en-CA');
    expect(en('R01')).toMatch(/insufficient funds/i);
    expect(en('R02')).toMatch(/closed/i);
    expect(en('R03')).toMatch(/no account/i);
    expect(en('R04')).toMatch(/invalid account number/i);
    expect(en('R07')).toMatch(/revoked/i);
    expect(en('R08')).toMatch(/stop payment/i);
    expect(en('R09')).toMatch(/uncollected funds/i);
    expect(en('R10')).toMatch(/not authorized/i);
    expect(en('R13')).toMatch(/routing number/i);
    expect(en('R16')).toMatch(/frozen/i);
    expect(en('R20')).toMatch(/non-transaction/i);
    expect(en('R24')).toMatch(/duplicate/i);
    expect(en('R29')).toMatch(/business customer/i);
  });

  it('asks for another bank account, not a card, for a closed account', () => {
    expect(recommendedAction('R02', 'fr-CA')).toEqual({
      code: 'ask_new_method',
      message: 'Demander un autre compte bancaire au client',
    });
    expect(recommendedAction('R01', 'en-CA')).toEqual({ code: 'retry_now', message: 'Retry now' });
  });

  it('treats an unknown code as soft, with a generic message quoting it', () => {
    const info = failureInfo('brand_new_decline');
    expect(info).toMatchObject({
      category: 'soft',
      kind: 'card',
      known: false,
      recommendedAction: 'retry_now',
    });
    expect(failureMessage('brand_new_decline', 'fr-CA')).toBe(
      'Le paiement a échoué (code brand_new_decline).',
    );
    expect(failureMessage('brand_new_decline', 'en-CA')).toBe('The payment failed (code brand_new_decline).');
    expect(failureInfo('R61').kind).toBe('echeck');
    expect(decide('brand_new_decline')).toEqual({ allowed: true });
  });
});

describe('retryDecision (FT12)', () => {
  it.each(['lost_card', 'stolen_card', 'pickup_card', 'invalid_account', 'fraudulent', 'restricted_card'])(
    'refuses to retry the hard decline %s, with the reason in both languages',
    (code) => {
      const en = decide(code);
      expect(en).toMatchObject({ allowed: false, reasonCode: 'hard_decline' });
      const fr = decide(code, 0, new Date(original.getTime() + DAY), 'fr-CA');
      expect(fr).toMatchObject({ allowed: false, reasonCode: 'hard_decline' });
      if (!en.allowed && !fr.allowed) {
        expect(en.reason).toMatch(/must not be charged again/);
        expect(fr.reason).toMatch(/ne doit plus être débitée/);
      }
    },
  );

  it.each(R_CODES.filter((c) => c !== 'R01' && c !== 'R09'))('refuses to re-present %s', (code) => {
    expect(decide(code)).toMatchObject({ allowed: false, reasonCode: 'not_represented' });
  });

  it('names R02, R03, R04, R07, R10 and R16 among the returns that may not be re-presented', () => {
    for (const code of ['R02', 'R03', 'R04', 'R07', 'R10', 'R16']) {
      const d = decide(code, 0, original, 'fr-CA');
      expect(d, code).toEqual({
        allowed: false,
        reasonCode: 'not_represented',
        reason:
          'La banque a retourné ce prélèvement avec un code qui ne permet pas de le présenter de nouveau.',
      });
    }
  });

  it.each(['card_declined', 'insufficient_funds', 'processing_error', 'expired_card', 'incorrect_number'])(
    'allows retrying %s (soft, or after the method was changed)',
    (code) => {
      expect(decide(code, 5)).toEqual({ allowed: true });
    },
  );

  it('allows retrying a failed refund', () => {
    expect(decide('insufficient_merchant_funds', 3)).toEqual({ allowed: true });
  });

  describe.each(['R01', 'R09'])('%s', (code) => {
    it('may be re-presented the first and second time', () => {
      expect(decide(code, 0)).toEqual({ allowed: true });
      expect(decide(code, 1)).toEqual({ allowed: true });
    });

    it('may not be re-presented a third time', () => {
      const d = decide(code, 2, original, 'fr-CA');
      expect(d).toMatchObject({ allowed: false, reasonCode: 'representment_limit' });
      if (!d.allowed) expect(d.reason).toContain('2 fois');
      expect(decide(code, 3)).toMatchObject({ allowed: false, reasonCode: 'representment_limit' });
    });

    it('may be re-presented up to exactly 180 days after the original debit, not a millisecond later', () => {
      expect(decide(code, 1, new Date(original.getTime() + 180 * DAY))).toEqual({ allowed: true });
      const late = decide(code, 1, new Date(original.getTime() + 180 * DAY + 1));
      expect(late).toMatchObject({ allowed: false, reasonCode: 'representment_window' });
      if (!late.allowed) expect(late.reason).toContain('180 days');
      expect(decide(code, 0, new Date(original.getTime() + 181 * DAY))).toMatchObject({
        reasonCode: 'representment_window',
      });
    });

    it('on day 179 is still allowed, across a daylight-saving change', () => {
      // 2026-03-08 is a DST change in North America; 180 days are counted as elapsed time.
      expect(decide(code, 0, new Date('2026-07-13T14:00:00Z'))).toEqual({ allowed: true });
    });

    it('reports the limit before the window when both are exceeded', () => {
      expect(decide(code, 2, new Date(original.getTime() + 400 * DAY))).toMatchObject({
        reasonCode: 'representment_limit',
      });
    });
  });
});
