import type { TFunction } from 'i18next';
import { formatMoney } from '../../ui/money';
import type { LedgerDocument } from './api';

export const isDebit = (document: LedgerDocument) =>
  document.kind === 'invoice' || document.kind === 'refund';

/** Select options for documents that still have an open amount. */
export function openDocumentOptions(
  documents: LedgerDocument[],
  t: TFunction,
  currency: string,
  locale: string,
): Array<{ value: string; label: string }> {
  return documents
    .filter((document) => document.openAmount > 0)
    .map((document) => ({
      value: document.id,
      label: `${t(`documentKind.${document.kind}`)} ${document.reference ?? document.id} — ${t(
        'ledger.openAmount',
        {
          amount: formatMoney(document.openAmount, currency, locale),
        },
      )}`,
    }));
}
