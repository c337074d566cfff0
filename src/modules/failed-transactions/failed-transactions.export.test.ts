/** The export's cell helpers (FT9, issue 16): exact amounts, XML-safe text, spreadsheet serial dates. */
import { inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { zip } from '../../lib/zip';
import { brandLabel, majorUnits, serialOf, xmlText } from './failed-transactions.export';

describe('happy', () => {
  it('majorUnits: integer text and BigInt give the same exact text, whatever the digits', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.constantFrom('CAD', 'JPY', 'KWD'),
        (n, cur) => {
          expect(majorUnits(String(n), cur)).toBe(majorUnits(n, cur));
        },
      ),
    );
    expect(majorUnits('5', 'CAD')).toBe('0.05');
    expect(majorUnits('-1234567', 'CAD')).toBe('-12345.67');
    expect(majorUnits('1500', 'JPY')).toBe('1500');
    expect(majorUnits('1500', 'KWD')).toBe('1.500');
  });

  it('serialOf: a wall-clock date-time as a spreadsheet serial (days since 1899-12-30)', () => {
    expect(serialOf('1900-03-01 00:00')).toBe(61);
    expect(serialOf('2026-11-30 23:30')).toBeCloseTo(46_356 + 23.5 / 24, 9);
  });

  it('brandLabel: as the list shows brands', () => {
    expect(brandLabel('visa')).toBe('VISA');
    expect(brandLabel('amex')).toBe('AMEX');
    expect(brandLabel('mastercard')).toBe('Mastercard');
    expect(brandLabel(null)).toBe('');
  });

  it('zip: local headers, data descriptors and a central directory that name every entry', async () => {
    const chunks: Buffer[] = [];
    async function* big() {
      for (let i = 0; i < 1000; i++) yield `<row r="${i}"/>`;
    }
    for await (const c of zip([
      { name: 'a.xml', data: '<a/>' },
      { name: 'é/b.xml', stream: big() },
    ]))
      chunks.push(c);
    const file = Buffer.concat(chunks);
    const end = file.length - 22;
    expect(file.readUInt32LE(end)).toBe(0x06054b50);
    expect(file.readUInt16LE(end + 10)).toBe(2);
    const first = file.readUInt32LE(0);
    expect(first).toBe(0x04034b50);
    // The first entry's data follows its 30-byte header and name; it inflates back to the text.
    const nameLength = file.readUInt16LE(26);
    const dirStart = file.readUInt32LE(end + 16);
    const compressed = file.readUInt32LE(dirStart + 20);
    const data = file.subarray(30 + nameLength, 30 + nameLength + compressed);
    expect(inflateRawSync(data).toString()).toBe('<a/>');
  });
});

describe('errors', () => {
  it('xmlText: entities escaped, characters XML 1.0 cannot carry dropped, the rest untouched', () => {
    expect(xmlText('Côté & fils <inc> "x"')).toBe('Côté &amp; fils &lt;inc&gt; &quot;x&quot;');
    expect(xmlText('a\u0000b\u0007c\u001fd')).toBe('abcd');
    expect(xmlText('tab\tlf\ncr\r')).toBe('tab\tlf\ncr\r');
    expect(xmlText('emoji 😀')).toBe('emoji 😀');
    expect(xmlText('plain')).toBe('plain');
  });
});
