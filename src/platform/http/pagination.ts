import { Type } from 'typebox';
import { AppError } from '../../lib/errors';

export const LimitQuery = Type.Integer({
  minimum: 1,
  maximum: 200,
  default: 50,
  description: 'Page size (1–200)',
});
export const CursorQuery = Type.String({
  maxLength: 500,
  description: 'Opaque cursor from the previous page',
});

/** The query of a list that takes nothing but a page size and a cursor. */
export const PageQuery = Type.Object(
  { limit: Type.Optional(LimitQuery), cursor: Type.Optional(CursorQuery) },
  { additionalProperties: false },
);

export function ListOf<T extends import('typebox').TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

/** Cursors are opaque to clients: base64url of the last row's sort keys. */
export function encodeCursor(keys: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(keys)).toString('base64url');
}

function badCursor(reason: string): AppError {
  return new AppError(
    'validation',
    `cursor is not a cursor this list gave (${reason}); start again without it`,
    {
      errors: [{ field: 'querystring.cursor', message: 'is not valid' }],
    },
  );
}

function parseCursor(cursor: string): unknown[] {
  let keys: unknown;
  try {
    keys = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor('not base64url JSON');
  }
  if (!Array.isArray(keys)) throw badCursor('not a list of keys');
  return keys;
}

/** One sort key of a keyset cursor: how it is written into the cursor and checked on the way back. */
export interface CursorKey<T, N extends string = string> {
  /** the key's field in the service's `after`/`next` objects, and its name in a bad cursor's message */
  readonly name: N;
  encode(value: T): string | number;
  /** The typed value, or a reason the raw key is not one. */
  decode(raw: unknown): { ok: true; value: T } | { ok: false; reason: string };
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** PostgreSQL timestamptz and JavaScript Dates agree on this range. */
const MAX_MS = 8_640_000_000_000_000;

export const cursorKey = {
  /** An instant, written as epoch milliseconds. */
  instant<N extends string>(name: N): CursorKey<Date, N> {
    return {
      name,
      encode: (d) => d.getTime(),
      decode: (raw) =>
        typeof raw === 'number' && Number.isSafeInteger(raw) && Math.abs(raw) <= MAX_MS
          ? { ok: true, value: new Date(raw) }
          : { ok: false, reason: `${name} must be an instant` },
    };
  },
  /** A business date `YYYY-MM-DD` that exists in the calendar. */
  date<N extends string>(name: N): CursorKey<string, N> {
    return {
      name,
      encode: (d) => d,
      decode: (raw) => {
        const m = typeof raw === 'string' ? DATE_RE.exec(raw) : null;
        if (m) {
          const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
          const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
          if (y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= days) return { ok: true, value: raw as string };
        }
        return { ok: false, reason: `${name} must be a date YYYY-MM-DD` };
      },
    };
  },
  /** A prefixed ID (`acc_…`); several prefixes when the list mixes kinds (the ledger). */
  id<N extends string>(name: N, ...prefixes: string[]): CursorKey<string, N> {
    const re = new RegExp(`^(${prefixes.join('|')})_[0-9a-z]{1,60}$`);
    return {
      name,
      encode: (id) => id,
      decode: (raw) =>
        typeof raw === 'string' && re.test(raw)
          ? { ok: true, value: raw }
          : {
              ok: false,
              reason: `${name} must be an ID starting ${prefixes.map((p) => `${p}_`).join(' or ')}`,
            },
    };
  },
  /** Free text (a name or its sort form), bounded. */
  text<N extends string>(name: N, maxLength = 500): CursorKey<string, N> {
    return {
      name,
      encode: (t) => t,
      decode: (raw) =>
        typeof raw === 'string' && raw.length <= maxLength
          ? { ok: true, value: raw }
          : { ok: false, reason: `${name} must be text of at most ${maxLength} characters` },
    };
  },
  /** A whole number in a range. */
  int<N extends string>(name: N, min = 0, max = Number.MAX_SAFE_INTEGER): CursorKey<number, N> {
    return {
      name,
      encode: (n) => n,
      decode: (raw) =>
        typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= min && raw <= max
          ? { ok: true, value: raw }
          : { ok: false, reason: `${name} must be a whole number from ${min} to ${max}` },
    };
  },
};

type KeyValues<K extends readonly CursorKey<unknown>[]> = {
  [I in keyof K]: K[I] extends CursorKey<infer T> ? T : never;
};

/** The keys as the service takes and gives them: `{ date: '2026-01-31', id: 'inv_…' }`. */
type NamedKeys<K extends readonly CursorKey<unknown>[]> = {
  [P in K[number] as P['name']]: P extends CursorKey<infer T> ? T : never;
};

/** What a route hands its service for one page, and what the service answers. */
export interface PageRequest<O> {
  limit: number;
  /** the last row of the previous page; undefined for the first page */
  after?: O;
}
export interface PageAnswer<O, Row> {
  items: Row[];
  /** the keys of the page's last row when another page follows, else null */
  next: O | null;
}

export interface Paged<V extends readonly unknown[], O = unknown> {
  /** The typed keys of `cursor`, undefined without one; a cursor this list did not give answers 400. */
  after(cursor: string | undefined): V | undefined;
  /** The cursor of the next page, or null at the end. */
  next(keys: Readonly<V> | null | undefined): string | null;
  /**
   * A whole list route in one call: reads `limit` (50 by default) and `cursor` from the query, asks `load`
   * for the page with the keys named as the cursor keys are (`{ date, id }`), and answers the list's
   * JSON with the next cursor. `toJson` shapes each row (rows already shaped need none).
   */
  page<Row, Item = Row>(
    query: { limit?: number; cursor?: string },
    load: (request: PageRequest<O>) => Promise<PageAnswer<O, Row>>,
    toJson?: (row: Row) => Item,
  ): Promise<{ items: Item[]; nextCursor: string | null }>;
}

/**
 * The keyset cursor of one list: `const page = paged(cursorKey.instant('at'), cursorKey.id('id', 'aud'))`,
 * then `page.after(query.cursor)` gives typed keys (a date is a date, an ID has its prefix) and
 * `page.next([last.at, last.id])` the next cursor. Keys of the wrong type never reach the database.
 */
export function paged<K extends readonly CursorKey<any>[]>(...keys: K): Paged<KeyValues<K>, NamedKeys<K>> {
  const pages: Paged<KeyValues<K>, NamedKeys<K>> = {
    after(cursor) {
      if (!cursor) return undefined;
      const raw = parseCursor(cursor);
      if (raw.length !== keys.length) throw badCursor(`expected ${keys.length} keys, got ${raw.length}`);
      return keys.map((k, i) => {
        const r = k.decode(raw[i]);
        if (!r.ok) throw badCursor(r.reason);
        return r.value;
      }) as unknown as KeyValues<K>;
    },
    next(values) {
      if (!values) return null;
      return encodeCursor(keys.map((k, i) => k.encode((values as readonly unknown[])[i])));
    },
    async page(query, load, toJson) {
      const values = pages.after(query.cursor) as readonly unknown[] | undefined;
      const after = values && (Object.fromEntries(keys.map((k, i) => [k.name, values[i]])) as NamedKeys<K>);
      const answer = await load({ limit: query.limit ?? 50, after });
      const next = answer.next as Record<string, unknown> | null;
      return {
        items: toJson ? answer.items.map(toJson) : (answer.items as never[]),
        nextCursor: pages.next(next && (keys.map((k) => next[k.name]) as unknown as KeyValues<K>)),
      };
    },
  };
  return pages;
}
