import { Readable } from 'node:stream';
import { zonedParts } from '../../lib/dates';
import type { Locale } from '../../lib/locale';
import { currencyDigits } from '../../lib/money';
import { zip } from '../../lib/zip';
import { failureMessage } from '../gateway/failure-codes';
import type { FailedTransactionItem } from './failed-transactions.service';
import type { FailedTransactionType } from './failed-transactions.table';

/**
 * One exported line, as both sources produce it: the set-based export statement (the fast path) and the
 * list items of API.md (the reference path, `FailedTransactionsService.exportReference`). Codes stay codes
 * here; the writers turn them into the viewer's labels, so that both sources go through the same text.
 */
export interface ExportRow {
  customer: string;
  type: FailedTransactionType;
  reasonCode: string;
  paymentId: string;
  /** minor units as integer text: exact, never a float */
  amountMinor: string;
  currency: string;
  /** the failure's local date and time in the organization's time zone, `YYYY-MM-DD HH:mm` */
  localAt: string;
  method: 'card' | 'echeck';
  brand: string | null;
  last4: string;
  attempts: number;
  status: 'open' | 'retrying';
  paidElsewhere: boolean;
}

export interface ExportContext {
  locale: Locale;
  /** the organization's IANA zone: the dates are its local times and the date column names it */
  timeZone: string;
}

/** FT9: the export has the list's columns, in the viewer's language. */
const HEADERS: Record<Locale, (timeZone: string) => string[]> = {
  'en-CA': (tz) => [
    'Customer',
    'Type',
    'Reason code',
    'Reason',
    'Payment ID',
    'Amount',
    'Currency',
    `Date (${tz} time)`,
    'Method',
    'Brand',
    'Last 4',
    'Attempts',
    'Status',
    'Paid elsewhere',
  ],
  'fr-CA': (tz) => [
    'Client',
    'Type',
    'Code de raison',
    'Raison',
    'ID du paiement',
    'Montant',
    'Devise',
    `Date (heure de ${tz})`,
    'Mode de paiement',
    'Marque',
    '4 derniers chiffres',
    'Tentatives',
    'Statut',
    'Payé autrement',
  ],
};

export const exportHeaders = (ctx: ExportContext) => HEADERS[ctx.locale](ctx.timeZone);

/** The list's labels (web/src/i18n: transactionType, methodType, the status badge). */
const LABELS: Record<
  Locale,
  {
    type: Record<FailedTransactionType, string>;
    method: Record<'card' | 'echeck', string>;
    status: Record<'open' | 'retrying', string>;
    yesNo: [string, string];
  }
> = {
  'en-CA': {
    type: {
      refund: 'Refund',
      echeck_payment: 'eCheck payment',
      installment: 'Installment',
      subscription: 'Subscription',
    },
    method: { card: 'Card', echeck: 'eCheck' },
    status: { open: 'Open', retrying: 'Retrying' },
    yesNo: ['yes', 'no'],
  },
  'fr-CA': {
    type: {
      refund: 'Remboursement',
      echeck_payment: 'Paiement par chèque électronique',
      installment: 'Versement',
      subscription: 'Abonnement',
    },
    method: { card: 'Carte', echeck: 'Chèque électronique' },
    status: { open: 'Ouverte', retrying: 'Nouvelle tentative en cours' },
    yesNo: ['oui', 'non'],
  },
};

/** The brand as the list shows it (web/src/ui/PaymentMethodLabel.tsx): VISA, AMEX, Mastercard. */
export function brandLabel(brand: string | null): string {
  if (!brand) return '';
  return brand.length <= 4 ? brand.toUpperCase() : brand.charAt(0).toUpperCase() + brand.slice(1);
}

/** Exact major units as text (12500 CAD → "125.00"): no float ever touches the amount. */
export function majorUnits(minor: number | bigint | string, currency: string): string {
  const digits = digitsOf(currency);
  // The export's amounts come as integer text: moving the point is exact and cheaper than BigInt.
  if (typeof minor === 'string' && /^-?\d+$/.test(minor)) {
    if (digits === 0) return minor;
    const negative = minor.startsWith('-');
    const abs = (negative ? minor.slice(1) : minor).padStart(digits + 1, '0');
    const whole = abs.slice(0, abs.length - digits).replace(/^0+(?=\d)/, '');
    return `${negative ? '-' : ''}${whole}.${abs.slice(abs.length - digits)}`;
  }
  const value = BigInt(minor);
  const sign = value < 0n ? '-' : '';
  const abs = value < 0n ? -value : value;
  if (digits === 0) return `${sign}${abs}`;
  const scale = 10n ** BigInt(digits);
  return `${sign}${abs / scale}.${(abs % scale).toString().padStart(digits, '0')}`;
}

