import { describe, expect, it } from 'vitest';
import { checkCard, emptyCard, luhnValid } from './cardCheck';

const DEC_2026 = { year: 2026, month: 12 };

describe('checkCard: every field is checked before sending', () => {
  it('an empty form names all four fields at once', () => {
    expect(checkCard(emptyCard, DEC_2026)).toEqual({
      number: 'required',
      expMonth: 'required',
      expYear: 'required',
      cvc: 'required',
    });
  });

  it('wrong values, each next to its field', () => {
    expect(checkCard({ number: '4242', expMonth: 13, expYear: 2020, cvc: '12a' }, DEC_2026)).toEqual({
      number: 'cardNumber',
      expMonth: 'month',
      expYear: 'year',
      cvc: 'cvc',
    });
  });

  it('a number with a wrong check digit is refused (one digit changed)', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(
      checkCard({ number: '4242 4242 4242 4241', expMonth: 12, expYear: 2031, cvc: '123' }, DEC_2026),
    ).toEqual({ number: 'luhn' });
  });

  it('a card whose month has passed this year has expired; its own month is still good', () => {
    const june = { year: 2026, month: 6 };
    const card = { number: '4242424242424242', cvc: '123' };
    expect(checkCard({ ...card, expMonth: 5, expYear: 2026 }, june)).toEqual({ expMonth: 'expired' });
    expect(checkCard({ ...card, expMonth: 6, expYear: 2026 }, june)).toEqual({});
    expect(checkCard({ ...card, expMonth: 1, expYear: 2025 }, june)).toEqual({ expYear: 'year' });
  });

  it('a two-digit year means 20YY, as printed on the card and as the server reads it', () => {
    const card = { number: '4242424242424242', cvc: '123', expMonth: 12 };
    expect(checkCard({ ...card, expYear: 31 }, DEC_2026)).toEqual({});
    expect(checkCard({ ...card, expYear: 25 }, DEC_2026)).toEqual({ expYear: 'year' });
  });

  it('a good card has no problem (spaces in the number allowed, 4-digit CVC)', () => {
    expect(
      checkCard({ number: '4242 4242 4242 4242', expMonth: 12, expYear: 2031, cvc: '123' }, DEC_2026),
    ).toEqual({});
    expect(
      checkCard({ number: '3782 822463 10005', expMonth: '1', expYear: '2030', cvc: '1234' }, DEC_2026),
    ).toEqual({});
  });
});
