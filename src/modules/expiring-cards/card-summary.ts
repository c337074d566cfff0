import { type SQL, sql } from 'drizzle-orm';
import { type Db, rows } from '../../platform/db/db';

/**
 * What the billing core reports when something a card's row (EC1–EC3) is made of may have changed: the
 * cards themselves, scheduled payments (their card is their subscription's or plan's now), or an account
 * (its owner's name is on its cards' rows).
 */
export interface CardChange {
  organizationId: string;
  paymentMethodIds?: readonly string[];
  scheduledPaymentIds?: readonly string[];
  accountId?: string;
}

/**
 * The rows of `card_upcoming_payments` computed from the source tables: a card saved in the wallet that pays
 * at least one scheduled payment of a subscription or installment plan pointing at it now. `cards` filters
 * the payment methods (SQL over `pm`).
 */
const cardRowsSql = (organizationId: string | null, cards: SQL) => sql`
  with up as (
    select s.organization_id, s.payment_method_id as pm_id, sp.due_date, sp.amount_minor
      from subscriptions s
      join scheduled_payments sp on sp.organization_id = s.organization_id and sp.subscription_id = s.id
     where sp.status = 'scheduled' and (${organizationId}::text is null or s.organization_id = ${organizationId})
    union all
    select ip.organization_id, ip.payment_method_id, sp.due_date, sp.amount_minor
      from installment_plans ip
      join scheduled_payments sp on sp.organization_id = ip.organization_id and sp.installment_plan_id = ip.id
     where sp.status = 'scheduled' and (${organizationId}::text is null or ip.organization_id = ${organizationId})
  ), daily as (
    select up.organization_id, up.pm_id, up.due_date, count(*) as n, sum(up.amount_minor) as amount
      from up group by up.organization_id, up.pm_id, up.due_date
  )
  insert into card_upcoming_payments (organization_id, payment_method_id, account_id, owner_name, exp_year,
      exp_month, upcoming_count, next_date, next_amount_minor, at_risk_minor)
  select pm.organization_id, pm.id, pm.account_id, a.owner_name, pm.exp_year, pm.exp_month,
    sum(d.n), min(d.due_date), (array_agg(d.amount order by d.due_date))[1],
    -- EC3's amount at risk: what falls due after the last day of the expiry month
    coalesce(sum(d.amount) filter (
      where d.due_date >= (make_date(pm.exp_year, pm.exp_month, 1) + interval '1 month')::date), 0)
  from daily d
  join payment_methods pm on pm.organization_id = d.organization_id and pm.id = d.pm_id
  join accounts a on a.organization_id = pm.organization_id and a.id = pm.account_id
  where pm.type = 'card' and pm.in_wallet and pm.exp_year between 1 and 9998 and pm.exp_month between 1 and 12
    and ${cards}
  group by pm.organization_id, pm.id, pm.account_id, a.owner_name, pm.exp_year, pm.exp_month`;

/**
 * Recomputes the rows of the cards a change touched, inside the transaction that made it (called outside
 * one, its statements would commit one by one). The cards' own
 * rows are locked first (in ID order), so two transactions refreshing one card run one after the other and
 * the second reads what the first committed: the count stays exact under concurrent writers.
 */
export async function refreshCards(tx: Db, change: CardChange): Promise<void> {
  const org = change.organizationId;
  const pmIds = [...(change.paymentMethodIds ?? [])];
  const spIds = [...(change.scheduledPaymentIds ?? [])];
  if (pmIds.length === 0 && spIds.length === 0 && !change.accountId) return;
  const touched = await rows<{ id: string }>(
    tx,
    sql`select pm.id from payment_methods pm
         where pm.organization_id = ${org} and (
           pm.id = any(${sql.param(pmIds)}::text[])
           or pm.account_id = ${change.accountId ?? null}
           or pm.id in (
             select coalesce(s.payment_method_id, ip.payment_method_id)
               from scheduled_payments sp
               left join subscriptions s on s.organization_id = sp.organization_id and s.id = sp.subscription_id
               left join installment_plans ip
                 on ip.organization_id = sp.organization_id and ip.id = sp.installment_plan_id
              where sp.organization_id = ${org} and sp.id = any(${sql.param(spIds)}::text[])))
         order by pm.id
         for no key update of pm`,
  );
  const ids = [...new Set([...pmIds, ...touched.map((r) => r.id)])];
  if (ids.length === 0) return;
  await tx.execute(
    sql`delete from card_upcoming_payments
         where organization_id = ${org} and payment_method_id = any(${sql.param(ids)}::text[])`,
  );
  await tx.execute(cardRowsSql(org, sql`pm.id = any(${sql.param(ids)}::text[])`));
}

/** Rebuilds the rows of one organization (or of all, with null) set-based: bulk loads, checks, repair. */
export async function rebuildCardSummary(db: Db, organizationId: string | null): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`delete from card_upcoming_payments where ${organizationId}::text is null or organization_id = ${organizationId}`,
    );
    await tx.execute(cardRowsSql(organizationId, sql`true`));
    const [counted] = await rows<{ n: unknown }>(
      tx,
      sql`select count(*) as n from card_upcoming_payments
           where ${organizationId}::text is null or organization_id = ${organizationId}`,
    );
    return Number(counted?.n ?? 0);
  });
}
