import type { TFunction } from 'i18next';
import { formatDate } from '../../ui/dates';
import { formatMoney } from '../../ui/money';
import type { LedgerDocument } from './api';

export const isDebit = (document: LedgerDocument) =>
  document.kind === 'invoice' || document.kind === 'refund';

/**
 * A document as a person knows it: its kind and reference (the invoice number), or, for documents that have
 * none (payments, credit notes), its kind, date and amount — never its internal ID.
 */
export function documentName(
  document: LedgerDocument,
  t: TFunction,
  currency: string,
  locale: string,
): string {
  const kind = t(`documentKind.${document.kind}`);
  if (document.reference) return `${kind} ${document.reference}`;
  return t('accountFile.unreferenced', {
    kind,
    date: formatDate(document.date, locale),
    amount: formatMoney(document.amount, currency, locale),
  });
}

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
      label: `${documentName(document, t, currency, locale)} — ${t('ledger.openAmount', {
        amount: formatMoney(document.openAmount, currency, locale),
      })}`,
    }));
}
