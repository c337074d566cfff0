import { once } from 'node:events';
import { crc32, createDeflateRaw, deflateRawSync } from 'node:zlib';

/**
 * A minimal streaming ZIP writer (PKWARE APPNOTE 6.3: deflate, data descriptors, UTF-8 names, no ZIP64),
 * enough for an Office Open XML package. exceljs's writer goes through archiver and its own XML builder;
 * writing the parts here with node:zlib was most of what brought the workbook export near COPY
 * (bench/README.md). Entries over 4 GiB are refused rather than written wrong.
 */
export interface ZipEntry {
  name: string;
  /** a small part, compressed in one go */
  data?: string | Buffer;
  /** a large part, compressed as it is produced (backpressure from the consumer reaches the producer) */
  stream?: AsyncIterable<string | Buffer>;
}

/** zlib level 1: on the 100,000-row sheet 16 % larger than level 3 for 30 % less CPU (bench/README.md). */
const LEVEL = 1;
const LIMIT = 0xffff_ffff;

interface Written {
  name: Buffer;
  crc: number;
  size: number;
  compressed: number;
  offset: number;
}

function localHeader(name: Buffer): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
  h.writeUInt16LE(0x0808, 6); // bit 3: sizes in the data descriptor; bit 11: UTF-8 name
  h.writeUInt16LE(8, 8); // deflate
  h.writeUInt16LE(0, 10); // time 00:00
  h.writeUInt16LE(0x21, 12); // date 1980-01-01: the same bytes for the same rows
  // crc and sizes stay 0 here: they follow the data (bit 3)
  h.writeUInt16LE(name.length, 26);
  return Buffer.concat([h, name]);
}

function descriptor(w: Written): Buffer {
  const d = Buffer.alloc(16);
  d.writeUInt32LE(0x08074b50, 0);
  d.writeUInt32LE(w.crc >>> 0, 4);
  d.writeUInt32LE(w.compressed, 8);
  d.writeUInt32LE(w.size, 12);
  return d;
}

function centralDirectory(entries: Written[], start: number): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  for (const w of entries) {
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4); // made by: 2.0
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0808, 8);
    c.writeUInt16LE(8, 10);
    c.writeUInt16LE(0, 12);
    c.writeUInt16LE(0x21, 14);
    c.writeUInt32LE(w.crc >>> 0, 16);
    c.writeUInt32LE(w.compressed, 20);
    c.writeUInt32LE(w.size, 24);
    c.writeUInt16LE(w.name.length, 28);
    c.writeUInt32LE(w.offset, 42);
    parts.push(c, w.name);
    size += c.length + w.name.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(start, 16);
  parts.push(end);
  return Buffer.concat(parts);
}

/** The archive's bytes, entry after entry; entries are produced lazily, so a part can depend on earlier ones. */
export async function* zip(entries: Iterable<ZipEntry | (() => ZipEntry)>): AsyncGenerator<Buffer> {
  const written: Written[] = [];
  let offset = 0;
  const check = (n: number) => {
    if (n > LIMIT) throw new RangeError('zip: an entry or the archive is over 4 GiB (no ZIP64)');
  };
  for (const item of entries) {
    const entry = typeof item === 'function' ? item() : item;
    const name = Buffer.from(entry.name, 'utf8');
    const w: Written = { name, crc: 0, size: 0, compressed: 0, offset };
    const header = localHeader(name);
    yield header;
    offset += header.length;
    if (entry.stream) {
      for await (const out of deflateAll(entry.stream, w)) {
        w.compressed += out.length;
        check(w.compressed);
        yield out;
      }
    } else {
      const raw =
        typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : (entry.data ?? Buffer.alloc(0));
      w.crc = crc32(raw);
      w.size = raw.length;
      const out = deflateRawSync(raw, { level: LEVEL });
      w.compressed = out.length;
      yield out;
    }
    check(w.size);
    offset += w.compressed;
    const d = descriptor(w);
    yield d;
    offset += d.length;
    check(offset);
    written.push(w);
  }
  yield centralDirectory(written, offset);
}

/** Compresses `source` as it comes, counting its CRC-32 and size into `w`. */
async function* deflateAll(source: AsyncIterable<string | Buffer>, w: Written): AsyncGenerator<Buffer> {
  const deflate = createDeflateRaw({ level: LEVEL });
  // When the consumer goes away (the download is cancelled), the producer must stop too, so that its
  // `for await` returns and the source releases what it holds (a database cursor and its connection).
  const stop = new AbortController();
  const feeding = (async () => {
    for await (const piece of source) {
      const raw = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
      w.crc = crc32(raw, w.crc);
      w.size += raw.length;
      if (!deflate.write(raw)) await once(deflate, 'drain', { signal: stop.signal });
    }
    deflate.end();
  })();
  // A failure of the producer (the database) ends the compressed stream with that error.
  feeding.catch((err: unknown) => deflate.destroy(err as Error));
  try {
    for await (const out of deflate) yield out as Buffer;
    await feeding;
  } finally {
    stop.abort();
    deflate.destroy();
  }
}
