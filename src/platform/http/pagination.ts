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

export function decodeCursor(cursor: string | undefined, arity: number): (string | number)[] | undefined {
  if (!cursor) return undefined;
  try {
    const keys = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(keys) &&
      keys.length === arity &&
      keys.every((k) => typeof k === 'string' || typeof k === 'number')
    ) {
      return keys;
    }
  } catch {
    // fall through
  }
  throw new AppError('validation', 'cursor is not a cursor this list gave', {
    errors: [{ field: 'querystring.cursor', message: 'is not valid' }],
  });
}
