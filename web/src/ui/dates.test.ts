import { describe, expect, it } from 'vitest';
import { formatInstant } from './dates';

describe('formatInstant', () => {
  it('reads the instant on the organization’s clock', () => {
    expect(formatInstant('2026-12-02T15:30:00Z', 'en-CA', 'America/Toronto')).toMatch(/10:30/);
    expect(formatInstant('2026-12-02T15:30:00Z', 'fr-CA', 'America/Toronto')).toMatch(/10 h 30/);
  });

  it('without a zone yet (still loading) shows UTC and says so, in both languages, without throwing', () => {
    expect(formatInstant('2026-12-02T15:30:00Z', 'en-CA')).toMatch(/3:30.*UTC$/);
    expect(formatInstant('2026-12-02T15:30:00Z', 'fr-CA')).toMatch(/15 h 30 UTC$/);
  });
});
