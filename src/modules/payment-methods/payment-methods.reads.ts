import { and, eq, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/db';
import { paymentMethods } from './payment-methods.table';

/**
 * What other modules read about a payment method, so that none of them imports `payment_methods`
 * (STYLE habit 11: the payment-methods module is its one writer and the one place that knows its columns).
 */

/**
 * The method a row names, for a list that shows it beside its own rows: join `source` on `on(…)` and
 * select its columns. A join and not a subquery per column, so that a page stays one nested loop on the
 * primary key (the failed-transactions list's plan, bench/failed-transactions.ts). `alias` must not clash
 * with the query's other names.
 */
export function paymentMethodJoin(alias: string) {
  const pm = sql.identifier(alias);
  const column = <T>(name: string) => sql<T>`${pm}.${sql.identifier(name)}`;
  return {
    source: sql`payment_methods ${pm}`,
    on: (organizationId: SQLWrapper, paymentMethodId: SQLWrapper | SQL): SQL =>
      sql`(${pm}.organization_id = ${organizationId} and ${pm}.id = ${paymentMethodId})`,
    id: column<string>('id'),
    type: column<'card' | 'echeck'>('type'),
    brand: column<string | null>('brand'),
    last4: column<string>('last4'),
    expMonth: column<number | null>('exp_month'),
    expYear: column<number | null>('exp_year'),
  };
}

/** The label columns (type, brand, last 4) of a few methods by primary key: one read for a whole page. */
export async function methodLabelsByIds(db: Db, organizationId: string, ids: string[]) {
  if (ids.length === 0)
    return new Map<string, { type: 'card' | 'echeck'; brand: string | null; last4: string }>();
  const found = await db
    .select({
      id: paymentMethods.id,
      type: paymentMethods.type,
      brand: paymentMethods.brand,
      last4: paymentMethods.last4,
    })
    .from(paymentMethods)
    .where(
      and(
        eq(paymentMethods.organizationId, organizationId),
        sql`${paymentMethods.id} = any(${sql.param(ids)})`,
      ),
    );
  return new Map(found.map(({ id, ...label }) => [id, label]));
}
