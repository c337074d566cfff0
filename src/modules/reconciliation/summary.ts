import { sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/db';
import { rows } from '../../platform/db/db';
import { ownerSortSql } from '../accounts/owner-sort';
import { invoiceCoverSql, organizationCoverSql } from '../schedules/coverage';

/**
 * What RA1–RA3 count for one account, straight from the documents:
 * - a debit counts for its open amount, less — for an invoice — what is still scheduled for it
 *   (installments or subscription charges not yet run) or pending for it (eCheck payments not yet
 *   settled) (RA2); an invoice whose cover reaches its open amount does not count at all;
 * - a credit (posted payment or credit note) counts for its open amount.
 * The same expression feeds the stored summary, the doctor's check and reconcile itself (RA6).
 */
export const countedDebitsSql = (organizationId: string, accountId: string) => sql`
  select d.id, d.kind, d.date, d.created_at,
         greatest(d.open_minor - coalesce(cover.amount, 0), 0)::bigint as counted_minor
  from documents d
  left join lateral (
    select ${invoiceCoverSql(sql`d.organization_id`, sql`d.id`)}::bigint as amount
  ) cover on d.kind = 'invoice'
  where d.organization_id = ${organizationId} and d.account_id = ${accountId}
    and d.side = 'debit' and d.status = 'posted' and d.open_minor > 0`;

/**
 * Reconcile's one read (RA5, RA6, RA8): the account's counted debits and credits together, in plan order,
 * with the same RA2 rule as countedDebitsSql. With `lock`, the open documents are row-locked in ID order
 * (the ledger's lock order) by a materialised CTE, and the counted amounts are computed from the locked rows:
 * under READ COMMITTED a row another transaction changed is re-read at its latest version when its lock is
 * granted (a row whose open amount fell to 0 meanwhile drops out), so nothing is planned on a stale amount.
 */
export const countedForReconcileSql = (organizationId: string, accountId: string, lock: boolean) => sql`
  with open_docs as materialized (
    select d.organization_id, d.id, d.kind, d.side, d.date, d.created_at, d.open_minor
    from documents d
    where d.organization_id = ${organizationId} and d.account_id = ${accountId}
      and d.open_minor > 0 and d.status = 'posted'
    order by d.id
    ${lock ? sql`for update` : sql``}
  )
  select o.id, o.side, to_char(o.date, 'YYYY-MM-DD') as date,
         (extract(epoch from o.created_at) * 1000)::float8 as created_ms,
         case when o.side = 'debit' then greatest(o.open_minor - coalesce(cover.amount, 0), 0)
              else o.open_minor end::bigint as counted_minor
  from open_docs o
  left join lateral (
    select ${invoiceCoverSql(sql`o.organization_id`, sql`o.id`)}::bigint as amount
  ) cover on o.kind = 'invoice'
  order by o.date, o.created_at, o.id`;

export const countedCreditsSql = (organizationId: string, accountId: string) => sql`
  select d.id, d.kind, d.date, d.created_at, d.open_minor::bigint as counted_minor
  from documents d
  where d.organization_id = ${organizationId} and d.account_id = ${accountId}
    and d.side = 'credit' and d.status = 'posted' and d.open_minor > 0`;

/**
 * Recomputes the account's summary row. Called inside every transaction that moves a document, an
 * allocation or a scheduled payment of the account, so the list never disagrees with the ledger.
 */
export async function refreshReconciliationSummary(
  tx: Db,
  organizationId: string,
  accountId: string,
  now: Date,
) {
  await tx.execute(sql`
    with debits as (${countedDebitsSql(organizationId, accountId)}),
         credits as (${countedCreditsSql(organizationId, accountId)})
    insert into account_reconciliation
      (organization_id, account_id, owner_name, owner_sort, debit_count, debit_minor, credit_count, credit_minor, updated_at)
    select a.organization_id, a.id, a.owner_name, ${ownerSortSql(sql`a.owner_name`)},
           (select count(*) from debits where counted_minor > 0)::int,
           coalesce((select sum(counted_minor) from debits), 0)::bigint,
           (select count(*) from credits)::int,
           coalesce((select sum(counted_minor) from credits), 0)::bigint,
           ${now.toISOString()}::timestamptz
    from accounts a where a.organization_id = ${organizationId} and a.id = ${accountId}
    on conflict (organization_id, account_id) do update set
      owner_name = excluded.owner_name, owner_sort = excluded.owner_sort,
      debit_count = excluded.debit_count, debit_minor = excluded.debit_minor,
      credit_count = excluded.credit_count, credit_minor = excluded.credit_minor,
      updated_at = excluded.updated_at`);
}

/**
 * The summary after posting one new document, without re-aggregating the account: a new posted document is
 * open for its whole amount and nothing can cover it yet (scheduled payments and pending eCheck payments
 * name an invoice that already exists), so it adds exactly one item and its amount to its side. Exact as
 * long as the row was (the same invariant every writer keeps in its transaction; the doctor and the ledger
 * property test recompute it). The upsert's row lock makes concurrent postings add up.
 * It reads only the account row, not the document, so the ledger runs it as a CTE of the document's INSERT
 * (one round trip for the posting and its summary).
 */
export function addPostedDocumentToSummarySql(
  organizationId: string,
  accountId: string,
  side: 'debit' | 'credit',
  amountMinor: bigint,
  now: Date,
) {
  const debit = side === 'debit';
  return sql`
    insert into account_reconciliation
      (organization_id, account_id, owner_name, owner_sort, debit_count, debit_minor, credit_count, credit_minor, updated_at)
    select a.organization_id, a.id, a.owner_name, ${ownerSortSql(sql`a.owner_name`)},
           ${debit ? 1 : 0}, ${debit ? amountMinor.toString() : '0'}::bigint,
           ${debit ? 0 : 1}, ${debit ? '0' : amountMinor.toString()}::bigint, ${now.toISOString()}::timestamptz
    from accounts a where a.organization_id = ${organizationId} and a.id = ${accountId}
    on conflict (organization_id, account_id) do update set
      debit_count = account_reconciliation.debit_count + excluded.debit_count,
      debit_minor = account_reconciliation.debit_minor + excluded.debit_minor,
      credit_count = account_reconciliation.credit_count + excluded.credit_count,
      credit_minor = account_reconciliation.credit_minor + excluded.credit_minor,
      updated_at = excluded.updated_at`;
}

/**
 * The summary after a reconcile, from its plan instead of re-aggregating the account (RA1–RA3): the plan was
 * made from the account's counted amounts read from its row-locked open documents under the account lock
 * (countedForReconcileSql, the same RA2 expressions as countedDebitsSql and countedCreditsSql), and every
 * writer of what an account owes takes that lock first (accounts/account-lock.ts), so until the commit the
 * account's counted amounts are exactly the plan's remainders: a debit's counted amount falls by what was
 * allocated to it (its cover does not move), a credit's open amount likewise. The re-aggregation was the
 * reconcile's most expensive statement (2.6 ms of about 10 under 4 clients, most of it planning;
 * bench/reconcilable-accounts.ts); this one is a primary-key upsert that runs beside the batch's INSERT.
 * The doctor, the reconcile tests and the money model recompute it.
 */
export function summaryAfterReconcileSql(
  organizationId: string,
  accountId: string,
  left: { debitCount: number; debitMinor: bigint; creditCount: number; creditMinor: bigint },
  now: Date,
) {
  return sql`
    insert into account_reconciliation
      (organization_id, account_id, owner_name, owner_sort, debit_count, debit_minor, credit_count, credit_minor, updated_at)
    select a.organization_id, a.id, a.owner_name, ${ownerSortSql(sql`a.owner_name`)},
           ${left.debitCount}::int, ${left.debitMinor.toString()}::bigint,
           ${left.creditCount}::int, ${left.creditMinor.toString()}::bigint, ${now.toISOString()}::timestamptz
    from accounts a where a.organization_id = ${organizationId} and a.id = ${accountId}
    on conflict (organization_id, account_id) do update set
      debit_count = excluded.debit_count, debit_minor = excluded.debit_minor,
      credit_count = excluded.credit_count, credit_minor = excluded.credit_minor,
      updated_at = excluded.updated_at`;
}

/** addPostedDocumentToSummarySql as a statement of its own. */
export async function addPostedDocumentToSummary(
  tx: Db,
  organizationId: string,
  accountId: string,
  side: 'debit' | 'credit',
  amountMinor: bigint,
  now: Date,
) {
  await tx.execute(addPostedDocumentToSummarySql(organizationId, accountId, side, amountMinor, now));
}

export interface SummaryMismatch {
  organizationId: string;
  accountId: string;
  stored: { debitCount: number; debitMinor: string; creditCount: number; creditMinor: string } | null;
  computed: { debitCount: number; debitMinor: string; creditCount: number; creditMinor: string };
}

/** The doctor: recomputes every summary of an organization (or all) from the documents and lists disagreements. */
export async function findSummaryMismatches(db: Db, organizationId?: string): Promise<SummaryMismatch[]> {
  const found = await rows<Record<string, unknown>>(
    db,
    sql`
    with counted as (
      select a.organization_id, a.id as account_id,
        (select count(*) from (${countedDebitsRaw()}) d where d.counted_minor > 0)::int as debit_count,
        coalesce((select sum(counted_minor) from (${countedDebitsRaw()}) d), 0)::bigint as debit_minor,
        (select count(*) from documents c where c.organization_id = a.organization_id and c.account_id = a.id
            and c.side = 'credit' and c.status = 'posted' and c.open_minor > 0)::int as credit_count,
        coalesce((select sum(c.open_minor) from documents c where c.organization_id = a.organization_id
            and c.account_id = a.id and c.side = 'credit' and c.status = 'posted' and c.open_minor > 0), 0)::bigint
            as credit_minor
      from accounts a
      ${organizationId ? sql`where a.organization_id = ${organizationId}` : sql``}
    )
    select c.*, s.debit_count as s_debit_count, s.debit_minor as s_debit_minor,
           s.credit_count as s_credit_count, s.credit_minor as s_credit_minor, s.account_id is not null as has_row
    from counted c
    left join account_reconciliation s on s.organization_id = c.organization_id and s.account_id = c.account_id
    where s.account_id is null and (c.debit_count > 0 or c.credit_count > 0)
       or s.debit_count <> c.debit_count or s.debit_minor <> c.debit_minor
       or s.credit_count <> c.credit_count or s.credit_minor <> c.credit_minor`,
  );
  return found.map((r) => ({
    organizationId: String(r.organization_id),
    accountId: String(r.account_id),
    stored: r.has_row
      ? {
          debitCount: Number(r.s_debit_count),
          debitMinor: String(r.s_debit_minor),
          creditCount: Number(r.s_credit_count),
          creditMinor: String(r.s_credit_minor),
        }
      : null,
    computed: {
      debitCount: Number(r.debit_count),
      debitMinor: String(r.debit_minor),
      creditCount: Number(r.credit_count),
      creditMinor: String(r.credit_minor),
    },
  }));
}

/** countedDebitsSql for the outer query's account `a` (same rule, correlated instead of parameterised). */
function countedDebitsRaw() {
  return sql`
    select greatest(d.open_minor - case when d.kind = 'invoice'
      then ${invoiceCoverSql(sql`d.organization_id`, sql`d.id`)} else 0 end, 0) as counted_minor
    from documents d
    where d.organization_id = a.organization_id and d.account_id = a.id
      and d.side = 'debit' and d.status = 'posted' and d.open_minor > 0`;
}

/**
 * The bulk summary refresh: RA1–RA3 with RA2's cover for every account of an organization, in one statement
 * (bulk loads — the demo, benchmarks — and the doctor's repair of a whole organization).
 */
export async function refreshAllReconciliationSummaries(db: Db, org: string, now: Date) {
  await db.execute(sql`
    with cover as (${organizationCoverSql(org)}), counted as (
      select d.account_id, d.side,
             case when d.side = 'debit' then greatest(d.open_minor - coalesce(c.amount, 0), 0) else d.open_minor end as counted
      from documents d left join cover c on d.kind = 'invoice' and c.invoice_id = d.id
      where d.organization_id = ${org} and d.status = 'posted' and d.open_minor > 0
    ), per as (
      select account_id,
        count(*) filter (where side = 'debit' and counted > 0)::int as dc,
        coalesce(sum(counted) filter (where side = 'debit'), 0)::bigint as dm,
        count(*) filter (where side = 'credit')::int as cc,
        coalesce(sum(counted) filter (where side = 'credit'), 0)::bigint as cm
      from counted group by account_id
    )
    insert into account_reconciliation
      (organization_id, account_id, owner_name, owner_sort, debit_count, debit_minor, credit_count, credit_minor, updated_at)
    select a.organization_id, a.id, a.owner_name, ${ownerSortSql(sql`a.owner_name`)},
           coalesce(p.dc, 0), coalesce(p.dm, 0), coalesce(p.cc, 0), coalesce(p.cm, 0), ${now.toISOString()}::timestamptz
    from accounts a left join per p on p.account_id = a.id
    where a.organization_id = ${org}
    on conflict (organization_id, account_id) do update set
      debit_count = excluded.debit_count, debit_minor = excluded.debit_minor,
      credit_count = excluded.credit_count, credit_minor = excluded.credit_minor, updated_at = excluded.updated_at`);
}