// Intl's currency data costs microseconds per call; an export asks it once per currency.
const DIGITS = new Map<string, number>();
function digitsOf(currency: string): number {
  let d = DIGITS.get(currency);
  if (d === undefined) {
    d = currencyDigits(currency);
    DIGITS.set(currency, d);
  }
  return d;
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

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; lines end with CRLF. */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (fields: (string | number)[]) => `${fields.map(csvField).join(',')}\r\n`;

/**
 * Rows per chunk handed to the stream: small enough (tens of KB) that each chunk is a young-generation
 * string, collected at once; a chunk per 2,000-row batch (hundreds of KB) went to V8's large-object space,
 * which is only collected by a full GC, and the 100,000-row CSV export grew RSS by 60–90 MB (bench).
 */
const CHUNK_ROWS = 200;

/**
 * The texts of one export, computed once per distinct code instead of once per row (the per-row reason
 * text and labels were a large part of the export's time; bench/README.md).
 */
class Texts {
  private readonly labels;
  private readonly reasons = new Map<string, { code: string; message: string }>();
  constructor(readonly locale: Locale) {
    this.labels = LABELS[locale];
  }
  type(type: FailedTransactionType): string {
    return this.labels.type[type] ?? type;
  }
  method(method: 'card' | 'echeck'): string {
    return this.labels.method[method] ?? method;
  }
  status(status: 'open' | 'retrying'): string {
    return this.labels.status[status] ?? status;
  }
  yesNo(value: boolean): string {
    return this.labels.yesNo[value ? 0 : 1];
  }
  reason(code: string) {
    let r = this.reasons.get(code);
    if (!r) {
      r = { code: spreadsheetText(code), message: spreadsheetText(failureMessage(code, this.locale)) };
      this.reasons.set(code, r);
    }
    return r;
  }
}

/** The text cells of a row, neutralised (spreadsheetText) and labelled in the viewer's language. */
function textCells(row: ExportRow, t: Texts) {
  const reason = t.reason(row.reasonCode);
  return {
    customer: spreadsheetText(row.customer),
    type: t.type(row.type),
    reasonCode: reason.code,
    reason: reason.message,
    paymentId: spreadsheetText(row.paymentId),
    currency: spreadsheetText(row.currency),
    method: t.method(row.method),
    brand: spreadsheetText(brandLabel(row.brand)),
    last4: spreadsheetText(row.last4),
    status: t.status(row.status),
    paidElsewhere: t.yesNo(row.paidElsewhere),
  };
}

/**
 * UTF-8 with a BOM so that Excel reads accents correctly; one chunk per batch of rows read, so that memory
 * stays bounded whatever the list's length. Amounts are exact text; dates local to the organization.
 */
export function csvStream(batches: AsyncIterable<ExportRow[]>, ctx: ExportContext): Readable {
  const t = new Texts(ctx.locale);
  // The labelled cells, neutralised and quoted once per distinct value rather than once per row.
  const cached = new Map<string, string>();
  const once = (key: string, csv: () => string) => {
    let v = cached.get(key);
    if (v === undefined) {
      v = csv();
      cached.set(key, v);
    }
    return v;
  };
  const csvOnce = (key: string, value: () => string) => once(key, () => csvField(value()));
  const csvText = (value: string) => csvField(spreadsheetText(value));
  async function* lines() {
    yield `\uFEFF${csvLine(exportHeaders(ctx))}`;
    for await (const batch of batches) {
      let chunk = '';
      let inChunk = 0;
      for (const row of batch) {
        if (++inChunk > CHUNK_ROWS) {
          yield chunk;
          chunk = '';
          inChunk = 1;
        }
        const reason = once(`r:${row.reasonCode}`, () => {
          const r = t.reason(row.reasonCode);
          return `${csvField(r.code)},${csvField(r.message)}`;
        });
        chunk +=
          `${csvText(row.customer)},${csvOnce(`t:${row.type}`, () => t.type(row.type))},${reason},` +
          `${csvText(row.paymentId)},${majorUnits(row.amountMinor, row.currency)},` +
          `${csvOnce(`c:${row.currency}`, () => spreadsheetText(row.currency))},${row.localAt},` +
          `${csvOnce(`m:${row.method}`, () => t.method(row.method))},` +
          `${csvOnce(`b:${row.brand ?? ''}`, () => spreadsheetText(brandLabel(row.brand)))},` +
          `${csvText(row.last4)},${row.attempts},${csvOnce(`s:${row.status}`, () => t.status(row.status))},` +
          `${t.yesNo(row.paidElsewhere)}\r\n`;
      }
      if (chunk) yield chunk;
    }
  }
  return Readable.from(lines(), { objectMode: false });
}

/**
 * The labelled cells of the CSV, quoted once (csvField(spreadsheetText(…))) for the export statement that
 * writes the lines in PostgreSQL (exportCsvLines): the same texts as csvStream() writes.
 */
export function csvCells(ctx: ExportContext) {
  const t = new Texts(ctx.locale);
  const l = LABELS[ctx.locale];
  const csv = (v: string) => csvField(spreadsheetText(v));
  const map = <K extends string>(labels: Record<K, string>) =>
    Object.fromEntries(Object.entries<string>(labels).map(([k, v]) => [k, csv(v)])) as Record<K, string>;
  return {
    type: map(l.type),
    method: map(l.method),
    status: map(l.status),
    yesNo: [csvField(l.yesNo[0]), csvField(l.yesNo[1])] as const,
    reason: (code: string) => {
      const r = t.reason(code);
      return `${csvField(r.code)},${csvField(r.message)}`;
    },
  };
}

/** The CSV file from lines already written (exportCsvLines): the BOM, the header, CRLF after each line. */
export function csvFromLines(batches: AsyncIterable<string[]>, ctx: ExportContext): Readable {
  async function* lines() {
    yield `\uFEFF${csvLine(exportHeaders(ctx))}`;
    for await (const batch of batches) {
      for (let i = 0; i < batch.length; i += CHUNK_ROWS) {
        yield `${batch.slice(i, i + CHUNK_ROWS).join('\r\n')}\r\n`;
      }
    }
  }
  return Readable.from(lines(), { objectMode: false });
}

// ——— XLSX: a minimal SpreadsheetML package, written as the rows come ———

const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const NS_R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const NS_PKG = 'http://schemas.openxmlformats.org/package/2006/relationships';
const CT = 'application/vnd.openxmlformats-officedocument.spreadsheetml';
const COLUMNS = 'ABCDEFGHIJKLMN'.split('');
const LAST_COLUMN = COLUMNS[COLUMNS.length - 1];

/** XML 1.0 cannot carry C0 controls other than tab, line feed and carriage return, nor U+FFFE/U+FFFF. */
const notXml = (code: number) =>
  (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0xfffe || code === 0xffff;

/** XML text: the five entities escaped, the characters XML cannot carry dropped. */
export function xmlText(value: string): string {
  let clean = true;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x26 || code === 0x3c || code === 0x3e || code === 0x22 || notXml(code)) {
      clean = false;
      break;
    }
  }
  if (clean) return value;
  let out = '';
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    if (ch.length === 1 && notXml(code)) continue;
    out +=
      code === 0x26
        ? '&amp;'
        : code === 0x3c
          ? '&lt;'
          : code === 0x3e
            ? '&gt;'
            : code === 0x22
              ? '&quot;'
              : ch;
  }
  return out;
}

