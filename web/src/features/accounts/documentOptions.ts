import type { TFunction } from 'i18next';
import { formatDate } from '../../ui/dates';
import { formatMoney } from '../../ui/money';
import type { LedgerDocument } from './api';

export const isDebit = (document: LedgerDocument) =>
  document.kind === 'invoice' || document.kind === 'refund';

/** A machine's identifier: Recoup's own (sp_01…, sub_01…: src/lib/ids.ts) or a gateway's (ch_…, pi_3Mm…). */
const MACHINE_ID = /^[a-z]{2,5}_[0-9A-Za-z]{14,}$/;
const HAS_MACHINE_ID = /\b[a-z]{2,5}_[0-9A-Za-z]{14,}\b/;

/**
 * The reference people know a document by (an invoice number they typed), or null. A machine's reference is
 * not one: a subscription period's invoice carries its scheduled payment's ID (sp_…), a card payment or a
 * refund the gateway's (ch_…, re_…).
 */
export function readableReference(document: LedgerDocument): string | null {
  return document.reference && !MACHINE_ID.test(document.reference) ? document.reference : null;
}

/** The gateway's reference of a card or eCheck payment or of a refund, to look it up at the processor. */
export function gatewayReference(document: LedgerDocument): string | null {
  if (document.kind !== 'payment' && document.kind !== 'refund') return null;
  return document.reference && MACHINE_ID.test(document.reference) ? document.reference : null;
}

/**
 * What the document is for, as its author wrote it (a subscription's "Swimming lessons", a credit note's
 * reason), or null; a description that only names a record by its ID ("Subscription sub_01…") says nothing.
 */
export function readableDescription(document: LedgerDocument): string | null {
  return document.description && !HAS_MACHINE_ID.test(document.description) ? document.description : null;
}

/**
 * A document as a person knows it: its kind and reference (the invoice number), or, for documents that have
 * none (payments, credit notes, a subscription's invoices), its kind, date and amount — never an ID.
 */
export function documentName(
  document: LedgerDocument,
  t: TFunction,
  currency: string,
  locale: string,
): string {
  const kind = t(`documentKind.${document.kind}`);
  const reference = readableReference(document);
  if (reference) return `${kind} ${reference}`;
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
