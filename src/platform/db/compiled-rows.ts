import { Column, getTableName, is, SQL } from 'drizzle-orm';

/**
 * What a Drizzle prepared select carries (both drivers' PreparedQuery classes, drizzle-orm 0.45): the
 * selected fields in column order, which joined tables may come back as nulls, and the hook its `execute`
 * calls instead of its own row mapping when set.
 */
interface PreparedInternals {
  fields?: { path: string[]; field: unknown }[];
  joinsNotNullableMap?: Record<string, boolean>;
  customResultMapper?: (rows: unknown[][]) => unknown;
}

interface Decoder {
  mapFromDriverValue(value: unknown): unknown;
}

/**
 * A prepared select whose rows are mapped by a function compiled once from its fields, instead of Drizzle's
 * `mapResultRow`, which asks `is()` of every field of every row: 0.30 ms for the failed list's page of
 * 51 rows × 43 fields against 0.075 ms compiled, the same objects (bench/failed-transactions.ts; the test
 * beside this file compares both). Each value still goes through its column's own decoder.
 *
 * Used only where Drizzle's mapping has nothing more to do: top-level fields and one level of nesting whose
 * tables can never be null (a nested object of a left-joined table is nulled when all its columns are; any
 * such select keeps Drizzle's mapping, as does a select of a Drizzle version whose prepared query looks
 * otherwise).
 */
export function withCompiledRows<P extends object>(prepared: P): P {
  const internals = prepared as P & PreparedInternals;
  const fields = internals.fields;
  if (!Array.isArray(fields) || !('customResultMapper' in internals)) return prepared;
  const decoders: Decoder[] = [];
  for (const { path, field } of fields) {
    if (path.length < 1 || path.length > 2) return prepared;
    if (is(field, Column)) {
      if (path.length === 2 && internals.joinsNotNullableMap?.[getTableName(field.table)] !== true) {
        return prepared;
      }
      decoders.push(field);
    } else if (is(field, SQL)) {
      if (path.length === 2) return prepared;
      // `decoder` is what `.mapWith()` set (internal to Drizzle's types, public in its mapping).
      decoders.push((field as unknown as { decoder: Decoder }).decoder);
    } else {
      return prepared;
    }
  }
  const heads: string[] = fields.map((f) => f.path[0] as string);
  const leaves: (string | null)[] = fields.map((f) => (f.path.length === 2 ? (f.path[1] as string) : null));
  const mapRow = (row: unknown[]) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < decoders.length; i++) {
      const raw = row[i];
      const value = raw === null ? null : decoders[i]!.mapFromDriverValue(raw);
      const leaf = leaves[i] ?? null;
      if (leaf === null) out[heads[i]!] = value;
      else {
        const head = heads[i]!;
        let node = out[head] as Record<string, unknown> | undefined;
        if (!node) {
          node = {};
          out[head] = node;
        }
        node[leaf] = value;
      }
    }
    return out;
  };
  internals.customResultMapper = (found) => found.map(mapRow);
  return prepared;
}
