import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, formatMoney, MAX_AMOUNT_MINOR, sumMinor, toMinor } from './money';

describe('allocate (largest remainder)', () => {
  it('splits exactly, never losing or inventing a cent', () => {
    expect(allocate(100n, [1n, 1n, 1n])).toEqual([34n, 33n, 33n]);
    expect(allocate(5n, [3n, 7n])).toEqual([2n, 3n]);
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: MAX_AMOUNT_MINOR }),
        fc.array(fc.bigInt({ min: 1n, max: 1_000_000n }), { minLength: 1, maxLength: 12 }),
        (total, weights) => {
          const parts = allocate(total, weights);
          expect(sumMinor(parts)).toBe(total);
          const weightSum = sumMinor(weights);
          parts.forEach((p, i) => {
            const exact = (total * weights[i]!) / weightSum;
            expect(p === exact || p === exact + 1n).toBe(true);
          });
        },
      ),
    );
  });

  it('refuses no weights or a zero total weight', () => {
    expect(() => allocate(1n, [])).toThrow(RangeError);
    expect(() => allocate(1n, [0n])).toThrow(RangeError);
  });
});

describe('toMinor', () => {
  it('accepts integers only', () => {
    expect(toMinor(12500)).toBe(12500n);
    expect(toMinor('42')).toBe(42n);
    expect(() => toMinor(1.5)).toThrow(RangeError);
    expect(() => toMinor('1.50')).toThrow(RangeError);
  });
});

describe('formatMoney', () => {
  it('formats minor units in both languages without float rounding', () => {
    expect(formatMoney(123456n, 'CAD', 'en-CA')).toBe('$1,234.56');
    expect(formatMoney(123456n, 'CAD', 'fr-CA').replace(/\s/g, ' ')).toBe('1 234,56 $');
    expect(formatMoney(999_999_999_999n, 'CAD', 'en-CA')).toBe('$9,999,999,999.99');
    expect(formatMoney(500n, 'JPY', 'en-CA')).toBe('JP¥500');
  });
});
