/** The sandbox card form's draft and its checks (no UI, so that they are tested alone). */
export interface CardDraft {
  number: string;
  expMonth: number | string;
  expYear: number | string;
  cvc: string;
}

export const emptyCard: CardDraft = { number: '', expMonth: '', expYear: '', cvc: '' };

export type CardProblem = 'required' | 'cardNumber' | 'month' | 'year' | 'cvc';
export type CardProblems = Partial<Record<keyof CardDraft, CardProblem>>;

/** Every field checked before the card is sent, so that all problems show at once, next to their fields. */
export function checkCard(draft: CardDraft, thisYear = new Date().getFullYear()): CardProblems {
  const problems: CardProblems = {};
  const digits = draft.number.replace(/[\s-]/g, '');
  if (!digits) problems.number = 'required';
  else if (!/^\d{12,19}$/.test(digits)) problems.number = 'cardNumber';
  const month = Number(draft.expMonth);
  if (draft.expMonth === '') problems.expMonth = 'required';
  else if (!Number.isInteger(month) || month < 1 || month > 12) problems.expMonth = 'month';
  const year = Number(draft.expYear);
  if (draft.expYear === '') problems.expYear = 'required';
  else if (!Number.isInteger(year) || year < thisYear || year > thisYear + 30) problems.expYear = 'year';
  const cvc = draft.cvc.trim();
  if (!cvc) problems.cvc = 'required';
  else if (!/^\d{3,4}$/.test(cvc)) problems.cvc = 'cvc';
  return problems;
}
