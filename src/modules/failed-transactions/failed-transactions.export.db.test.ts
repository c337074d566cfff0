/**
 * FT9 and issue 16's exports: the file is exactly what the list shows with the same filters (FT7's "paid
 * elsewhere only" included), in the viewer's language, with local dates in the organization's zone; the
 * fast path (one set-based statement: a cursor on PostgreSQL, keyset pages on PGlite) gives the same bytes
 * as the reference path through the list's own items. Runs on both databases.
 */
import { text } from 'node:stream/consumers';
import { parse } from 'csv-parse/sync';
import { and, eq, sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import {
  ftAccount,
  ftBank,
  ftCard,
  ftEntry,
  ftInvoice,
  ftSchedule,
} from '../../../test/failed-transaction-fixtures';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import type { Locale } from '../../lib/locale';
import { csvStream, type ExportRow, xlsxStream } from './failed-transactions.export';
import { exportRows } from './failed-transactions.export-rows';
import type { ListFilters } from './failed-transactions.repository';
import { failedTransactions } from './failed-transactions.table';

const URL = '/api/v1/action-center/failed-transactions';
// Saskatchewan keeps UTC−6 all year: no daylight-saving change (or tzdata update) moves these instants.
const ZONE = 'America/Regina';
let t: TestContext;
let o: TestOrg;
let other: TestOrg;

/** UTC instants around local midnight in Regina. */
const BEFORE_MIDNIGHT = new Date('2026-12-01T05:30:00.000Z'); // 2026-11-30 23:30 local
const AFTER_MIDNIGHT = new Date('2026-12-01T06:15:00.000Z'); // 2026-12-01 00:15 local

beforeAll(async () => {
  t = await createTestContext();
  o = await createOrg(t.c, { name: 'Club de curling Regina', timezone: ZONE });
  other = await createOrg(t.c);
  const O = o.organizationId;
  const at = (minutes: number) => new Date(AFTER_MIDNIGHT.getTime() - minutes * 60_000);

  // A subscription on a card, failed just after local midnight.
  const a1 = await ftAccount(t.c, O, { name: 'Émilie Côté' });
  const c1 = await ftCard(t.c, O, a1);
  const i1 = await ftInvoice(t.c, O, a1, 12_500n);
  const s1 = await ftSchedule(t.c, O, a1, 'subscription', c1, i1, 12_500n);
  await ftEntry(t.c, O, {
    accountId: a1,
    paymentMethodId: c1,
    invoiceId: i1,
    scheduledPaymentId: s1.scheduledPaymentId,
    failedAt: AFTER_MIDNIGHT,
  });
  // An installment whose scheduled payment was paid in the portal since: paid elsewhere (FT7).
  const a2 = await ftAccount(t.c, O, { name: 'Zoé Tremblay' });
  const c2 = await ftCard(t.c, O, a2);
  const i2 = await ftInvoice(t.c, O, a2, 30_000n);
  const s2 = await ftSchedule(t.c, O, a2, 'installment', c2, i2, 10_000n);
  await ftEntry(t.c, O, {
    accountId: a2,
    paymentMethodId: c2,
    type: 'installment',
    amount: 10_000n,
    invoiceId: i2,
    scheduledPaymentId: s2.scheduledPaymentId,
    failedAt: BEFORE_MIDNIGHT,
  });
  await t.c.db.execute(
    sql`update scheduled_payments set status = 'paid' where organization_id = ${O} and id = ${s2.scheduledPaymentId}`,
  );
  // An eCheck return, retried automatically by the policy (RC4).
  const a3 = await ftAccount(t.c, O, { name: 'Noël Gagnon' });
  const b3 = await ftBank(t.c, O, a3);
  const e3 = await ftEntry(t.c, O, {
    accountId: a3,
    paymentMethodId: b3,
    methodType: 'echeck',
    type: 'echeck_payment',
    reasonCode: 'R01',
    amount: 5n,
    failedAt: at(90),
  });
  await t.c.db
    .update(failedTransactions)
    .set({ nextRetryAt: new Date(AFTER_MIDNIGHT.getTime() + 86_400_000) })
    .where(and(eq(failedTransactions.organizationId, O), eq(failedTransactions.id, e3)));
  // A failed refund (never paid elsewhere) and an entry being retried; three at the same instant (the id
  // breaks the tie, across batch boundaries below).
  const a4 = await ftAccount(t.c, O, { name: 'Anaïs Roy' });
  const c4 = await ftCard(t.c, O, a4);
  await ftEntry(t.c, O, { accountId: a4, paymentMethodId: c4, type: 'refund', failedAt: at(120) });
  await ftEntry(t.c, O, { accountId: a4, paymentMethodId: c4, status: 'retrying', failedAt: at(120) });
  await ftEntry(t.c, O, {
    accountId: a4,
    paymentMethodId: c4,
    reasonCode: 'card_declined',
    failedAt: at(120),
  });
  // Text a spreadsheet would run, with a quote, a comma and a line break: neutralised and quoted alike by
  // both paths (PostgreSQL writes the CSV lines on the cursor path).
  const a5 = await ftAccount(t.c, O, { name: '=HYPERLINK("http://x.example"),\n"Côté"' });
  const c5 = await ftCard(t.c, O, a5);
  await ftEntry(t.c, O, { accountId: a5, paymentMethodId: c5, amount: 1_234_567n, failedAt: at(200) });
  // Off the list: never exported.
  await ftEntry(t.c, O, { accountId: a4, paymentMethodId: c4, status: 'resolved', failedAt: at(10) });
  // Another organization's entry: never exported.
  const x = await ftAccount(t.c, other.organizationId, { name: 'Secret Customer' });
  const xc = await ftCard(t.c, other.organizationId, x);
  await ftEntry(t.c, other.organizationId, { accountId: x, paymentMethodId: xc });
});
afterAll(async () => t?.close());

const FILTERS: ListFilters[] = [
  {},
  { paymentMethod: 'card' },
  { paymentMethod: 'echeck' },
  { type: 'subscription' },
  { reason: 'R01' },
  { retry: 'automatic' },
  { retry: 'manual', paymentMethod: 'card' },
  { paidElsewhere: true },
  { paidElsewhere: true, type: 'installment' },
  { paidElsewhere: true, type: 'refund' },
];

const query = (f: ListFilters) =>
  Object.entries(f)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');

async function listed(f: ListFilters, locale: Locale = 'en-CA') {
  const res = await call(t.app, o.adminToken, 'GET', `${URL}?limit=200&${query(f)}`, undefined, {
    'accept-language': locale,
  });
  expect(res.status).toBe(200);
  expect(res.body.nextCursor).toBeNull();
  return res.body.items as any[];
}

async function exported(format: 'csv' | 'xlsx', f: ListFilters, locale: Locale = 'en-CA') {
  const res = await t.app.inject({
    method: 'GET',
    url: `${URL}/export?format=${format}&${query(f)}`,
    headers: { authorization: `Bearer ${o.adminToken}`, 'accept-language': locale },
  });
  expect(res.statusCode).toBe(200);
  return res;
}

const csvOf = async (res: { rawPayload: Buffer }) =>
  parse(res.rawPayload.toString('utf8'), { bom: true }) as string[][];

async function all<T>(batches: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of batches) out.push(...b);
  return out;
}

