import { addBusinessDays, addDays, parseIsoDate, todayIn, zonedParts } from '../../lib/dates';
import type { FieldError } from '../../lib/errors';
import { failureInfo } from '../gateway/failure-codes';

export const AFTER_LAST_RETRY = ['leave_open', 'pause', 'cancel'] as const;
export type AfterLastRetry = (typeof AFTER_LAST_RETRY)[number];

/** The organization's retry policy (API.md "Recovery automation"). */
export interface RetryPolicy {
  card: { offsetsDays: number[]; localHour: number; preferPaydays: boolean };
  echeck: { maxRepresentments: number; minBusinessDaysApart: number; returnFeeAmount: number };
  afterLastRetry: AfterLastRetry;
  emails: { failureNotice: boolean; reminderBeforeRetry: boolean; finalNotice: boolean };
}

export const MAX_CARD_RETRIES = 8;
export const MAX_OFFSET_DAYS = 60;

export const DEFAULT_POLICY: RetryPolicy = Object.freeze({
  card: { offsetsDays: [1, 3, 5, 7], localHour: 10, preferPaydays: true },
  echeck: { maxRepresentments: 2, minBusinessDaysApart: 3, returnFeeAmount: 0 },
  afterLastRetry: 'leave_open',
  emails: { failureNotice: true, reminderBeforeRetry: false, finalNotice: true },
}) as RetryPolicy;

/**
 * The checks JSON Schema cannot say (the schema already holds types and ranges); each error names its field
 * so that the answer is a 400 with the field (policy values out of range).
 */
export function validatePolicy(policy: RetryPolicy): FieldError[] {
  const errors: FieldError[] = [];
  const offsets = policy.card.offsetsDays;
  if (offsets.length > MAX_CARD_RETRIES) {
    errors.push({ field: 'card.offsetsDays', message: `at most ${MAX_CARD_RETRIES} automatic retries` });
  }
  offsets.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 1 || d > MAX_OFFSET_DAYS) {
      errors.push({
        field: `card.offsetsDays.${i}`,
        message: `a whole number of days from 1 to ${MAX_OFFSET_DAYS}`,
      });
    } else if (i > 0 && d <= offsets[i - 1]!) {
      errors.push({ field: `card.offsetsDays.${i}`, message: 'offsets must be strictly increasing' });
    }
  });
  if (!Number.isInteger(policy.card.localHour) || policy.card.localHour < 0 || policy.card.localHour > 23) {
    errors.push({ field: 'card.localHour', message: 'an hour from 0 to 23' });
  }
  if (policy.echeck.returnFeeAmount < 0) {
    errors.push({ field: 'echeck.returnFeeAmount', message: 'a fee cannot be negative' });
  }
  return errors;
}

/** The instant a local wall-clock time (`date` at `hour`:00) is in `timeZone` (DST gaps move forward). */
export function zonedInstant(date: string, hour: number, timeZone: string): Date {
  const { year, month, day } = parseIsoDate(date);
  const wanted = Date.UTC(year, month - 1, day, hour);
  let guess = wanted;
  for (let i = 0; i < 3; i++) {
    const p = zonedParts(new Date(guess), timeZone);
    const seen = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
    if (seen === wanted) break;
    guess += wanted - seen;
  }
  return new Date(guess);
}

/**
 * Bank-debit networks and how often a returned debit may be presented again automatically.
 * - ACH (NACHA Operating Rules, Subsection 2.12.4 "Reinitiation of Returned Entries"): an entry returned
 *   R01 (insufficient funds) or R09 (uncollected funds) may be reinitiated at most two times after the
 *   original entry, within 180 days of the original settlement date; no other return is reinitiated as is.
 * - Canadian PADs (Payments Canada, Rule H1 "Pre-Authorized Debits (PADs)", the 2017 consolidation published
 *   by the Canadian Payments Association): NOT VERIFIED. The text of Rule H1's provision on presenting a
 *   returned (dishonoured) PAD again could not be found in the sources searched for this code (Dec. 2026:
 *   only the rule's title page, bank FAQs on PAD agreements and summaries of the 2023 amendments, none of
 *   which quotes it; searched again for this code's summary change: Rule H1's and Rule A4's ("Returned and
 *   Redirected Items", 2020) title pages only), so no section is cited here. What the code does is a conservative placeholder, stricter
 *   than the ACH rule above: a PAD returned for NSF or funds not cleared is re-presented automatically at most
 *   ONCE, within 30 days of the return; every other return never. An organization billing PADs must confirm
 *   the actual provision with its financial institution before relying on it.
 * An organization billing in CAD debits Canadian accounts: its eCheck debits are PADs.
 */
