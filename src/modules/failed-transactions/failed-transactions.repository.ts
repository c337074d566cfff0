import { and, eq, gt, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { withCompiledRows } from '../../platform/db/compiled-rows';
import type { Db } from '../../platform/db/db';
import { big, rows } from '../../platform/db/db';
import { accountOwner, ownerNameOf } from '../accounts/accounts.reads';
import { methodLabelsByIds, paymentMethodJoin } from '../payment-methods/payment-methods.reads';
import {
  type PauseInForce,
  type PolicyInForce,
  parsePause,
  parsePolicyInForce,
  pauseInForceOf,
  policyInForceOf,
} from '../recovery/recovery.reads';
import { medianTenths } from '../recovery/recovery-analytics';
import { type FailedTransactionType, failedTransactions as ft } from './failed-transactions.table';

export type FailedTransactionRow = typeof ft.$inferSelect;

export interface ListFilters {
  paymentMethod?: 'card' | 'echeck';
  type?: FailedTransactionType;
  reason?: string;
  /** RC4: `automatic` — the policy will retry it by itself; `manual` — it needs someone */
  retry?: 'automatic' | 'manual';
  /** FT7: only the entries whose money was collected another way (the list's "paid elsewhere only") */
  paidElsewhere?: boolean;
}

/** The same filters as placeholders of a statement built once (the list's page, `pageRows`). */
type ListFilterParams = {
  paymentMethod?: SQLWrapper;
  type?: SQLWrapper;
  reason?: SQLWrapper;
  retry?: ListFilters['retry'];
  paidElsewhere?: boolean;
};

export interface ListedEntry {
  entry: FailedTransactionRow;
  customerName: string;
  method: { type: 'card' | 'echeck'; brand: string | null; last4: string | null };
  /** the open amount of the invoice the money was for; null when there is none (refunds) */
  invoiceOpenMinor: bigint | null;
  /** FT5: the payment method the subscription or plan has now (null for other types) */
  currentPaymentMethodId: string | null;
  /**
   * MS1/FT7: where the entry's own obligation stands — `collected` when its scheduled payment is paid or a
   * collection of it succeeded (a portal payment, an eCheck that settled), `in_flight` while one runs.
   */
  collection: 'collected' | 'in_flight' | null;
  /** FT5: the method the next try will charge, when the subscription or plan has another one now */
  currentMethod?: { type: 'card' | 'echeck'; brand: string | null; last4: string | null };
  /** RC5: the account's dunning pause in force, read with the page (undefined where it was not read) */
  pause?: PauseInForce | null;
}

// The partial indexes of failed-transactions.table.ts match this literal predicate (../shared/STACK-NOTES.md).
const ON_LIST = sql`${ft.status} in ('open', 'retrying')`;

/**
 * Newest failure first, in the partial indexes' own order. Drizzle-kit writes `.desc()` index columns as
 * `DESC NULLS LAST`, while a bare `ORDER BY … DESC` means NULLS FIRST: with that mismatch PostgreSQL cannot
 * read the index in order and sorts the whole list for every page (75 ms at 100,000 entries against
 * 0.3 ms; bench/failed-transactions.ts). Both columns are NOT NULL, so the rows come out the same.
 */
const NEWEST_FIRST = [sql`${ft.failedAt} desc nulls last`, sql`${ft.id} desc nulls last`];

/**
 * What is on the list with these filters: the list's pages and the export share it, so that an export is
 * exactly what the list shows (FT9).
 */
export function listConditions(
  organizationId: string | SQLWrapper,
  filters: ListFilters | ListFilterParams,
): SQL[] {
  const conditions = [eq(ft.organizationId, organizationId), ON_LIST];
  if (filters.paymentMethod) conditions.push(eq(ft.paymentMethodType, filters.paymentMethod));
  if (filters.type) conditions.push(eq(ft.type, filters.type));
  if (filters.reason) conditions.push(eq(ft.reasonCode, filters.reason));
  if (filters.retry === 'automatic') conditions.push(sql`${ft.nextRetryAt} is not null`);
  if (filters.retry === 'manual') conditions.push(sql`${ft.nextRetryAt} is null`);
  // FT7 as `paidElsewhere()` of the service judges it from `collection` and `invoiceOpenMinor`: its own
  // obligation paid, a collection of it that succeeded (at most one: transactions_one_collection), or
  // nothing left open on the invoice; never a refund.
  if (filters.paidElsewhere) {
    conditions.push(sql`(${ft.type} <> 'refund' and (
      exists (select 1 from scheduled_payments sp where sp.organization_id = ${ft.organizationId}
        and sp.id = ${ft.scheduledPaymentId} and sp.status = 'paid')
      or exists (select 1 from transactions t where t.organization_id = ${ft.organizationId}
        and t.obligation_id = coalesce(${ft.scheduledPaymentId}, ${ft.id}) and t.obligation_id is not null
        and t.status in ('succeeded', 'settled'))
      or exists (select 1 from documents d where d.organization_id = ${ft.organizationId}
        and d.id = ${ft.invoiceId} and d.open_minor <= 0)))`);
  }
  return conditions;
}

/** The entry's payment method, joined under an alias the list's subqueries do not use. */
const method = paymentMethodJoin('pm');

/** Queries for section 1; no rules here (they are in the service). */
export class FailedTransactionsRepository {
  /** the page's statements by shape (at most a few hundred: the filters' combinations) */
  private readonly pages = new Map<string, ReturnType<FailedTransactionsRepository['buildPage']>>();

  constructor(
    private readonly db: Db,
    /** false: Drizzle's own row mapping for the page (the test comparing both) */
    private readonly opts: { compiledRows?: boolean } = {},
  ) {}

  /**
   * The list's statement. Only failed_transactions and payment_methods are joined; the owner's name, the
   * invoice's open amount and the subscription's or plan's current method are scalar subqueries on primary
   * keys. The result is the same as with joins (the account always exists: a foreign key), but PostgreSQL
   * plans it in about 1.6 ms instead of 4–5 ms for the seven-table join, which was most of a page's time
   * (bench/failed-transactions.ts).
   */
  private listQuery(db: Db, pausesAt?: Date | SQLWrapper, policyOf?: string | SQLWrapper) {
    return db
      .select({
        // RC1/RC3: the policy in one sub-select evaluated once for the statement (the same on every row).
        policy: policyOf ? policyInForceOf(policyOf) : sql<string | null>`null::text`,
        pause: pausesAt
          ? pauseInForceOf(ft.organizationId, ft.accountId, pausesAt)
          : sql<string | null>`null::text`,
        entry: ft,
        customerName: ownerNameOf(ft.organizationId, ft.accountId),
        pmType: method.type,
        pmBrand: method.brand,
        pmLast4: method.last4,
        invoiceOpenMinor: sql<bigint | null>`(select d.open_minor from documents d
          where d.organization_id = ${ft.organizationId} and d.id = ${ft.invoiceId})`.mapWith(BigInt),
        // FT5: the method the subscription or plan has now.
        currentMethodId: sql<string | null>`(select coalesce(s.payment_method_id, p.payment_method_id)
          from scheduled_payments sp
          left join subscriptions s on s.organization_id = sp.organization_id and s.id = sp.subscription_id
          left join installment_plans p on p.organization_id = sp.organization_id and p.id = sp.installment_plan_id
          where sp.organization_id = ${ft.organizationId} and sp.id = ${ft.scheduledPaymentId})`,
        // The payments module owns `transactions`: read here, never written. The predicate repeats its
        // partial unique index's (one collection per obligation, MS1) so that the index answers it.
        // A scalar sub-select on the primary key, not `exists (… and status = 'paid')`: PostgreSQL turns that
        // EXISTS into a hashed subplan, one sequential scan of every paid scheduled payment of the
        // organization per page (2.6 ms of a 4 ms page at 24,000 scheduled payments, growing with them;
        // bench/failed-transactions.ts --plan), where this is one index probe per row.
        collection: sql<string | null>`(case
          when (select sp.status from scheduled_payments sp
            where sp.organization_id = ${ft.organizationId} and sp.id = ${ft.scheduledPaymentId}) = 'paid'
            then 'collected'
          else (select case when t.status in ('succeeded', 'settled') then 'collected' else 'in_flight' end
            from transactions t
            where t.organization_id = ${ft.organizationId}
              and t.obligation_id = coalesce(${ft.scheduledPaymentId}, ${ft.id})
              and t.obligation_id is not null and t.status in ('processing', 'pending', 'succeeded', 'settled')
            limit 1)
          end)`,
      })
      .from(ft)
      .leftJoin(method.source, method.on(ft.organizationId, ft.paymentMethodId));
  }

  private static toListed(r: {
    entry: FailedTransactionRow;
    customerName: string;
    pmType: 'card' | 'echeck' | null;
    pmBrand: string | null;
    pmLast4: string | null;
    invoiceOpenMinor: bigint | null;
    currentMethodId: string | null;
    collection: string | null;
    pause: string | null;
  }): ListedEntry {
    return {
      pause: parsePause(r.pause),
      entry: r.entry,
      customerName: r.customerName,
      method: { type: r.pmType ?? r.entry.paymentMethodType, brand: r.pmBrand, last4: r.pmLast4 },
      invoiceOpenMinor: r.invoiceOpenMinor,
      currentPaymentMethodId: r.currentMethodId ?? null,
      collection: r.collection === 'collected' || r.collection === 'in_flight' ? r.collection : null,
    };
  }

  /** One page of the list, newest failure first (failed_at desc, id desc), after the cursor's row. */
  async page(
    organizationId: string,
    filters: ListFilters,
    opts: { limit: number; after?: { at: Date; id: string }; pausesAt?: Date },
  ): Promise<ListedEntry[]> {
    const found = await this.pageRows(organizationId, filters, opts, false);
    return found.map(FailedTransactionsRepository.toListed);
  }

  /**
   * The same page with the organization's policy in force read by the same statement (one round trip for
   * the list's page); `policy` is null when the page is empty (nothing to present it on).
   */
  async pageWithPolicy(
    organizationId: string,
    filters: ListFilters,
    opts: { limit: number; after?: { at: Date; id: string }; pausesAt?: Date },
  ): Promise<{ entries: ListedEntry[]; policy: PolicyInForce | null }> {
    const found = await this.pageRows(organizationId, filters, opts, true);
    return {
      entries: found.map(FailedTransactionsRepository.toListed),
      policy: found[0] ? parsePolicyInForce(found[0].policy) : null,
    };
  }

  /**
   * The page's statement, built once per shape (which filters, a cursor or not, with the pauses and the
   * policy or not) with placeholders for every value, then run with this page's values. Drizzle's query
   * building was 0.23–0.34 ms of a 2.4 ms page at every request, a third of what the API cost above its
   * floor (bench/failed-transactions.ts). `prepare()` is given no name: the pool decides whether the text
   * becomes a named statement (on a direct connection, platform/db/statement-cache.ts) or stays unnamed
   * (behind PgBouncer's transaction pooling, README "Deploy"). Its rows are mapped by a function compiled
   * once (platform/db/compiled-rows.ts): Drizzle's generic mapping was another 0.3 ms of the page.
   */
  private pageRows(
    organizationId: string,
    filters: ListFilters,
    opts: { limit: number; after?: { at: Date; id: string }; pausesAt?: Date },
    withPolicy: boolean,
  ) {
    const shape = [
      filters.paymentMethod ? 'method' : '',
      filters.type ? 'type' : '',
      filters.reason ? 'reason' : '',
      filters.retry ?? '',
      filters.paidElsewhere ? 'elsewhere' : '',
      opts.after ? 'after' : '',
      opts.pausesAt ? 'pauses' : '',
      withPolicy ? 'policy' : '',
    ].join('|');
    let prepared = this.pages.get(shape);
    if (!prepared) {
      prepared = this.buildPage(filters, Boolean(opts.after), Boolean(opts.pausesAt), withPolicy);
      this.pages.set(shape, prepared);
    }
    return prepared.execute({
      org: organizationId,
      method: filters.paymentMethod,
      type: filters.type,
      reason: filters.reason,
      afterAt: opts.after?.at.toISOString(),
      afterId: opts.after?.id,
      pausesAt: opts.pausesAt?.toISOString(),
      limit: opts.limit,
    });
  }

  private buildPage(filters: ListFilters, after: boolean, pauses: boolean, withPolicy: boolean) {
    const p = (name: string) => sql.placeholder(name);
    const conditions = listConditions(p('org'), {
      paymentMethod: filters.paymentMethod ? p('method') : undefined,
      type: filters.type ? p('type') : undefined,
      reason: filters.reason ? p('reason') : undefined,
      retry: filters.retry,
      paidElsewhere: filters.paidElsewhere,
    });
    if (after) {
      conditions.push(sql`(${ft.failedAt}, ${ft.id}) < (${p('afterAt')}::timestamptz, ${p('afterId')})`);
    }
    const prepared = this.listQuery(
      this.db,
      pauses ? p('pausesAt') : undefined,
      withPolicy ? p('org') : undefined,
    )
      .where(and(...conditions))
      .orderBy(...NEWEST_FIRST)
      .limit(p('limit'))
      // No name (the pool's choice, above): drizzle's `prepare` types the name as required, its drivers do not.
      .prepare(undefined as unknown as string);
    return this.opts.compiledRows === false ? prepared : withCompiledRows(prepared);
  }

  /** The methods a page's subscriptions and plans have now (FT5), read once for the page by primary key. */
  async methodsByIds(organizationId: string, ids: string[]) {
    return methodLabelsByIds(this.db, organizationId, ids);
  }

  /** FT11 portal: the payments (not refunds) of one account still on the list, newest first. */
  async forAccount(organizationId: string, accountId: string): Promise<ListedEntry[]> {
    const found = await this.listQuery(this.db)
      .where(
        and(
          eq(ft.organizationId, organizationId),
          eq(ft.accountId, accountId),
          ON_LIST,
          sql`${ft.type} <> 'refund'`,
        ),
      )
      .orderBy(...NEWEST_FIRST)
      .limit(200);
    return found.map(FailedTransactionsRepository.toListed);
  }

  /** One entry with what the list shows, for the checks of retry (FT5, FT12). */
  async getListed(db: Db, organizationId: string, id: string): Promise<ListedEntry | null> {
    const [found] = await this.listQuery(db)
      .where(and(eq(ft.organizationId, organizationId), eq(ft.id, id)))
      .limit(1);
    return found ? FailedTransactionsRepository.toListed(found) : null;
  }

  async get(db: Db, organizationId: string, id: string): Promise<FailedTransactionRow | null> {
    const [found] = await db
      .select()
      .from(ft)
      .where(and(eq(ft.organizationId, organizationId), eq(ft.id, id)))
      .limit(1);
    return found ?? null;
  }

  /** The account owner a notice goes to. */
  owner(db: Db, organizationId: string, accountId: string) {
    return accountOwner(db, organizationId, accountId);
  }

  async countOnList(organizationId: string): Promise<number> {
    const [found] = await this.db
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(ft)
      .where(and(eq(ft.organizationId, organizationId), ON_LIST));
    return found?.n ?? 0;
  }

  /** FT10: entries whose first failure is in (since, until], oldest first (the digest's window). */
  async failedSince(organizationId: string, since: Date, until: Date, db: Db = this.db) {
    return db
      .select({
        id: ft.id,
        paymentId: ft.paymentId,
        type: ft.type,
        amountMinor: ft.amountMinor,
        currency: ft.currency,
        firstFailedAt: ft.firstFailedAt,
        customerName: ownerNameOf(ft.organizationId, ft.accountId),
      })
      .from(ft)
      .where(
        and(
          eq(ft.organizationId, organizationId),
          gt(ft.firstFailedAt, since),
          sql`${ft.firstFailedAt} <= ${until.toISOString()}::timestamptz`,
        ),
      )
      .orderBy(ft.firstFailedAt, ft.id);
  }

  /**
   * Open card entries whose next automatic retry falls in (from, until] (the reminder before a retry),
   * read on the `failed_transactions_retry_due` range.
   */
  async retriesWithin(db: Db, organizationId: string, from: Date, until: Date) {
    return db
      .select()
      .from(ft)
      .where(
        and(
          eq(ft.organizationId, organizationId),
          sql`${ft.status} = 'open' and ${ft.nextRetryAt} is not null`,
          sql`${ft.nextRetryAt} > ${from.toISOString()}::timestamptz`,
          sql`${ft.nextRetryAt} <= ${until.toISOString()}::timestamptz`,
          eq(ft.paymentMethodType, 'card'),
          sql`${ft.type} <> 'refund'`,
        ),
      )
      .orderBy(ft.nextRetryAt, ft.id);
  }

  /**
   * Recovery analytics (RC7): every payment (not refund) that first failed in [from, to), with what the
   * ledger says became of it — the collected amount of the attempt that resolved it, what the owner paid in
   * the portal, the invoice's open amount. Reads the `failed_transactions_recent` range. The endpoint uses
   * `recoveryAggregates`; these facts, folded in Node, are the reference it is tested against.
   */
  async recoveryFacts(organizationId: string, from: Date, to: Date) {
    const found = await rows<Record<string, unknown>>(
      this.db,
      sql`select f.id, f.payment_method_type as method, f.reason_code as reason, f.amount_minor as amount,
                 f.first_failed_at, f.status, f.recovered_by, f.resolved_at, f.ignored_at,
                 (select d.open_minor from documents d
                   where d.organization_id = f.organization_id and d.id = f.invoice_id) as invoice_open,
                 (select t.amount_minor from transactions t
                   where t.organization_id = f.organization_id and t.id = f.last_transaction_id
                     and t.status in ('succeeded', 'settled')) as resolved_amount,
                 (select coalesce(sum(t.amount_minor), 0) from transactions t
                   where t.organization_id = f.organization_id and t.failed_transaction_id = f.id
                     and t.purpose = 'portal' and t.status in ('succeeded', 'settled')) as portal_amount,
                 (select min(t.created_at) from transactions t
                   where t.organization_id = f.organization_id and t.failed_transaction_id = f.id
                     and t.purpose = 'portal' and t.status in ('succeeded', 'settled')) as portal_at
            from failed_transactions f
           where f.organization_id = ${organizationId} and f.type <> 'refund'
             and f.first_failed_at >= ${from.toISOString()}::timestamptz
             and f.first_failed_at < ${to.toISOString()}::timestamptz
           order by f.first_failed_at, f.id`,
    );
    const at = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
    return found.map((r) => ({
      id: r.id as string,
      method: r.method as 'card' | 'echeck',
      reason: r.reason as string,
      amountMinor: big(r.amount),
      firstFailedAt: at(r.first_failed_at)!,
      status: r.status as string,
      recoveredBy: (r.recovered_by as string | null) ?? null,
      resolvedAt: at(r.resolved_at),
      ignoredAt: at(r.ignored_at),
      invoiceOpenMinor: r.invoice_open === null || r.invoice_open === undefined ? null : big(r.invoice_open),
      resolvedAmountMinor:
        r.resolved_amount === null || r.resolved_amount === undefined ? null : big(r.resolved_amount),
      portalAmountMinor: big(r.portal_amount),
      portalAt: at(r.portal_at),
    }));
  }

  /**
   * Recovery analytics (RC7) aggregated in one statement, so that only the groups cross the wire (the facts
   * of `recoveryFacts`, 100,000 rows for a year, took seconds to move and fold in Node; bench/README.md).
   * `o` is each failure's outcome by RC7's rule, exactly as `outcomeOf` (src/modules/recovery/
   * recovery-analytics.ts) decides it, case by case in the same order; GROUPING SETS give the total and the
   * groups by local week (the organization's time zone, ISO weeks from Monday), method, reason and path.
   * The median keeps the Node definition (the mean of the two middle values, in milliseconds truncated as a
   * JS Date truncates them): `percentile_disc(0.5)` ascending and descending are the lower and upper middles.
   * The reasons carry their rank of first appearance (by first failure, then id), the order the Node
   * aggregation met them in, which its stable sort keeps for equal counts.
   */
  async recoveryAggregates(organizationId: string, from: Date, to: Date, timeZone: string) {
    const found = await rows<Record<string, unknown>>(
      this.db,
      recoveryAggregatesSql(organizationId, from, to, timeZone),
    );
    // grouping(week, method, reason, path): a bit set for each column the row is NOT grouped by.
    const ALL = 15;
    const BY_WEEK = 7;
    const BY_METHOD = 11;
    const BY_REASON = 13;
    const BY_PATH = 14;
    const bucket = (r: Record<string, unknown>) => ({
      failedCount: Number(r.failed_count),
      failedAmount: big(r.failed_amount),
      recoveredCount: Number(r.recovered_count),
      recoveredAmount: big(r.recovered_amount),
    });
    const of = (g: number) => found.filter((r) => Number(r.g) === g);
    const total = of(ALL)[0];
    const lo = total?.lo_ms ?? null;
    const hi = total?.hi_ms ?? null;
    return {
      total: total
        ? bucket(total)
        : { failedCount: 0, failedAmount: 0n, recoveredCount: 0, recoveredAmount: 0n },
      openCount: total ? Number(total.open_count) : 0,
      // The Node definition: the mean of the two middle values (or the middle one twice), in tenths of a day.
      medianDaysToRecover:
        lo === null || hi === null ? null : medianTenths(BigInt(lo as string), BigInt(hi as string)) / 10,
      weeks: of(BY_WEEK).map((r) => [r.week as string, bucket(r)] as [string, ReturnType<typeof bucket>]),
      methods: of(BY_METHOD).map(
        (r) => [r.method as string, bucket(r)] as [string, ReturnType<typeof bucket>],
      ),
      reasons: of(BY_REASON)
        .sort((x, y) => Number(x.reason_rank) - Number(y.reason_rank))
        .map((r) => [r.reason as string, bucket(r)] as [string, ReturnType<typeof bucket>]),
      paths: new Map(
        of(BY_PATH)
          .filter((r) => r.path !== null && r.path !== undefined)
          .map((r) => [r.path as string, { count: Number(r.failed_count), amount: big(r.path_amount) }]),
      ),
    };
  }

  /**
   * The digest's recovery part: open entries the policy retries by itself in [from, until), and entries a
   * retry recovered in [since, until] (the digest's 24 hours).
   */
  async digestRecovery(organizationId: string, since: Date, now: Date, until: Date) {
    const line = {
      id: ft.id,
      paymentId: ft.paymentId,
      amountMinor: ft.amountMinor,
      currency: ft.currency,
      reasonCode: ft.reasonCode,
      customerName: ownerNameOf(ft.organizationId, ft.accountId),
      nextRetryAt: ft.nextRetryAt,
      resolvedAt: ft.resolvedAt,
      recoveredBy: ft.recoveredBy,
    };
    const [scheduled, recovered] = await Promise.all([
      this.db
        .select(line)
        .from(ft)
        .where(
          and(
            eq(ft.organizationId, organizationId),
            sql`${ft.status} = 'open' and ${ft.nextRetryAt} is not null`,
            sql`${ft.nextRetryAt} >= ${now.toISOString()}::timestamptz`,
            sql`${ft.nextRetryAt} < ${until.toISOString()}::timestamptz`,
          ),
        )
        .orderBy(ft.nextRetryAt, ft.id),
      this.db
        .select(line)
        .from(ft)
        .where(
          and(
            eq(ft.organizationId, organizationId),
            eq(ft.status, 'resolved'),
            sql`${ft.resolvedAt} >= ${since.toISOString()}::timestamptz`,
            sql`${ft.resolvedAt} <= ${now.toISOString()}::timestamptz`,
          ),
        )
        .orderBy(ft.resolvedAt, ft.id),
    ]);
    return { scheduled, recovered };
  }

  /**
   * Charts: what is on the list, by reason, largest amount first. With filters (the reason's own left out),
   * the reasons the list can still be narrowed to, so that no choice offered gives an empty list.
   */
  async byReason(organizationId: string, filters: Omit<ListFilters, 'reason'> = {}) {
    return this.db
      .select({
        code: ft.reasonCode,
        amount: sql<bigint>`sum(${ft.amountMinor})`.mapWith(BigInt),
        count: sql<number>`count(*)`.mapWith(Number),
      })
      .from(ft)
      .where(and(...listConditions(organizationId, { ...filters, reason: undefined })))
      .groupBy(ft.reasonCode)
      .orderBy(sql`3 desc`, sql`2 desc`, ft.reasonCode);
  }

  /** Charts: failures (by first failure) and recoveries (by resolution) per local day since `since`. */
  async daily(organizationId: string, since: Date, timeZone: string) {
    const found = await rows<{ day: string; failures: unknown; recoveries: unknown }>(
      this.db,
      sql`
      select day, sum(failures)::int as failures, sum(recoveries)::int as recoveries from (
        select to_char(first_failed_at at time zone ${timeZone}, 'YYYY-MM-DD') as day, 1 as failures, 0 as recoveries
          from failed_transactions where organization_id = ${organizationId} and first_failed_at >= ${since.toISOString()}::timestamptz
        union all
        select to_char(resolved_at at time zone ${timeZone}, 'YYYY-MM-DD'), 0, 1
          from failed_transactions where organization_id = ${organizationId} and status = 'resolved'
           and resolved_at >= ${since.toISOString()}::timestamptz
      ) x group by day`,
    );
    return new Map(
      found.map((r) => [r.day, { failures: Number(r.failures), recoveries: Number(r.recoveries) }]),
    );
  }
}

/**
 * RC7's outcome of each failure, as CTEs ending in `x` (one row per failure: its method, reason, amount,
 * local `day` of first failure, `path` by RC7's rule exactly as `outcomeOf` (recovery/recovery-analytics.ts)
 * decides it, case by case in the same order, `path_amount`, `collected`, and `ms` from the first failure to
 * the collection, in milliseconds truncated as a JS Date truncates them). `from` is the FROM clause that
 * names the failures `f` (the table alone, or joined to the days to recompute); `where` narrows them.
 * Read by the reference statement below and by the recovery summary (recovery/recovery-summary.ts), so both
 * decide every outcome by the same text.
 * Joins rather than per-row sub-selects: a scalar sub-select would be run again in every CASE branch that
 * names it. The invoice and the resolving attempt are found by primary key; the portal payments are summed
 * once per failure and hash-joined.
 */
export function recoveryOutcomesCtes(organizationId: string, timeZone: string, from: SQL, where: SQL): SQL {
  return sql`f as materialized (
            select f.id, f.payment_method_type as method, f.reason_code as reason, f.amount_minor as amount,
                   f.first_failed_at, f.status, f.recovered_by, f.resolved_at, f.ignored_at, f.invoice_id,
                   f.last_transaction_id
              from ${from}
             where f.organization_id = ${organizationId} and f.type <> 'refund' and ${where}
          ), p as (
            select pt.failed_transaction_id, sum(pt.amount_minor) as portal_amount,
                   min(pt.created_at) as portal_at
              from transactions pt
             where pt.organization_id = ${organizationId} and pt.failed_transaction_id in (select id from f)
               and pt.purpose = 'portal' and pt.status in ('succeeded', 'settled')
             group by pt.failed_transaction_id
          ), j as (
            select f.id, f.method, f.reason, f.amount, f.first_failed_at, f.status, f.recovered_by,
                   f.resolved_at, f.ignored_at, d.open_minor as invoice_open, t.amount_minor as resolved_amount,
                   coalesce(p.portal_amount, 0) as portal_amount, p.portal_at
              from f
              left join documents d on d.organization_id = ${organizationId} and d.id = f.invoice_id
              left join transactions t on t.organization_id = ${organizationId} and t.id = f.last_transaction_id
                   and t.status in ('succeeded', 'settled')
              left join p on p.failed_transaction_id = f.id
          ), o as (
            select j.*,
                   case when status = 'resolved' then
                          case when recovered_by in ('automatic_retry', 'manual_retry', 'card_update',
                                 'portal_payment', 'paid_elsewhere', 'rescheduled', 'ignored')
                               then recovered_by else 'manual_retry' end
                        when portal_amount > 0 then 'portal_payment'
                        when status = 'rescheduled' then 'rescheduled'
                        when invoice_open is not null and invoice_open <= 0 then 'paid_elsewhere'
                        when status = 'ignored' then 'ignored' end as path,
                   case when status = 'resolved' then coalesce(resolved_amount, amount)
                        when portal_amount > 0 then portal_amount
                        when status = 'rescheduled' then amount
                        when invoice_open is not null and invoice_open <= 0 then amount
                        else 0 end as path_amount,
                   case when status = 'resolved' then resolved_at
                        when portal_amount > 0 then portal_at
                        when status = 'rescheduled' then resolved_at
                        else ignored_at end as path_at
              from j
          ), x as (
            select o.*,
                   coalesce(path in ('automatic_retry', 'manual_retry', 'card_update', 'portal_payment',
                     'paid_elsewhere'), false) as collected,
                   (first_failed_at at time zone ${timeZone})::date as day,
                   floor(extract(epoch from path_at) * 1000)::bigint
                     - floor(extract(epoch from first_failed_at) * 1000)::bigint as ms
              from o
          )`;
}

/**
 * The reference statement of RC7's figures, straight from the entries, the ledger and the attempts (the
 * recovery summary is tested and doctored against it; bench/recovery.ts EXPLAINs it). GROUPING SETS give
 * the total and the groups by local week (ISO weeks from Monday), method, reason and path; the median's two
 * middle values are `percentile_disc(0.5)` ascending and descending.
 */
export function recoveryAggregatesSql(organizationId: string, from: Date, to: Date, timeZone: string): SQL {
  return sql`with ${recoveryOutcomesCtes(
    organizationId,
    timeZone,
    sql`failed_transactions f`,
    sql`f.first_failed_at >= ${from.toISOString()}::timestamptz
               and f.first_failed_at < ${to.toISOString()}::timestamptz`,
  )}, a as (
            select grouping(week, method, reason, path)::int as g, week, method, reason, path,
                   count(*)::int as failed_count,
                   coalesce(sum(amount), 0)::text as failed_amount,
                   (count(*) filter (where collected))::int as recovered_count,
                   coalesce(sum(path_amount) filter (where collected), 0)::text as recovered_amount,
                   (count(*) filter (where path is null))::int as open_count,
                   coalesce(sum(path_amount), 0)::text as path_amount,
                   min(first_failed_at) as first_at
              from (select x.*, to_char(date_trunc('week', x.day::timestamp), 'YYYY-MM-DD') as week from x) xw
             group by grouping sets ((), (week), (method), (reason), (path))
          ), m as (
            -- Apart from the grouping sets, which can then be hashed rather than sorted for an ordered-set
            -- aggregate in every set; the median is only the total's.
            select percentile_disc(0.5) within group (order by ms) as lo_ms,
                   percentile_disc(0.5) within group (order by ms desc) as hi_ms
              from x where collected and path_at is not null
          )
          select a.g, a.week, a.method, a.reason, a.path, a.failed_count, a.failed_amount, a.recovered_count,
                 a.recovered_amount, a.open_count, a.path_amount, m.lo_ms::text as lo_ms, m.hi_ms::text as hi_ms,
                 case when a.g = 13 then row_number() over (partition by a.g order by a.first_at,
                   (select min(f.id) from failed_transactions f
                     where f.organization_id = ${organizationId} and f.type <> 'refund'
                       and f.reason_code = a.reason and f.first_failed_at = a.first_at)) end as reason_rank
            from a cross join m`;
}
