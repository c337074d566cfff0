import { describe, expect, it } from 'vitest';
import { checkCard, emptyCard } from './cardCheck';

describe('checkCard: every field is checked before sending', () => {
  it('an empty form names all four fields at once', () => {
    expect(checkCard(emptyCard, 2026)).toEqual({
      number: 'required',
      expMonth: 'required',
      expYear: 'required',
      cvc: 'required',
    });
  });

  it('wrong values, each next to its field', () => {
    expect(checkCard({ number: '4242', expMonth: 13, expYear: 2020, cvc: '12a' }, 2026)).toEqual({
      number: 'cardNumber',
      expMonth: 'month',
      expYear: 'year',
      cvc: 'cvc',
    });
  });

  it('a good card has no problem (spaces in the number allowed)', () => {
    expect(
      checkCard({ number: '4242 4242 4242 4242', expMonth: 12, expYear: 2031, cvc: '123' }, 2026),
    ).toEqual({});
  });
});
