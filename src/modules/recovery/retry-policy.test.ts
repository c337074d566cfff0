import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  type PlanInput,
  paydayWithin,
  planNextRetry,
  type RetryPolicy,
  validatePolicy,
  zonedInstant,
} from './retry-policy';

const TZ = 'America/Toronto';
const entry = (over: Partial<PlanInput['entry']> = {}): PlanInput['entry'] => ({
  type: 'subscription',
  reasonCode: 'card_declined',
  paymentMethodType: 'card',
  firstFailedAt: new Date('2026-03-02T15:00:00Z'),
  failedAt: new Date('2026-03-02T15:00:00Z'),
  originalAt: new Date('2026-03-02T15:00:00Z'),
  automaticRetries: 0,
  representments: 0,
  ...over,
});
const plan = (e: Partial<PlanInput['entry']>, policy: RetryPolicy = DEFAULT_POLICY, currency = 'USD') =>
  planNextRetry({ policy, timeZone: TZ, currency, entry: entry(e) });

describe('zonedInstant', () => {
  it('is the local wall-clock hour in the zone, across DST', () => {
    expect(zonedInstant('2026-01-15', 10, TZ).toISOString()).toBe('2026-01-15T15:00:00.000Z');
    expect(zonedInstant('2026-07-15', 10, TZ).toISOString()).toBe('2026-07-15T14:00:00.000Z');
    expect(zonedInstant('2026-03-08', 0, TZ).toISOString()).toBe('2026-03-08T05:00:00.000Z');
  });
});

describe('RC1: soft card declines at the day offsets, at the local hour', () => {
  it('retries 1, 3, 5, 7 days after the first failure at 10:00 local time', () => {
    const at = [0, 1, 2, 3].map((n) => plan({ automaticRetries: n }));
    expect(at.map((p) => p.nextRetryAt?.toISOString())).toEqual([
      '2026-03-03T15:00:00.000Z',
      '2026-03-05T15:00:00.000Z',
      '2026-03-07T15:00:00.000Z',
      '2026-03-09T14:00:00.000Z', // DST began on March 8
    ]);
    expect(at.map((p) => p.automaticRetriesLeft)).toEqual([4, 3, 2, 1]);
    expect(plan({ automaticRetries: 4 })).toEqual({ nextRetryAt: null, automaticRetriesLeft: 0 });
  });

  it('never retries twice on one local day: offsets already past move to the day after the last attempt', () => {
    // First failure March 2; the run that should have retried on March 3 only ran on March 20 (the service
    // was down) and declined again. The offsets 3 and 5 (March 5 and 7) are long past: without the guard
    // the entry would be due at once, at every 15-minute run.
    const late = plan({ automaticRetries: 1, failedAt: new Date('2026-03-20T18:30:00Z') });
    expect(late.nextRetryAt?.toISOString()).toBe('2026-03-21T14:00:00.000Z');
    expect(late.automaticRetriesLeft).toBe(3);
    // A manual retry declined today also moves today's automatic retry to tomorrow.
    const manual = plan({ automaticRetries: 1, failedAt: new Date('2026-03-05T13:00:00Z') });
    expect(manual.nextRetryAt?.toISOString()).toBe('2026-03-06T15:00:00.000Z');
    // On time, nothing moves.
    expect(
      plan({ automaticRetries: 1, failedAt: new Date('2026-03-03T15:00:05Z') }).nextRetryAt?.toISOString(),
    ).toBe('2026-03-05T15:00:00.000Z');
  });

  it('insufficient_funds waits for the next 1st or 15th before the following offset (paydays)', () => {
    const p = plan({
      reasonCode: 'insufficient_funds',
      firstFailedAt: new Date('2026-03-12T15:00:00Z'),
      automaticRetries: 0,
    });
    // offset 1 → March 13; no payday before offset 3 (March 15, excluded): March 13 stays
    expect(p.nextRetryAt?.toISOString()).toBe('2026-03-13T14:00:00.000Z');
    const q = plan({
      reasonCode: 'insufficient_funds',
      firstFailedAt: new Date('2026-03-12T15:00:00Z'),
      automaticRetries: 1,
    });
    // offset 3 → March 15, a payday itself
    expect(q.nextRetryAt?.toISOString()).toBe('2026-03-15T14:00:00.000Z');
    const r = plan({
      reasonCode: 'insufficient_funds',
      firstFailedAt: new Date('2026-03-28T15:00:00Z'),
      automaticRetries: 1,
    });
    // offset 3 → March 31; April 1 is before offset 5 (April 2): the payday wins
    expect(r.nextRetryAt?.toISOString()).toBe('2026-04-01T14:00:00.000Z');
    expect(
      plan(
        {
          reasonCode: 'insufficient_funds',
          firstFailedAt: new Date('2026-03-28T15:00:00Z'),
          automaticRetries: 1,
        },
        { ...DEFAULT_POLICY, card: { ...DEFAULT_POLICY.card, preferPaydays: false } },
      ).nextRetryAt?.toISOString(),
    ).toBe('2026-03-31T14:00:00.000Z');
  });

  it('never retries a hard decline, a code that needs a new card, or a refund by itself', () => {
    for (const reasonCode of ['lost_card', 'stolen_card', 'fraudulent', 'expired_card', 'incorrect_number']) {
      expect(plan({ reasonCode }), reasonCode).toEqual({ nextRetryAt: null, automaticRetriesLeft: 0 });
    }
    expect(plan({ type: 'refund', reasonCode: 'insufficient_merchant_funds' }).nextRetryAt).toBeNull();
  });
});

