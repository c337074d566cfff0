import { describe, expect, it } from 'vitest';
import { amountAtRisk, atRiskWindow } from './at-risk';

describe('amountAtRisk: the 3 months after the expiry month', () => {
  it('the window is the 3 months after the expiry month', () => {
    expect(atRiskWindow(2026, 11)).toEqual({ from: '2026-12-01', until: '2027-03-01' });
    expect(atRiskWindow(2028, 2)).toEqual({ from: '2028-03-01', until: '2028-06-01' });
  });

  it('a monthly subscription with one period scheduled is at risk for its coming periods', () => {
    const window = atRiskWindow(2026, 11);
    const risk = amountAtRisk(
      window,
      [{ dueDate: '2026-11-15', amountMinor: 4500n }],
      [{ interval: 'month', anchorDay: 15, amountMinor: 4500n, endsOn: null, lastScheduled: '2026-11-15' }],
    );
    // 15 December, 15 January, 15 February
    expect(risk).toEqual({ amountMinor: 13_500n, charges: 3, firstDate: '2026-12-15' });
  });

  it('anchors on the day (31st), stops at the end date, weekly and yearly periods', () => {
    const window = atRiskWindow(2026, 11);
    expect(
      amountAtRisk(
        window,
        [],
        [
          {
            interval: 'month',
            anchorDay: 31,
            amountMinor: 100n,
            endsOn: '2027-01-31',
            lastScheduled: '2026-11-30',
          },
        ],
      ),
    ).toEqual({ amountMinor: 200n, charges: 2, firstDate: '2026-12-31' });
    expect(
      amountAtRisk(
        window,
        [],
        [{ interval: 'week', anchorDay: 1, amountMinor: 10n, endsOn: null, lastScheduled: '2026-11-28' }],
      ).charges,
    ).toBe(13);
    expect(
      amountAtRisk(
        window,
        [],
        [{ interval: 'year', anchorDay: 5, amountMinor: 10n, endsOn: null, lastScheduled: '2026-06-05' }],
      ).amountMinor,
    ).toBe(0n);
  });
});
