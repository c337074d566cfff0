import { formatIsoDate, type IsoDate, nextMonth, zonedParts } from '../../lib/dates';

/** The expiry month EC1 lists today, and what follows from it. */
export interface ExpiryWindow {
  /** the organization's calendar date now */
  today: IsoDate;
  expYear: number;
  expMonth: number;
  /** `YYYY-MM` of the expiry: the key of EC4's "once per card and expiry" */
  expiryKey: string;
  /** the first day after the card's expiry month: payments due on or after it will fail (amountAtRisk) */
  firstDayAfterExpiry: IsoDate;
}

/**
 * EC1: the window is the calendar month after the current one *in the organization's time zone*, so at
 * 23:30 on 31 January in Toronto (04:30 UTC on 1 February) cards expiring in February are listed.
 */
export function expiryWindow(timeZone: string, now: Date): ExpiryWindow {
  const p = zonedParts(now, timeZone);
  const expiry = nextMonth(p.year, p.month);
  const after = nextMonth(expiry.year, expiry.month);
  return {
    today: formatIsoDate(p.year, p.month, p.day),
    expYear: expiry.year,
    expMonth: expiry.month,
    expiryKey: expiryKey(expiry.year, expiry.month),
    firstDayAfterExpiry: formatIsoDate(after.year, after.month, 1),
  };
}

export function expiryKey(expYear: number, expMonth: number): string {
  return `${String(expYear).padStart(4, '0')}-${String(expMonth).padStart(2, '0')}`;
}
