import { describe, expect, it } from 'vitest';
import { addBusinessDays, addMonths, isValidIsoDate, todayIn } from './dates';

describe('dates', () => {
  it('rejects impossible dates', () => {
    expect(isValidIsoDate('2026-02-29')).toBe(false);
    expect(isValidIsoDate('2028-02-29')).toBe(true);
    expect(isValidIsoDate('2026-13-01')).toBe(false);
    expect(isValidIsoDate('2026-04-31')).toBe(false);
  });

  it('knows "today" in the organization time zone, not UTC', () => {
    // 23:30 on Nov 30 in Toronto is already Dec 1 in UTC.
    const instant = new Date('2026-12-01T04:30:00Z');
    expect(todayIn('America/Toronto', instant)).toBe('2026-11-30');
    expect(todayIn('UTC', instant)).toBe('2026-12-01');
  });

  it('adds months keeping the anchor day where the month has it', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2026-02-28', 1, 31)).toBe('2026-03-31');
    expect(addMonths('2026-12-15', 1)).toBe('2027-01-15');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
  });

  it('counts business days over weekends', () => {
    expect(addBusinessDays('2026-11-27', 2)).toBe('2026-12-01'); // Friday → Tuesday
    expect(addBusinessDays('2026-11-24', 2)).toBe('2026-11-26');
  });
});
