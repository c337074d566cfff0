import { and, type SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { currencyDigits } from '../../lib/money';
import type { Db } from '../../platform/db/db';
import { rows } from '../../platform/db/db';
import { csvCells, type ExportContext, type ExportRow } from './failed-transactions.export';
import { type ListFilters, listConditions } from './failed-transactions.repository';
import { failedTransactions as ft } from './failed-transactions.table';

/** Rows per FETCH from the cursor (PostgreSQL) and per keyset page (PGlite); also the writers' batch. */
export const EXPORT_BATCH = 2000;

/**
 * The export's one statement: the same rows as the list (`listConditions`, newest failure first), with only
 * the columns a file has, and the other modules' tables (read here, never written) joined in one go, so that
 * PostgreSQL hash-joins them instead of a primary-key lookup per row as the list's page does. The local time
 * is PostgreSQL's (its zone data); FT7's `paidElsewhere` as the list item judges it (`paidElsewhere()`), a
 * collection counting only when it succeeded (at most one per obligation: transactions_one_collection).
 */
const FROM = sql`from ${ft}
    join accounts a on a.organization_id = ${ft.organizationId} and a.id = ${ft.accountId}
    left join payment_methods pm on pm.organization_id = ${ft.organizationId} and pm.id = ${ft.paymentMethodId}
    left join documents d on d.organization_id = ${ft.organizationId} and d.id = ${ft.invoiceId}
    left join scheduled_payments sp on sp.organization_id = ${ft.organizationId} and sp.id = ${ft.scheduledPaymentId}
    left join transactions t on t.organization_id = ${ft.organizationId}
      and t.obligation_id = coalesce(${ft.scheduledPaymentId}, ${ft.id}) and t.obligation_id is not null
      and t.status in ('succeeded', 'settled')`;

const PAID_ELSEWHERE = sql`(${ft.type} <> 'refund' and (coalesce(sp.status = 'paid', false)
  or t.obligation_id is not null or coalesce(d.open_minor <= 0, false)))`;

const NEWEST_FIRST = sql`order by ${ft.failedAt} desc nulls last, ${ft.id} desc nulls last`;

function statement(
  organizationId: string,
  filters: ListFilters,
  timeZone: string,
  keyset: { after?: SQL } | null,
) {
  const where = and(...listConditions(organizationId, filters), keyset?.after);
  // Every column is named: PGlite answers objects, and unnamed ones (two `coalesce`) would collide.
  return sql`select a.owner_name as c0, ${ft.type} as c1, ${ft.reasonCode} as c2, ${ft.paymentId} as c3,
      ${ft.amountMinor}::text as c4, ${ft.currency} as c5,
      to_char(${ft.failedAt} at time zone ${timeZone}, 'YYYY-MM-DD HH24:MI') as c6,
      coalesce(pm.type, ${ft.paymentMethodType}) as c7, pm.brand as c8, coalesce(pm.last4, '') as c9,
      ${ft.attempts} as c10, ${ft.status} as c11,
      ${PAID_ELSEWHERE} as c12
      ${keyset ? sql`, ${ft.failedAt}::text as c13, ${ft.id} as c14` : sql``}
    ${FROM}
    where ${where}
    ${NEWEST_FIRST}`;
}

type Raw = unknown[];
const COLUMNS = Array.from({ length: 15 }, (_, i) => `c${i}`);

const toRow = (r: Raw): ExportRow => ({
  customer: r[0] as string,
  type: r[1] as ExportRow['type'],
  reasonCode: r[2] as string,
  paymentId: r[3] as string,
  amountMinor: r[4] as string,
  currency: r[5] as string,
  localAt: r[6] as string,
  method: r[7] as ExportRow['method'],
  brand: (r[8] as string | null) ?? null,
  last4: r[9] as string,
  attempts: Number(r[10]),
  status: r[11] as ExportRow['status'],
  paidElsewhere: r[12] === true,
});

/**
 * Every row of the filtered list for a file, in batches. On PostgreSQL: one server-side cursor over the one
 * statement, in a read-only transaction of its own connection (one snapshot for the whole file, the hash
 * joins, FETCH of EXPORT_BATCH rows at a time so that memory stays bounded). On PGlite there is one
 * connection for everything: a cursor would hold it, and every other request and job, for the whole
 * download, so the same statement is read in keyset pages of EXPORT_BATCH instead.
 */
export async function* exportRows(
  db: Db,
  organizationId: string,
  filters: ListFilters,
  timeZone: string,
  batch = EXPORT_BATCH,
): AsyncGenerator<ExportRow[]> {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (client instanceof pg.Pool) {
    yield* cursorRows(client, statement(organizationId, filters, timeZone, null), batch, toRow);
    return;
  }
  let after: SQL | undefined;
  for (;;) {
    const page = await rows<Record<string, unknown>>(
      db,
      sql`${statement(organizationId, filters, timeZone, { after })} limit ${batch}`,
    );
    const raw = page.map((r) => COLUMNS.map((c) => r[c]));
    if (raw.length > 0) yield raw.map(toRow);
    const last = raw[raw.length - 1];
    if (raw.length < batch || !last) return;
    // The keyset is the exact timestamp text: a JS Date would drop PostgreSQL's microseconds.
    after = sql`(${ft.failedAt}, ${ft.id}) < (${last[13] as string}::timestamptz, ${last[14] as string})`;
  }
}

const dialect = new PgDialect();

/** The Drizzle database is node-postgres over a pool (its `$client`), not the embedded engine. */
export function isPostgres(db: Db): boolean {
  return (db as unknown as { $client?: unknown }).$client instanceof pg.Pool;
}

async function* cursorRows<T>(
  pool: pg.Pool,
  query: SQL | ((db: Db) => Promise<SQL>),
  batch: number,
  map: (r: Raw) => T,
): AsyncGenerator<T[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  let open = false;
  let pending: Promise<pg.QueryResult<Raw>> | undefined;
  try {
    // One snapshot for everything the file reads (repeatable read), never a write.
    await client.query('begin isolation level repeatable read read only');
    open = true;
    // A cursor is planned for its first 10 % by default (cursor_tuple_fraction): index scans and nested
    // loops, 8× slower for the whole list than the hash joins. The whole list is read, so plan for all of
    // it; and let its sort stay in memory (25 MB at 100,000 rows) instead of spilling to disk.
    await client.query(`set local cursor_tuple_fraction = 1; set local work_mem = '64MB'`);
    const statement = typeof query === 'function' ? await query(clientDb(client)) : query;
    const { sql: text, params } = dialect.sqlToQuery(statement);
    await client.query({ text: `declare recoup_export no scroll cursor for ${text}`, values: params });
    // The next batch is asked for before this one is formatted: PostgreSQL sends it while Node writes.
    const fetch = () => {
      const next = client.query<Raw>({ text: `fetch ${batch} from recoup_export`, rowMode: 'array' });
      // Handled when awaited; until then a failure must not count as an unhandled rejection.
      next.catch(() => undefined);
      return next;
    };
    pending = fetch();
    for (;;) {
      const page = (await pending) as pg.QueryResult<Raw>;
      const more: boolean = page.rows.length === batch;
      pending = more ? fetch() : undefined;
      if (page.rows.length > 0) yield page.rows.map(map);
      if (!more) break;
    }
    await client.query('commit');
    open = false;
  } catch (err) {
    broken = err as Error;
    throw err;
  } finally {
    // Finished, failed, or the download was cancelled (the generator returned early): the transaction
    // ends, the cursor with it, and the connection goes back (or away, when it failed).
    await pending?.catch((err: Error) => {
      broken = err;
    });
    if (open && !broken) {
      await client.query('rollback').catch((err: Error) => {
        broken = err;
      });
    }
    client.release(broken);
  }
}

/** A Drizzle handle on the export's own connection, for the statements that run in its transaction. */
function clientDb(client: pg.PoolClient): Db {
  return drizzle(client) as unknown as Db;
}

// ——— CSV lines written by PostgreSQL (the cursor path) ———

/** spreadsheetText() of export.ts in SQL: a leading `'` before a formula character. */
function neutralised(v: SQL): SQL {
  return sql`(case when left(${v}, 1) in ('=', '+', '-', '@', E'\t', E'\r') then '''' || ${v} else ${v} end)`;
}

/**
 * csvField(spreadsheetText(v)) in SQL: RFC 4180 quoting when a quote, comma or line break is there (the
 * neutralising quote adds none, so the test reads `v` itself, once).
 */
function csvText(v: SQL): SQL {
  const n = neutralised(v);
  return sql`(case when ${v} ~ E'[",\r\n]' then '"' || replace(${n}, '"', '""') || '"' else ${n} end)`;
}

/** A `case` over the known codes whose answers are bound parameters (labels already quoted in JS). */
function labelled(column: SQL, labels: Record<string, string>): SQL {
  const whens = Object.entries(labels).map(
    ([code, label]) => sql` when ${sql.raw(`'${code.replace(/'/g, "''")}'`)} then ${label}::text`,
  );
  return sql`(case ${column}${sql.join(whens, sql``)} else ${column} end)`;
}