describe('happy: the export is exactly what the list shows (issue 16)', () => {
  it('FT9, FT7, RC4: for each filter combination, the exported rows are the listed rows, in order', async () => {
    for (const f of FILTERS) {
      const items = await listed(f);
      const rows = (await csvOf(await exported('csv', f))).slice(1);
      expect(
        rows.map((r) => r[4]),
        JSON.stringify(f),
      ).toEqual(items.map((i) => i.paymentId));
      expect(rows.map((r) => r[13] === 'yes')).toEqual(items.map((i) => i.paidElsewhere));
    }
    // The combinations are not empty by accident, and the off-list and foreign entries never appear.
    expect((await listed({})).length).toBe(7);
    expect((await listed({ paidElsewhere: true })).map((i) => i.customerName)).toEqual(['Zoé Tremblay']);
    expect((await listed({ paidElsewhere: true, type: 'refund' })).length).toBe(0);
    expect((await listed({ retry: 'automatic' })).map((i) => i.customerName)).toEqual(['Noël Gagnon']);
    expect((await exported('csv', {})).body).not.toContain('Secret Customer');
  });

  it('FT7: paidElsewhere=true keeps exactly the paid-elsewhere items of the unfiltered list', async () => {
    const everything = await listed({});
    const only = await listed({ paidElsewhere: true });
    expect(only.map((i) => i.id)).toEqual(everything.filter((i) => i.paidElsewhere).map((i) => i.id));
    const sheet = await readXlsx(await exported('xlsx', { paidElsewhere: true }));
    expect(sheet.rowCount).toBe(2);
    expect(sheet.getRow(2).getCell(1).value).toBe('Zoé Tremblay');
  });

  it('the fast path gives the same bytes as the list items, in both languages, batch after batch', async () => {
    const service = t.c.failedTransactions;
    for (const f of FILTERS) {
      for (const locale of ['en-CA', 'fr-CA'] as const) {
        const ctx = { locale, timeZone: ZONE };
        const reference = await all(service.exportReference(o.organizationId, f, locale, ZONE));
        // Batches of 1 and 2 cross the three entries that failed at the same instant.
        for (const batch of [1, 2, 2000]) {
          const fast = await all(exportRows(t.c.db, o.organizationId, f, ZONE, batch));
          expect(fast, `${JSON.stringify(f)} ${locale} ${batch}`).toEqual(reference);
        }
        const one = (rows: ExportRow[]) =>
          (async function* () {
            yield rows;
          })();
        const fastRows = await all(service.exportRows(o.organizationId, f, ZONE));
        const referenceCsv = await text(csvStream(one(reference), ctx));
        expect(await text(csvStream(one(fastRows), ctx))).toBe(referenceCsv);
        // The file the route sends: lines written by PostgreSQL on the cursor path, csvStream() on PGlite.
        expect(await text(service.exportCsv(o.organizationId, f, ctx))).toBe(referenceCsv);
        const [a, b] = await Promise.all([
          bytes(xlsxStream(one(fastRows), ctx, 'x')),
          bytes(xlsxStream(one(reference), ctx, 'x')),
        ]);
        expect(a.equals(b)).toBe(true);
      }
    }
  });

  it('a download given up half way ends its transaction and gives its connection back', async () => {
    const rows = exportRows(t.c.db, o.organizationId, {}, ZONE, 1);
    const first = await rows.next();
    expect(first.done).toBe(false);
    await rows.return(undefined);
    const pool = t.c.database.pool;
    if (pool) expect(pool.totalCount - pool.idleCount).toBe(0);
    expect((await all(exportRows(t.c.db, o.organizationId, {}, ZONE))).length).toBe(7);
  });
});

