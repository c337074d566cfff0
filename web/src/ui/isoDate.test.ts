import { describe, expect, it } from 'vitest';
import { parseIsoDate } from './isoDate';

describe('a typed business date', () => {
  it('reads YYYY-MM-DD and its near spellings as the canonical form', () => {
    expect(parseIsoDate('2026-12-01')).toBe('2026-12-01');
    expect(parseIsoDate(' 2026/3/5 ')).toBe('2026-03-05');
    expect(parseIsoDate('2024.02.29')).toBe('2024-02-29');
  });
  it('refuses what is not a day of the calendar, and the browser-order MM/DD/YYYY', () => {
    expect(parseIsoDate('2026-02-29')).toBeNull();
    expect(parseIsoDate('2026-13-01')).toBeNull();
    expect(parseIsoDate('2026-04-31')).toBeNull();
    expect(parseIsoDate('12/01/2026')).toBeNull();
    expect(parseIsoDate('')).toBeNull();
  });
});