/** Currencies whose minor unit is not 1/100 (JPY 0, KWD 3…), from Intl, once: PostgreSQL does not know them. */
let DIGITS_NOT_2: { codes: string[]; digits: number[]; powers: string[] } | undefined;
function digitsNot2() {
  if (!DIGITS_NOT_2) {
    const codes: string[] = [];
    const digits: number[] = [];
    for (const code of Intl.supportedValuesOf('currency')) {
      const d = currencyDigits(code);
      if (d !== 2) {
        codes.push(code);
        digits.push(d);
      }
    }
    DIGITS_NOT_2 = { codes, digits, powers: digits.map((n) => String(10n ** BigInt(n))) };
  }
  return DIGITS_NOT_2;
}

/**
 * The CSV lines of the filtered list, formatted by PostgreSQL in the export statement itself: one text
 * column per row instead of thirteen for Node to parse and format (Node's share was most of the gap to
 * COPY; bench/README.md). Labels, reason texts and yes/no are computed and quoted once in JS
 * (csvCells() of export.ts) and bound as parameters; the reason codes present are read first, in the
 * cursor's snapshot. The bytes equal csvStream()'s over the list items (the db test and the benchmark).
 * PostgreSQL only: on PGlite the rows are formatted by csvStream() (exportRows).
 */
