import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Locale } from '../../lib/locale';
import { currencyDigits } from '../../lib/money';
import type { FailedTransactionItem } from './failed-transactions.service';

/** FT9: the export has the list's columns, in the viewer's language. */
const HEADERS: Record<Locale, string[]> = {
  'en-CA': [
    'Customer',
    'Type',
    'Reason code',
    'Reason',
    'Payment ID',
    'Amount',
    'Currency',
    'Date',
    'Method',
    'Brand',
    'Last 4',
    'Attempts',
    'Status',
    'Paid elsewhere',
  ],
  'fr-CA': [
    'Client',
    'Type',
    'Code de raison',
    'Raison',
    'ID du paiement',
    'Montant',
    'Devise',
    'Date',
    'Mode de paiement',
    'Marque',
    '4 derniers chiffres',
    'Tentatives',
    'Statut',
    'Payé autrement',
  ],
};

const YES_NO: Record<Locale, [string, string]> = { 'en-CA': ['yes', 'no'], 'fr-CA': ['oui', 'non'] };

/** Exact major units as text (12500 CAD → "125.00"): no float ever touches the amount. */
export function majorUnits(minor: number | bigint, currency: string): string {
  const digits = currencyDigits(currency);
  const value = BigInt(minor);
  const sign = value < 0n ? '-' : '';
  const abs = value < 0n ? -value : value;
  if (digits === 0) return `${sign}${abs}`;
  const scale = 10n ** BigInt(digits);
  return `${sign}${abs / scale}.${(abs % scale).toString().padStart(digits, '0')}`;
}

/**
 * OWASP "CSV injection": a spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` (and, in some
 * programs, a tab or carriage return before one) as a formula, so a customer named `=HYPERLINK(…)` would
 * become a live link on the administrator's machine. Such text gets a leading single quote, which every
 * spreadsheet shows as text. Only text goes through here: amounts, dates and counts stay numbers.
 */
export function spreadsheetText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function cells(item: FailedTransactionItem, locale: Locale) {
  const text = spreadsheetText;
  return {
    customer: text(item.customerName),
    type: text(item.type),
    reasonCode: text(item.reason.code),
    reason: text(item.reason.message),
    paymentId: text(item.paymentId),
    currency: text(item.currency),
    method: text(item.paymentMethod.type),
    brand: text(item.paymentMethod.brand ?? ''),
    last4: text(item.paymentMethod.last4),
    attempts: item.attempts,
    status: text(item.status),
    paidElsewhere: YES_NO[locale][item.paidElsewhere ? 0 : 1],
  };
}

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; lines end with CRLF. */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (fields: (string | number)[]) => `${fields.map(csvField).join(',')}\r\n`;

/** Rows per chunk handed to the stream: one chunk per row cost more than formatting the rows (bench). */
const CSV_CHUNK_ROWS = 256;

/**
 * UTF-8 with a BOM so that Excel reads accents correctly; written as the pages are read, in chunks of
 * CSV_CHUNK_ROWS rows, so that memory stays bounded whatever the list's length.
 */
export function csvStream(items: AsyncIterable<FailedTransactionItem>, locale: Locale): Readable {
  async function* lines() {
    yield `\uFEFF${csvLine(HEADERS[locale])}`;
    let chunk = '';
    let rowsInChunk = 0;
    for await (const item of items) {
      const c = cells(item, locale);
      chunk += csvLine([
        c.customer,
        c.type,
        c.reasonCode,
        c.reason,
        c.paymentId,
        majorUnits(item.amount, item.currency),
        c.currency,
        item.failedAt,
        c.method,
        c.brand,
        c.last4,
        c.attempts,
        c.status,
        c.paidElsewhere,
      ]);
      if (++rowsInChunk === CSV_CHUNK_ROWS) {
        yield chunk;
        chunk = '';
        rowsInChunk = 0;
      }
    }
    if (chunk) yield chunk;
  }
  return Readable.from(lines(), { objectMode: false });
}

/** Excel number format with the currency: `#,##0.00 "CAD"`. */
function currencyFormat(currency: string): string {
  const digits = currencyDigits(currency);
  return `#,##0${digits > 0 ? `.${'0'.repeat(digits)}` : ''} "${currency}"`;
}

/**
 * A streaming workbook (exceljs WorkbookWriter): each row is committed (written out) as soon as it is
 * read. Amounts are numbers in major units with a currency format, dates are real dates.
 */
export function xlsxStream(
  items: AsyncIterable<FailedTransactionItem>,
  locale: Locale,
  sheetName: string,
): Readable {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  const sheet = workbook.addWorksheet(sheetName.slice(0, 31));
  sheet.columns = HEADERS[locale].map((header, i) => ({
    header,
    width: [24, 16, 18, 40, 30, 14, 10, 20, 12, 12, 10, 10, 10, 12][i] ?? 14,
  }));
  sheet.getRow(1).font = { bold: true };
  (async () => {
    for await (const item of items) {
      const c = cells(item, locale);
      const row = sheet.addRow([
        c.customer,
        c.type,
        c.reasonCode,
        c.reason,
        c.paymentId,
        // Major units for the spreadsheet: minor units ≤ 10^12 divide exactly enough for a cell.
        Number(majorUnits(item.amount, item.currency)),
        c.currency,
        new Date(item.failedAt),
        c.method,
        c.brand,
        c.last4,
        c.attempts,
        c.status,
        c.paidElsewhere,
      ]);
      row.getCell(6).numFmt = currencyFormat(item.currency);
      row.getCell(8).numFmt = 'yyyy-mm-dd hh:mm';
      row.commit();
    }
    sheet.commit();
    await workbook.commit();
  })().catch((err) => out.destroy(err as Error));
  return out;
}
