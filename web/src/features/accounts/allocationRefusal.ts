import type { TFunction } from 'i18next';
import { isApiError } from '../../api/client';
import type { LedgerDocument } from './api';

/**
 * A 422 said in the viewer's language: the server's detail is English with an amount in cents. Over an open
 * amount, the problem carries that `openAmount` (minor units); the credit's is checked first, the detail
 * names the side ("the debit's open amount"), and failing that the chosen documents' open amounts tell.
 */
export function allocationRefusal(
  error: unknown,
  chosen: { credit?: LedgerDocument; debit?: LedgerDocument },
  t: TFunction,
  money: (minor: number) => string,
): string | undefined {
  if (!isApiError(error) || error.status !== 422) return undefined;
  const open = error.problem.openAmount;
  if (typeof open !== 'number') return t('allocations.refused');
  const detail = error.problem.detail ?? '';
  const debitSide = /\bdebit/i.test(detail)
    ? true
    : /\bcredit/i.test(detail)
      ? false
      : chosen.debit?.openAmount === open && chosen.credit?.openAmount !== open;
  return t(debitSide ? 'allocations.overDebit' : 'allocations.overCredit', { amount: money(open) });
}