describe('RC3: eCheck re-presentment within the network rules', () => {
  const r01 = { paymentMethodType: 'echeck' as const, type: 'echeck_payment', reasonCode: 'R01' };
  it('ACH: R01/R09 at most twice, N business days after the return, within 180 days', () => {
    const first = plan({ ...r01, failedAt: new Date('2026-03-06T15:00:00Z') }); // a Friday
    expect(first.nextRetryAt?.toISOString()).toBe('2026-03-11T14:00:00.000Z'); // 3 business days
    expect(first.automaticRetriesLeft).toBe(2);
    expect(plan({ ...r01, representments: 1 }).automaticRetriesLeft).toBe(1);
    expect(plan({ ...r01, representments: 2 }).nextRetryAt).toBeNull();
    expect(
      plan({
        ...r01,
        originalAt: new Date('2025-09-01T15:00:00Z'),
        failedAt: new Date('2026-02-26T15:00:00Z'),
      }).nextRetryAt,
    ).toBeNull();
  });

  it('Canadian PADs (RC3; Rule H1 provision not verified, see DEBIT_NETWORKS): once, within 30 days of the return', () => {
    expect(plan({ ...r01 }, DEFAULT_POLICY, 'CAD').automaticRetriesLeft).toBe(1);
    expect(plan({ ...r01, representments: 1 }, DEFAULT_POLICY, 'CAD').nextRetryAt).toBeNull();
    const slow = { ...DEFAULT_POLICY, echeck: { ...DEFAULT_POLICY.echeck, minBusinessDaysApart: 30 } };
    expect(plan({ ...r01 }, slow, 'CAD').nextRetryAt).toBeNull();
  });

  it('never re-presents any other return', () => {
    for (const reasonCode of ['R02', 'R03', 'R07', 'R10', 'R16']) {
      expect(plan({ ...r01, reasonCode }).nextRetryAt, reasonCode).toBeNull();
    }
  });
});

describe('validatePolicy: out of range → the field', () => {
  const withCard = (card: Partial<RetryPolicy['card']>) => ({
    ...DEFAULT_POLICY,
    card: { ...DEFAULT_POLICY.card, ...card },
  });
  it('accepts the defaults', () => expect(validatePolicy(DEFAULT_POLICY)).toEqual([]));
  it('names offsets not increasing, too many retries, a bad hour, a negative fee', () => {
    expect(validatePolicy(withCard({ offsetsDays: [1, 3, 3] })).map((e) => e.field)).toEqual([
      'card.offsetsDays.2',
    ]);
    expect(
      validatePolicy(withCard({ offsetsDays: [1, 2, 3, 4, 5, 6, 7, 8, 9] })).map((e) => e.field),
    ).toContain('card.offsetsDays');
    expect(validatePolicy(withCard({ localHour: 24 })).map((e) => e.field)).toEqual(['card.localHour']);
    expect(
      validatePolicy({ ...DEFAULT_POLICY, echeck: { ...DEFAULT_POLICY.echeck, returnFeeAmount: -1 } }).map(
        (e) => e.field,
      ),
    ).toEqual(['echeck.returnFeeAmount']);
  });
  it('paydays are the 1st and the 15th', () => {
    expect(paydayWithin('2026-03-02', '2026-03-15')).toBeNull();
    expect(paydayWithin('2026-03-02', '2026-03-16')).toBe('2026-03-15');
  });
});