/** A string cell kept in the row (inline): the free text of customers and IDs is never held in memory. */
function inlineCell(ref: string, value: string, style = 0): string {
  const space = value !== value.trim() ? ' xml:space="preserve"' : '';
  const s = style ? ` s="${style}"` : '';
  return `<c r="${ref}"${s} t="inlineStr"><is><t${space}>${xmlText(value)}</t></is></c>`;
}

/**
 * The few distinct labels (type, reason, method, status…) go into the shared-strings part, written after
 * the sheet: their number is bounded by the catalogues, whatever the number of rows.
 */
class SharedStrings {
  private readonly index = new Map<string, number>();
  count = 0;
  cell(ref: string, value: string): string {
    if (value === '') return '';
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.index.size;
      this.index.set(value, i);
    }
    this.count++;
    return `<c r="${ref}" t="s"><v>${i}</v></c>`;
  }
  xml(): string {
    const items = [...this.index.keys()]
      .map((v) => `<si><t${v !== v.trim() ? ' xml:space="preserve"' : ''}>${xmlText(v)}</t></si>`)
      .join('');
    return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="${NS}" count="${this.count}" uniqueCount="${this.index.size}">${items}</sst>`;
  }
}

/** Cell styles: 0 normal, 1 bold header, 2 local date-time, then one currency format per currency met. */
class Styles {
  private readonly currencies = new Map<string, number>();
  static readonly HEADER = 1;
  static readonly DATE = 2;
  amount(currency: string): number {
    let s = this.currencies.get(currency);
    if (s === undefined) {
      s = 3 + this.currencies.size;
      this.currencies.set(currency, s);
    }
    return s;
  }
  xml(): string {
    const formats = [
      `<numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>`,
      ...[...this.currencies.keys()].map((c, i) => {
        const digits = digitsOf(c);
        const code = `#,##0${digits > 0 ? `.${'0'.repeat(digits)}` : ''} "${c.replace(/[^A-Z]/g, '')}"`;
        return `<numFmt numFmtId="${165 + i}" formatCode="${xmlText(code)}"/>`;
      }),
    ];
    const xfs = [
      `<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>`,
      `<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>`,
      `<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`,
      ...[...this.currencies.keys()].map(
        (_, i) =>
          `<xf numFmtId="${165 + i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`,
      ),
    ];
    return (
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="${NS}">` +
      `<numFmts count="${formats.length}">${formats.join('')}</numFmts>` +
      `<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>` +
      `<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
      `<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
      `<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
      `<cellXfs count="${xfs.length}">${xfs.join('')}</cellXfs>` +
      `<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`
    );
  }
}

