import { describe, expect, it } from 'vitest';
import { periodDate } from './scheduled-payments';

describe('subscription periods keep their anchor day', () => {
  it('month-end anchors: Jan 31 → Feb 28 → Mar 31, and Feb 29 in a leap year', () => {
    const sub = { startDate: '2026-01-31', interval: 'month' as const, anchorDay: 31 };
    expect([0, 1, 2, 3].map((n) => periodDate(sub, n))).toEqual([
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
    ]);
    expect(periodDate({ ...sub, startDate: '2028-01-31' }, 1)).toBe('2028-02-29');
  });

  it('weeks add seven days across month and year ends; years keep Feb 29 where it exists', () => {
    expect(periodDate({ startDate: '2026-12-29', interval: 'week', anchorDay: 29 }, 1)).toBe('2027-01-05');
    const leap = { startDate: '2028-02-29', interval: 'year' as const, anchorDay: 29 };
    expect([1, 4].map((n) => periodDate(leap, n))).toEqual(['2029-02-28', '2032-02-29']);
  });
});
