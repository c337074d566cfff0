import { describe, expect, it } from 'vitest';
import { failureInfo, isKnownFailureCode } from '../failure-codes';
import {
  mapStripeFailure,
  STRIPE_BANK_DEBIT_CODES,
  STRIPE_CARD_CODES,
  STRIPE_REFUND_CODES,
} from './stripe-failure-codes';

describe('happy: every Stripe code in the table lands on a catalogue entry', () => {
  for (const [name, table] of [
    ['card', STRIPE_CARD_CODES],
    ['bank debit', STRIPE_BANK_DEBIT_CODES],
    ['refund', STRIPE_REFUND_CODES],
  ] as const) {
    it(`${name}: ${Object.keys(table).length} codes`, () => {
      const unknown = Object.entries(table).filter(([, target]) => !isKnownFailureCode(target));
      expect(unknown).toEqual([]);
    });
  }

  it('maps the codes FT12 depends on to the same retry rules as the sandbox', () => {
    expect(failureInfo(mapStripeFailure('card', 'lost_card')).category).toBe('hard');
    expect(failureInfo(mapStripeFailure('card', 'stolen_card')).category).toBe('hard');
    expect(failureInfo(mapStripeFailure('card', 'insufficient_funds')).category).toBe('soft');
    expect(mapStripeFailure('bank_debit', 'insufficient_funds')).toBe('R01');
    expect(failureInfo(mapStripeFailure('bank_debit', 'insufficient_funds')).category).toBe('limited');
    expect(mapStripeFailure('bank_debit', 'bank_account_closed')).toBe('R02');
    expect(failureInfo(mapStripeFailure('bank_debit', 'debit_not_authorized')).category).toBe(
      'not_represented',
    );
    expect(mapStripeFailure('refund', 'insufficient_funds')).toBe('insufficient_merchant_funds');
  });

  it('keeps a raw NACHA code a bank debit comes back with', () => {
    expect(mapStripeFailure('bank_debit', 'R09')).toBe('R09');
  });
});

describe('errors: an unknown code is kept and shown as unknown, from Stripe', () => {
  it('keeps the code', () => {
    const code = mapStripeFailure('card', 'brand_new_decline');
    expect(code).toBe('stripe:brand_new_decline');
    expect(failureInfo(code).known).toBe(false);
    expect(failureInfo(code).message['en-CA']).toBe('Unknown, from Stripe: brand_new_decline');
    expect(failureInfo(code).message['fr-CA']).toBe('Inconnu, selon Stripe : brand_new_decline');
  });
  it('never keeps characters that do not belong in a code', () => {
    expect(mapStripeFailure('card', '<script>x')).toBe('stripe:scriptx');
    expect(mapStripeFailure('card', undefined)).toBe('stripe:none');
    expect(mapStripeFailure('bank_debit', 'R99')).toBe('stripe:R99');
  });
});
