import { describe, expect, it } from 'vitest';
import { decimalSeparator, parseMoneyInput, toMoneyInput } from '../../ui/money';
import { addMonths, monthlyDates, splitEvenly } from './installments';

describe('splitEvenly', () => {
  it('gives the extra minor units to the first installments', () => {
    expect(splitEvenly(1000, 3)).toEqual([334, 333, 333]);
    expect(splitEvenly(1001, 3)).toEqual([334, 334, 333]);
    expect(splitEvenly(10, 4)).toEqual([3, 3, 2, 2]);
    expect(splitEvenly(2, 5)).toEqual([1, 1, 0, 0, 0]);
  });

  it('always adds up to the total exactly', () => {
    for (const total of [1, 99, 100_00, 123_456_789, Number.MAX_SAFE_INTEGER]) {
      for (const count of [1, 2, 3, 7, 12, 120]) {
        const parts = splitEvenly(total, count);
        expect(parts).toHaveLength(count);
        expect(parts.reduce((sum, part) => sum + part, 0)).toBe(total);
        expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('refuses what is not a whole amount or count', () => {
    expect(() => splitEvenly(10.5, 2)).toThrow(RangeError);
    expect(() => splitEvenly(10, 0)).toThrow(RangeError);
  });
});

describe('monthly dates', () => {
  it('keeps the day of month, or the last day of a shorter month', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(monthlyDates('2026-01-31', 4)).toEqual(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30']);
    expect(monthlyDates('2026-11-15', 3)).toEqual(['2026-11-15', '2026-12-15', '2027-01-15']);
  });
});

describe('amount field text', () => {
  it('round-trips minor units through the text of a field', () => {
    for (const minor of [1, 9, 10, 99, 100, 1250, 123_456_789]) {
      expect(parseMoneyInput(toMoneyInput(minor, 2, ','), 2)).toBe(minor);
      expect(parseMoneyInput(toMoneyInput(minor, 2, '.'), 2)).toBe(minor);
    }
    expect(toMoneyInput(5, 2, ',')).toBe('0,05');
    expect(toMoneyInput(1200, 0)).toBe('1200');
    expect(decimalSeparator('fr-CA')).toBe(',');
    expect(decimalSeparator('en-CA')).toBe('.');
  });
});
