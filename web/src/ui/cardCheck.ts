/** The sandbox card form's draft and its checks (no UI, so that they are tested alone). */
export interface CardDraft {
  number: string;
  expMonth: number | string;
  expYear: number | string;
  cvc: string;
}

export const emptyCard: CardDraft = { number: '', expMonth: '', expYear: '', cvc: '' };

export type CardProblem = 'required' | 'cardNumber' | 'luhn' | 'month' | 'year' | 'expired' | 'cvc';
export type CardProblems = Partial<Record<keyof CardDraft, CardProblem>>;

/** The check digit every card number carries (ISO/IEC 7812), as the server's sandbox verifies it. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Every field checked before the card is sent, so that all problems show at once, next to their fields.
 * A card is good through the last day of its expiry month; two-digit years (as printed) mean 20YY, as the
 * server reads them. `today` is the viewer's month; the server (organization time zone) has the last word.
 */
export function checkCard(
  draft: CardDraft,
  today: { year: number; month: number } = {
    year: new Date().getFullYear(),
    month: new Date().getMonth() + 1,
  },
): CardProblems {
  const problems: CardProblems = {};
  const digits = draft.number.replace(/[\s-]/g, '');
  if (!digits) problems.number = 'required';
  else if (!/^\d{12,19}$/.test(digits)) problems.number = 'cardNumber';
  else if (!luhnValid(digits)) problems.number = 'luhn';
  const month = Number(draft.expMonth);
  const monthOk = draft.expMonth !== '' && Number.isInteger(month) && month >= 1 && month <= 12;
  if (draft.expMonth === '') problems.expMonth = 'required';
  else if (!monthOk) problems.expMonth = 'month';
  const typedYear = Number(draft.expYear);
  const year =
    Number.isInteger(typedYear) && typedYear >= 0 && typedYear < 100 ? 2000 + typedYear : typedYear;
  if (draft.expYear === '') problems.expYear = 'required';
  else if (!Number.isInteger(year) || year < today.year || year > today.year + 30) problems.expYear = 'year';
  else if (monthOk && year === today.year && month < today.month) problems.expMonth = 'expired';
  const cvc = draft.cvc.trim();
  if (!cvc) problems.cvc = 'required';
  else if (!/^\d{3,4}$/.test(cvc)) problems.cvc = 'cvc';
  return problems;
}