/**
 * `YYYY-MM-DD HH:mm` (a wall-clock time) → the spreadsheet's serial date: days since 1899-12-30, the
 * fraction the time of day. The cell then shows the organization's local time in every viewer's program.
 */
export function serialOf(localAt: string): number {
  const ms = Date.UTC(
    Number(localAt.slice(0, 4)),
    Number(localAt.slice(5, 7)) - 1,
    Number(localAt.slice(8, 10)),
    Number(localAt.slice(11, 13)),
    Number(localAt.slice(14, 16)),
  );
  return ms / 86_400_000 + 25_569;
}

/**
 * Column widths (characters): the longest header or known label of each column, within bounds, so that
 * labels and reasons are readable without resizing; free text (names, IDs) gets a usual width.
 */
function columnWidths(ctx: ExportContext, headers: string[]): number[] {
  const l = LABELS[ctx.locale];
  const longest = (xs: string[]) => Math.max(0, ...xs.map((x) => x.length));
  const known: (number | undefined)[] = [
    28,
    longest(Object.values(l.type)),
    24,
    48,
    26,
    14,
    undefined,
    16,
    longest(Object.values(l.method)),
    12,
    undefined,
    undefined,
    longest(Object.values(l.status)),
    undefined,
  ];
  return headers.map((h, i) => Math.min(60, Math.max(h.length + 2, (known[i] ?? 0) + 2, 8)));
}

function sheetXml(
  batches: AsyncIterable<ExportRow[]>,
  ctx: ExportContext,
  shared: SharedStrings,
  styles: Styles,
  rowsOut: { last: number },
): AsyncIterable<string> {
  const t = new Texts(ctx.locale);
  const headers = exportHeaders(ctx);
  const cols = columnWidths(ctx, headers)
    .map((w, i) => `<col min="${i + 1}" max="${i + 1}" width="${w}" customWidth="1"/>`)
    .join('');
  async function* parts() {
    // The header row is frozen (a pane split under row 1) and carries the autofilter.
    yield `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="${NS}" xmlns:r="${NS_R}">` +
      `<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>` +
      `<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>` +
      `<sheetFormatPr defaultRowHeight="15"/><cols>${cols}</cols><sheetData>` +
      `<row r="1">${headers.map((h, i) => inlineCell(`${COLUMNS[i]}1`, h, Styles.HEADER)).join('')}</row>`;
    let r = 1;
    for await (const batch of batches) {
      let chunk = '';
      let inChunk = 0;
      for (const row of batch) {
        if (++inChunk > CHUNK_ROWS) {
          yield chunk;
          chunk = '';
          inChunk = 1;
        }
        r++;
        const c = textCells(row, t);
        chunk +=
          `<row r="${r}">` +
          inlineCell(`A${r}`, c.customer) +
          shared.cell(`B${r}`, c.type) +
          shared.cell(`C${r}`, c.reasonCode) +
          shared.cell(`D${r}`, c.reason) +
          inlineCell(`E${r}`, c.paymentId) +
          // The amount is a number cell holding the exact decimal text (no float rounding on the way).
          `<c r="F${r}" s="${styles.amount(row.currency)}"><v>${majorUnits(row.amountMinor, row.currency)}</v></c>` +
          shared.cell(`G${r}`, c.currency) +
          `<c r="H${r}" s="${Styles.DATE}"><v>${serialOf(row.localAt)}</v></c>` +
          shared.cell(`I${r}`, c.method) +
          shared.cell(`J${r}`, c.brand) +
          (c.last4 ? inlineCell(`K${r}`, c.last4) : '') +
          `<c r="L${r}"><v>${row.attempts}</v></c>` +
          shared.cell(`M${r}`, c.status) +
          shared.cell(`N${r}`, c.paidElsewhere) +
          '</row>';
      }
      if (chunk) yield chunk;
    }
    rowsOut.last = r;
    yield `</sheetData><autoFilter ref="A1:${LAST_COLUMN}${r}"/>` +
      `<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`;
  }
  return parts();
}

