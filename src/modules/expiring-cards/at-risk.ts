import { addDays, addMonths, formatIsoDate, nextMonth } from '../../lib/dates';

/**
 * How many months after its expiry month a card's charges count as at risk: what it would fail to pay if
 * nobody replaced it, subscription periods not scheduled yet included (the README's `amountAtRisk`).
 */
export const AT_RISK_MONTHS = 3;

/** The card's at-risk window: from the first day after its expiry month, for AT_RISK_MONTHS months. */
export function atRiskWindow(expYear: number, expMonth: number): { from: string; until: string } {
  const after = nextMonth(expYear, expMonth);
  const from = formatIsoDate(after.year, after.month, 1);
  return { from, until: addMonths(from, AT_RISK_MONTHS) };
}

export interface ScheduledCharge {
  dueDate: string;
  amountMinor: bigint;
}

export interface ActiveSubscription {
  interval: 'week' | 'month' | 'year';
  anchorDay: number;
  amountMinor: bigint;
  endsOn: string | null;
  /** its latest scheduled period (null: none scheduled now, e.g. a charge in flight) */
  lastScheduled: string | null;
}

function nextPeriod(date: string, s: ActiveSubscription): string {
  if (s.interval === 'week') return addDays(date, 7);
  return addMonths(date, s.interval === 'year' ? 12 : 1, s.anchorDay);
}

/**
 * amountAtRisk: every charge the card would have to pay once it has expired, over the AT_RISK_MONTHS months
 * after its expiry month — the scheduled installments and subscription periods on it, and the subscription
 * periods not scheduled yet (a subscription schedules one period at a time, so without them a monthly
 * subscription showed nothing at risk).
 */
export function amountAtRisk(
  window: { from: string; until: string },
  scheduled: ScheduledCharge[],
  subscriptions: ActiveSubscription[],
): { amountMinor: bigint; charges: number; firstDate: string | null } {
  let amountMinor = 0n;
  let charges = 0;
  let firstDate: string | null = null;
  const add = (date: string, amount: bigint) => {
    if (date < window.from || date >= window.until) return;
    amountMinor += amount;
    charges++;
    if (!firstDate || date < firstDate) firstDate = date;
  };
  for (const c of scheduled) add(c.dueDate, c.amountMinor);
  for (const s of subscriptions) {
    if (!s.lastScheduled) continue;
    for (let d = nextPeriod(s.lastScheduled, s); d < window.until; d = nextPeriod(d, s)) {
      if (s.endsOn && d > s.endsOn) break;
      add(d, s.amountMinor);
    }
  }
  return { amountMinor, charges, firstDate };
}