export const DEBIT_NETWORKS = {
  ach: { maxRepresentments: 2, windowDays: 180, from: 'original' },
  pad: { maxRepresentments: 1, windowDays: 30, from: 'return' },
} as const;
export type DebitNetwork = keyof typeof DEBIT_NETWORKS;
export const networkOf = (currency: string): DebitNetwork => (currency === 'CAD' ? 'pad' : 'ach');

const DAY_MS = 86_400_000;

export interface PlanInput {
  policy: RetryPolicy;
  timeZone: string;
  currency: string;
  entry: {
    type: string;
    reasonCode: string;
    paymentMethodType: 'card' | 'echeck';
    firstFailedAt: Date;
    failedAt: Date;
    originalAt: Date;
    automaticRetries: number;
    representments: number;
  };
}

export interface RetryPlan {
  nextRetryAt: Date | null;
  automaticRetriesLeft: number;
}

const NONE: RetryPlan = { nextRetryAt: null, automaticRetriesLeft: 0 };

/** RC1 paydays: the 1st and the 15th. The first one in [from, until), if any. */
export function paydayWithin(from: string, until: string): string | null {
  for (let d = from; d < until; d = addDays(d, 1)) {
    const { day } = parseIsoDate(d);
    if (day === 1 || day === 15) return d;
  }
  return null;
}

/** How long past its day offset an `insufficient_funds` retry may wait for a payday, for the last offset. */
export const LAST_PAYDAY_WINDOW_DAYS = 3;

/**
 * When the policy next retries an entry by itself, and how many automatic retries are left (RC1, RC3, RC4).
 * - refunds are never retried automatically (the merchant account has to be funded first);
 * - hard declines, codes that need a new card or account, and eCheck returns that may not be presented
 *   again: never (RC1; a new card retries at once instead, RC2);
 * - soft card declines: at the policy's day offsets after the first failure, at its local hour;
 *   `insufficient_funds` moves to the next 1st or 15th before the following offset, when one falls there;
 *   never on the local day of the last attempt (a late offset moves to the next day);
 * - R01/R09: the network's limit (and the policy's, if lower), `minBusinessDaysApart` after the last
 *   return, within the network's window. Every re-presentment counts, manual ones too: the limit is the
 *   network's, not the policy's.
 */
export function planNextRetry({ policy, timeZone, currency, entry }: PlanInput): RetryPlan {
  if (entry.type === 'refund') return NONE;
  const info = failureInfo(entry.reasonCode);
  if (entry.paymentMethodType === 'echeck') {
    if (info.category !== 'limited') return NONE;
    const network = DEBIT_NETWORKS[networkOf(currency)];
    const max = Math.min(policy.echeck.maxRepresentments, network.maxRepresentments);
    const left = max - entry.representments;
    if (left <= 0) return NONE;
    const day = addBusinessDays(todayIn(timeZone, entry.failedAt), policy.echeck.minBusinessDaysApart);
    const at = zonedInstant(day, policy.card.localHour, timeZone);
    const from = network.from === 'original' ? entry.originalAt : entry.failedAt;
    if (at.getTime() > from.getTime() + network.windowDays * DAY_MS) return NONE;
    return { nextRetryAt: at, automaticRetriesLeft: left };
  }
  if (info.category !== 'soft') return NONE;
  const offsets = policy.card.offsetsDays;
  const n = entry.automaticRetries;
  if (n >= offsets.length) return NONE;
  const firstDay = todayIn(timeZone, entry.firstFailedAt);
  let day = addDays(firstDay, offsets[n]!);
  if (entry.reasonCode === 'insufficient_funds' && policy.card.preferPaydays) {
    const until =
      n + 1 < offsets.length ? addDays(firstDay, offsets[n + 1]!) : addDays(day, LAST_PAYDAY_WINDOW_DAYS + 1);
    day = paydayWithin(day, until) ?? day;
  }
  // Never a second automatic attempt on the day of the last one. The offsets count from the first failure,
  // so after a run that could not happen on time (the service was down, the policy's offsets were
  // shortened, the demo's back-dated history) every later offset would already be past and the entry
  // would be charged again at each 15-minute run: four attempts on one card in an hour, which the card
  // networks treat as excessive retrying. Spacing them a local day apart keeps the retries' count.
  const dayAfterLast = addDays(todayIn(timeZone, entry.failedAt), 1);
  if (day < dayAfterLast) day = dayAfterLast;
  return {
    nextRetryAt: zonedInstant(day, policy.card.localHour, timeZone),
    automaticRetriesLeft: offsets.length - n,
  };
}
