import type { TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client';
import { allocationRefusal } from './allocationRefusal';
import type { LedgerDocument } from './api';

const t = ((key: string, options?: { amount?: string }) =>
  options?.amount ? `${key}(${options.amount})` : key) as unknown as TFunction;
const money = (minor: number) => `$${(minor / 100).toFixed(2)}`;
const problem = (detail: string, extra: Record<string, unknown> = {}) =>
  new ApiError(422, { type: 'x', title: 'Business rule broken', status: 422, detail, ...extra });
const document = (openAmount: number) => ({ openAmount }) as LedgerDocument;

describe('allocationRefusal', () => {
  it("says the credit's open amount as money, not the English detail in cents", () => {
    const error = problem("the amount is larger than the credit's open amount (4000)", { openAmount: 4000 });
    expect(allocationRefusal(error, {}, t, money)).toBe('allocations.overCredit($40.00)');
  });

  it("says the debit's open amount when the debit is the smaller one", () => {
    const error = problem("the amount is larger than the debit's open amount (2500)", { openAmount: 2500 });
    expect(allocationRefusal(error, {}, t, money)).toBe('allocations.overDebit($25.00)');
  });

  it('tells the side from the chosen documents when the detail does not', () => {
    const error = problem('too much', { openAmount: 2500 });
    const chosen = { credit: document(4000), debit: document(2500) };
    expect(allocationRefusal(error, chosen, t, money)).toBe('allocations.overDebit($25.00)');
  });

  it('has a general message for the other business rules, and nothing for other errors', () => {
    expect(allocationRefusal(problem('inv_1 is not posted'), {}, t, money)).toBe('allocations.refused');
    const notFound = new ApiError(404, {
      type: 'x',
      title: 'Not found',
      status: 404,
      detail: 'inv_1 not found',
    });
    expect(allocationRefusal(notFound, {}, t, money)).toBeUndefined();
    expect(allocationRefusal(null, {}, t, money)).toBeUndefined();
  });
});