export async function* exportCsvLines(
  db: Db,
  organizationId: string,
  filters: ListFilters,
  ctx: ExportContext,
  batch = EXPORT_BATCH,
): AsyncGenerator<string[]> {
  const pool = (db as unknown as { $client?: unknown }).$client;
  if (!(pool instanceof pg.Pool)) throw new Error('exportCsvLines: PostgreSQL only (see exportRows)');
  const cells = csvCells(ctx);
  const d = digitsNot2();
  const where = and(...listConditions(organizationId, filters));
  yield* cursorRows(
    pool,
    async (tx) => {
      const codes = (
        await rows<{ code: string }>(
          tx,
          sql`select distinct ${ft.reasonCode} as code from ${ft} where ${where}`,
        )
      ).map((c) => c.code);
      const brand = sql`(case when pm.brand is null then '' when length(pm.brand) <= 4 then upper(pm.brand)
        else upper(left(pm.brand, 1)) || substr(pm.brand, 2) end)`;
      // Exact major units with integer arithmetic: sign, whole part, the minor digits zero-padded.
      const m = sql`${ft.amountMinor}`;
      const amount = sql`((case when ${m} < 0 then '-' else '' end) || (abs(${m}) / coalesce(cd.p, 100))::text
        || (case when coalesce(cd.digits, 2) = 0 then ''
            else '.' || lpad((abs(${m}) % coalesce(cd.p, 100))::text, coalesce(cd.digits, 2), '0') end))`;
      const line = sql.join(
        [
          csvText(sql`a.owner_name`),
          labelled(sql`${ft.type}`, cells.type),
          sql`r.csv`,
          csvText(sql`${ft.paymentId}`),
          amount,
          csvText(sql`${ft.currency}`),
          sql`to_char(${ft.failedAt} at time zone ${ctx.timeZone}, 'YYYY-MM-DD HH24:MI')`,
          labelled(sql`coalesce(pm.type, ${ft.paymentMethodType})`, cells.method),
          csvText(brand),
          csvText(sql`coalesce(pm.last4, '')`),
          sql`${ft.attempts}::text`,
          labelled(sql`${ft.status}`, cells.status),
          sql`(case when ${PAID_ELSEWHERE} then ${cells.yesNo[0]}::text else ${cells.yesNo[1]}::text end)`,
        ],
        sql` || ',' || `,
      );
      return sql`select ${line} ${FROM}
        join unnest(${sql.param(codes)}::text[], ${sql.param(codes.map((c) => cells.reason(c)))}::text[])
          as r(code, csv) on r.code = ${ft.reasonCode}
        left join unnest(${sql.param(d.codes)}::text[], ${sql.param(d.digits)}::int[], ${sql.param(d.powers)}::int8[])
          as cd(code, digits, p) on cd.code = ${ft.currency}
        where ${where} ${NEWEST_FIRST}`;
    },
    batch,
    (r) => r[0] as string,
  );
}
