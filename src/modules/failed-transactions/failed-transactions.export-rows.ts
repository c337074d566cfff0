import { and, type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Db } from '../../platform/db/db';
import { rows } from '../../platform/db/db';
import type { ExportRow } from './failed-transactions.export';
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
function statement(organizationId: string, filters: ListFilters, timeZone: string, after?: SQL) {
  const where = and(...listConditions(organizationId, filters), after);
  // Every column is named: PGlite answers objects, and unnamed ones (two `coalesce`) would collide.
  return sql`select a.owner_name as c0, ${ft.type} as c1, ${ft.reasonCode} as c2, ${ft.paymentId} as c3,
      ${ft.amountMinor}::text as c4, ${ft.currency} as c5,
      to_char(${ft.failedAt} at time zone ${timeZone}, 'YYYY-MM-DD HH24:MI') as c6,
      coalesce(pm.type, ${ft.paymentMethodType}) as c7, pm.brand as c8, coalesce(pm.last4, '') as c9,
      ${ft.attempts} as c10, ${ft.status} as c11,
      (${ft.type} <> 'refund' and (coalesce(sp.status = 'paid', false) or t.obligation_id is not null
        or coalesce(d.open_minor <= 0, false))) as c12,
      ${ft.failedAt}::text as c13, ${ft.id} as c14
    from ${ft}
    join accounts a on a.organization_id = ${ft.organizationId} and a.id = ${ft.accountId}
    left join payment_methods pm on pm.organization_id = ${ft.organizationId} and pm.id = ${ft.paymentMethodId}
    left join documents d on d.organization_id = ${ft.organizationId} and d.id = ${ft.invoiceId}
    left join scheduled_payments sp on sp.organization_id = ${ft.organizationId} and sp.id = ${ft.scheduledPaymentId}
    left join transactions t on t.organization_id = ${ft.organizationId}
      and t.obligation_id = coalesce(${ft.scheduledPaymentId}, ${ft.id}) and t.obligation_id is not null
      and t.status in ('succeeded', 'settled')
    where ${where}
    order by ${ft.failedAt} desc nulls last, ${ft.id} desc nulls last`;
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
    yield* cursorRows(client, statement(organizationId, filters, timeZone), batch);
    return;
  }
  let after: SQL | undefined;
  for (;;) {
    const page = await rows<Record<string, unknown>>(
      db,
      sql`${statement(organizationId, filters, timeZone, after)} limit ${batch}`,
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

async function* cursorRows(pool: pg.Pool, query: SQL, batch: number): AsyncGenerator<ExportRow[]> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  const client = await pool.connect();
  let broken: Error | undefined;
  let open = false;
  try {
    await client.query('begin read only');
    open = true;
    await client.query({ text: `declare recoup_export no scroll cursor for ${text}`, values: params });
    for (;;) {
      const page = await client.query<Raw>({ text: `fetch ${batch} from recoup_export`, rowMode: 'array' });
      if (page.rows.length > 0) yield page.rows.map(toRow);
      if (page.rows.length < batch) break;
    }
    await client.query('commit');
    open = false;
  } catch (err) {
    broken = err as Error;
    throw err;
  } finally {
    // Finished, failed, or the download was cancelled (the generator returned early): the transaction
    // ends, the cursor with it, and the connection goes back (or away, when it failed).
    if (open && !broken) {
      await client.query('rollback').catch((err: Error) => {
        broken = err;
      });
    }
    client.release(broken);
  }
}
