import { type SQL, sql } from 'drizzle-orm';

/**
 * RA2 (and MS2), written once: what will still come in for an invoice, so that it is not "unreconciled"
 * for that part, a plan may not exceed it, and a charge collects only what remains:
 * - scheduled payments for it that are still to run or running (`scheduled`, `processing`), or that failed
 *   and whose Action Center entry is still on the list (the money is being recovered);
 * - money in flight for it outside any schedule: a card charge or eCheck debit recorded but not yet
 *   answered or settled (`transactions` `processing` or `pending`, e.g. a one-off eCheck payment).
 * A scheduled payment's own attempts are counted once, through the scheduled payment while it is still to
 * come, else as money in flight (its amount was moved elsewhere, RC6, while its collection was under way).
 * `org` and `invoice` are SQL expressions (columns of the outer query, or parameters).
 */
export function invoiceCoverSql(org: SQL, invoice: SQL): SQL {
  return sql`(coalesce((
      select sum(sp.amount_minor) from scheduled_payments sp
       where sp.organization_id = ${org} and sp.invoice_id = ${invoice} and ${stillComing}), 0)
    + ${outsideSchedulesSql(org, invoice)})`;
}

/** A scheduled payment (alias `a`) whose money is still to come: to run, running, or failed and being recovered. */
const stillComingAs = (a: string) =>
  sql.raw(`(${a}.status in ('scheduled', 'processing')
  or (${a}.status = 'failed' and exists (
        select 1 from failed_transactions ft
         where ft.organization_id = ${a}.organization_id and ft.scheduled_payment_id = ${a}.id
           and ft.status in ('open', 'retrying'))))`);
const stillComing = stillComingAs('sp');

/**
 * An attempt in flight (`t`) whose money no scheduled payment counts: outside any schedule, or collecting a
 * scheduled payment that is no longer still to come — a failed installment rescheduled (cancelled, RC6) or
 * whose entry was ignored while a portal payment or a retry of it was in flight. That money is on its way
 * all the same (MS2: the installment that received the amount must not collect it again).
 */
const inFlightUncounted = sql`(t.scheduled_payment_id is null or not exists (
    select 1 from scheduled_payments own
     where own.organization_id = t.organization_id and own.id = t.scheduled_payment_id
       and ${stillComingAs('own')}))`;

/**
 * MS2: money received FOR the invoice and left unapplied (a payment recorded for it whose allocation was
 * undone, or that is waiting for reconcile) is not collected again. Only charges read it: for RA1–RA3 it is
 * a credit to reconcile, not a cover (counting it twice would hide the account from the list).
 */
function unappliedForInvoiceSql(org: SQL, invoice: SQL): SQL {
  return sql`coalesce((
      select sum(p.open_minor) from documents p
       where p.organization_id = ${org} and p.for_invoice_id = ${invoice}
         and p.kind = 'payment' and p.status = 'posted' and p.open_minor > 0), 0)`;
}

/**
 * Money in flight for the invoice that no scheduled payment counts (one-off eCheck debits, an entry's retry,
 * the collection of an installment that was rescheduled or whose entry was ignored meanwhile).
 */
function outsideSchedulesSql(org: SQL, invoice: SQL): SQL {
  return sql`coalesce((
      select sum(t.amount_minor) from transactions t
       where t.organization_id = ${org} and t.for_invoice_id = ${invoice}
         and t.status in ('processing', 'pending') and ${inFlightUncounted}
         and t.kind <> 'refund'), 0)`;
}

/**
 * MS2: what a scheduled payment may still collect. Its invoice's open amount, less what the scheduled
 * payments due AFTER it will bring, what is in flight outside any schedule and what was received for the
 * invoice but left unapplied, at most its own amount.
 * Money that came another way (a cheque, a credit allocated) is so counted against the earliest
 * installments first — the same oldest-first order as RA5 — and no two obligations can both count on it.
 * One row `{owed_minor}`; none when the scheduled payment or its invoice is missing. A payment with no
 * invoice yet (a subscription period not yet issued) owes its amount.
 */
export function scheduledOwedSql(org: string, scheduledPaymentId: string): SQL {
  return sql`
    select case when me.invoice_id is null then me.amount_minor
           else greatest(least(me.amount_minor, d.open_minor
             - coalesce((select sum(sp.amount_minor) from scheduled_payments sp
                  where sp.organization_id = me.organization_id and sp.invoice_id = me.invoice_id
                    and (sp.due_date, sp.id) > (me.due_date, me.id) and ${stillComing}), 0)
             - ${outsideSchedulesSql(sql`me.organization_id`, sql`me.invoice_id`)}
             - ${unappliedForInvoiceSql(sql`me.organization_id`, sql`me.invoice_id`)}), 0) end::bigint as owed_minor
      from scheduled_payments me
      left join documents d on d.organization_id = me.organization_id and d.id = me.invoice_id
     where me.organization_id = ${org} and me.id = ${scheduledPaymentId}`;
}

/**
 * What a failed entry without a scheduled payment (a returned one-off eCheck) may still collect: its
 * invoice's open amount less everything else still coming for it, at most the entry's amount.
 */
export function invoiceOwedSql(org: string, invoiceId: string, amountMinor: bigint): SQL {
  return sql`
    select greatest(least(${amountMinor.toString()}::bigint,
             d.open_minor - ${invoiceCoverSql(sql`d.organization_id`, sql`d.id`)}
               - ${unappliedForInvoiceSql(sql`d.organization_id`, sql`d.id`)}), 0)::bigint as owed_minor
      from documents d where d.organization_id = ${org} and d.id = ${invoiceId}`;
}

/** The same rule for every invoice of an organization at once (bulk refresh): `invoice_id, amount` rows. */
export function organizationCoverSql(org: string): SQL {
  return sql`select x.invoice_id, sum(x.amount) as amount from (
      select sp.invoice_id, sp.amount_minor as amount from scheduled_payments sp
       where sp.organization_id = ${org} and sp.invoice_id is not null and ${stillComing}
      union all
      select t.for_invoice_id, t.amount_minor from transactions t
       where t.organization_id = ${org} and t.for_invoice_id is not null
         and t.status in ('processing', 'pending') and ${inFlightUncounted} and t.kind <> 'refund'
    ) x group by x.invoice_id`;
}