async function bytes(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function readXlsx(res: { rawPayload: Buffer }) {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(res.rawPayload as never);
  return workbook.worksheets[0]!;
}

describe('happy: cells in the viewer language, dates in the organization zone (issue 16)', () => {
  it('CSV: type, method and status are labels in English and in French; the date column names the zone', async () => {
    const en = await csvOf(await exported('csv', {}, 'en-CA'));
    const fr = await csvOf(await exported('csv', {}, 'fr-CA'));
    expect(en[0]![7]).toBe(`Date (${ZONE} time)`);
    expect(fr[0]![7]).toBe(`Date (heure de ${ZONE})`);
    const byName = (rows: string[][], name: string) => rows.filter((r) => r[0] === name);
    expect(byName(en, 'Émilie Côté')[0]).toEqual([
      'Émilie Côté',
      'Subscription',
      'insufficient_funds',
      'The card has insufficient funds or credit.',
      expect.any(String),
      '125.00',
      'CAD',
      '2026-12-01 00:15',
      'Card',
      'VISA',
      '4242',
      '1',
      'Open',
      'no',
    ]);
    expect(byName(fr, 'Émilie Côté')[0]).toMatchObject({
      1: 'Abonnement',
      3: 'Les fonds ou le crédit disponibles sur la carte sont insuffisants.',
      8: 'Carte',
      12: 'Ouverte',
      13: 'non',
    });
    // Just before local midnight the local date is the day before the UTC date.
    expect(byName(en, 'Zoé Tremblay')[0]).toMatchObject({
      1: 'Installment',
      7: '2026-11-30 23:30',
      13: 'yes',
    });
    expect(byName(fr, 'Zoé Tremblay')[0]).toMatchObject({ 1: 'Versement', 13: 'oui' });
    expect(byName(en, 'Noël Gagnon')[0]).toMatchObject({ 1: 'eCheck payment', 5: '0.05', 8: 'eCheck' });
    expect(byName(fr, 'Noël Gagnon')[0]).toMatchObject({
      1: 'Paiement par chèque électronique',
      8: 'Chèque électronique',
    });
    const anais = byName(en, 'Anaïs Roy').map((r) => [r[1], r[12]]);
    expect(anais).toContainEqual(['Refund', 'Open']);
    expect(anais).toContainEqual(['Subscription', 'Retrying']);
    expect(byName(fr, 'Anaïs Roy').map((r) => r[12])).toContain('Nouvelle tentative en cours');
  });

  it('XLSX: frozen header, autofilter over the header, widths, typed cells, local date-times', async () => {
    const sheet = await readXlsx(await exported('xlsx', {}, 'fr-CA'));
    expect(sheet.name).toBe('Transactions échouées');
    expect(sheet.rowCount).toBe(8);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.autoFilter).toBe('A1:N8');
    const header = sheet.getRow(1);
    expect(header.getCell(8).value).toBe(`Date (heure de ${ZONE})`);
    expect(header.getCell(1).font?.bold).toBe(true);
    for (let c = 1; c <= 14; c++) {
      const width = sheet.getColumn(c).width ?? 0;
      expect(width, `column ${c}`).toBeGreaterThanOrEqual(String(header.getCell(c).value).length);
      expect(width).toBeLessThanOrEqual(60);
    }
    expect(sheet.getColumn(4).width).toBeGreaterThanOrEqual(40); // the reason text
    let zoe: ExcelJS.Row | undefined;
    sheet.eachRow((row) => {
      if (row.getCell(1).value === 'Zoé Tremblay') zoe = row;
    });
    expect(zoe).toBeDefined();
    expect(zoe!.getCell(2).value).toBe('Versement');
    expect(zoe!.getCell(6).value).toBe(100);
    expect(zoe!.getCell(6).numFmt).toContain('CAD');
    // A spreadsheet date is a wall-clock time: 23:30 on November 30 in Regina, whatever the viewer's zone.
    expect(zoe!.getCell(8).value).toEqual(new Date(Date.UTC(2026, 10, 30, 23, 30)));
    expect(zoe!.getCell(8).numFmt).toBe('yyyy-mm-dd hh:mm');
    expect(zoe!.getCell(9).value).toBe('Carte');
    expect(zoe!.getCell(11).value).toBe('4242');
    expect(zoe!.getCell(12).value).toBe(1);
    expect(zoe!.getCell(13).value).toBe('Ouverte');
    expect(zoe!.getCell(14).value).toBe('oui');
  });

  it('CSV injection: the hostile name is neutralised and quoted, the amount exact', async () => {
    const rows = (await csvOf(await exported('csv', {}))).slice(1);
    const hostile = rows.find((r) => r[0]!.includes('HYPERLINK'));
    expect(hostile?.[0]).toBe(`'=HYPERLINK("http://x.example"),\n"Côté"`);
    expect(hostile?.[5]).toBe('12345.67');
  });

  it('an empty export is a header and a valid workbook', async () => {
    const csv = await csvOf(await exported('csv', { paidElsewhere: true, type: 'refund' }));
    expect(csv).toHaveLength(1);
    const sheet = await readXlsx(await exported('xlsx', { paidElsewhere: true, type: 'refund' }));
    expect(sheet.rowCount).toBe(1);
    expect(sheet.autoFilter).toBe('A1:N1');
  });
});

describe('errors', () => {
  it('paidElsewhere must be a boolean, on the list and on the export', async () => {
    expect((await call(t.app, o.adminToken, 'GET', `${URL}?paidElsewhere=maybe`)).status).toBe(400);
    expect((await call(t.app, o.adminToken, 'GET', `${URL}/export?format=csv&paidElsewhere=2`)).status).toBe(
      400,
    );
  });
});