/**
 * The workbook: one sheet, frozen header row with an autofilter, column widths, amounts as numbers in
 * major units with the currency's format, dates as real date-times in the organization's zone (the header
 * names it). Written by hand and zipped as it goes (src/lib/zip.ts): exceljs's streaming writer was most
 * of the export's time (22.9× COPY; bench/README.md). Opens in Excel, LibreOffice and exceljs's reader.
 */
export function xlsxStream(
  batches: AsyncIterable<ExportRow[]>,
  ctx: ExportContext,
  sheetName: string,
): Readable {
  const shared = new SharedStrings();
  const styles = new Styles();
  const rows = { last: 1 };
  const name = sheetName.replace(/[\\/?*[\]:]/g, ' ').slice(0, 31);
  const quoted = `'${name.replace(/'/g, "''")}'`;
  const xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
  const archive = zip([
    {
      name: '[Content_Types].xml',
      data:
        `${xml}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
        `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
        `<Default Extension="xml" ContentType="application/xml"/>` +
        `<Override PartName="/xl/workbook.xml" ContentType="${CT}.sheet.main+xml"/>` +
        `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="${CT}.worksheet+xml"/>` +
        `<Override PartName="/xl/styles.xml" ContentType="${CT}.styles+xml"/>` +
        `<Override PartName="/xl/sharedStrings.xml" ContentType="${CT}.sharedStrings+xml"/></Types>`,
    },
    {
      name: '_rels/.rels',
      data:
        `${xml}<Relationships xmlns="${NS_PKG}"><Relationship Id="rId1" ` +
        `Type="${NS_R}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    },
    { name: 'xl/worksheets/sheet1.xml', stream: sheetXml(batches, ctx, shared, styles, rows) },
    // The parts below depend on the rows written (the filter's range, the labels, the currencies).
    () => ({
      name: 'xl/workbook.xml',
      data:
        `${xml}<workbook xmlns="${NS}" xmlns:r="${NS_R}"><bookViews><workbookView/></bookViews>` +
        `<sheets><sheet name="${xmlText(name)}" sheetId="1" r:id="rId1"/></sheets>` +
        // LibreOffice builds the autofilter from this name; Excel writes it too.
        `<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">` +
        `${xmlText(quoted)}!$A$1:$${LAST_COLUMN}$${rows.last}</definedName></definedNames></workbook>`,
    }),
    {
      name: 'xl/_rels/workbook.xml.rels',
      data:
        `${xml}<Relationships xmlns="${NS_PKG}">` +
        `<Relationship Id="rId1" Type="${NS_R}/worksheet" Target="worksheets/sheet1.xml"/>` +
        `<Relationship Id="rId2" Type="${NS_R}/styles" Target="styles.xml"/>` +
        `<Relationship Id="rId3" Type="${NS_R}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    },
    () => ({ name: 'xl/styles.xml', data: styles.xml() }),
    () => ({ name: 'xl/sharedStrings.xml', data: shared.xml() }),
  ]);
  return Readable.from(archive, { objectMode: false });
}

/**
 * The reference conversion, from the list item of API.md (what the list shows) to an export row. The
 * local time goes through Intl here and through PostgreSQL's zone data in the export statement: the
 * comparison of both paths checks one against the other.
 */
export function rowFromItem(item: FailedTransactionItem, timeZone: string): ExportRow {
  const p = zonedParts(new Date(item.failedAt), timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return {
    customer: item.customerName,
    type: item.type,
    reasonCode: item.reason.code,
    paymentId: item.paymentId,
    amountMinor: String(item.amount),
    currency: item.currency,
    localAt: `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`,
    method: item.paymentMethod.type,
    brand: item.paymentMethod.brand ?? null,
    last4: item.paymentMethod.last4,
    attempts: item.attempts,
    status: item.status,
    paidElsewhere: item.paidElsewhere,
  };
}
