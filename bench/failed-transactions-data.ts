/**
 * The failed-transactions benchmarks' data (bench/failed-transactions.ts, bench/api-processes.ts): the mix is
 * described in failed-transactions.ts.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../src/platform/db/db';

/** Set-based generator: `n` entries on the list over `a` accounts, plus n/5 off the list. */
export async function generate(db: Db, org: string, n: number, a: number) {
  const t0 = sql.raw(`'2026-11-01 12:00:00+00'::timestamptz`);
  await db.execute(sql`
    insert into accounts (organization_id, id, owner_name, owner_email, locale, created_at)
    select ${org}, 'acc_' || lpad(g::text, 12, '0'),
      (array['Émile','Zoé','Marie','Léa','Jean','Noël','Chloé','Hélène','Éric','Anaïs'])[1 + g % 10] || ' ' ||
      (array['Roy','Tremblay','Gagnon','Côté','Bouchard','Gauthier','Morin','Lavoie','Fortin','Ouellet'])[1 + (g / 10) % 10]
        || ' ' || (g % 997)::text,
      'owner' || g || '@example.ca', case when g % 3 = 0 then 'en-CA' else 'fr-CA' end, ${t0} - interval '400 days'
    from generate_series(1, ${a}) g`);
  // One method per account: 70 % cards, 30 % eCheck bank accounts.
  await db.execute(sql`
    insert into payment_methods (organization_id, id, account_id, type, brand, bank_name, holder_name, last4,
                                 exp_month, exp_year, gateway_token, in_wallet, created_at)
    select ${org}, 'pm_' || g, 'acc_' || lpad(g::text, 12, '0'),
           case when g % 10 < 7 then 'card' else 'echeck' end,
           case when g % 10 < 7 then (array['visa','mastercard','amex'])[1 + g % 3] end,
           case when g % 10 >= 7 then 'Desjardins' end,
           case when g % 10 >= 7 then 'Holder ' || g end,
           lpad((g % 10000)::text, 4, '0'), case when g % 10 < 7 then 1 + g % 12 end,
           case when g % 10 < 7 then 2027 + g % 3 end, 'tok_' || g, g % 2 = 0, ${t0} - interval '400 days'
    from generate_series(1, ${a}) g`);
  // Each entry: i → account 1 + (i - 1) % a; its type follows the account's method; its reason a skew.
  await db.execute(sql`create temporary table ft_mix as
    select i, acc, card, 'acc_' || lpad(acc::text, 12, '0') as account_id,
      case when card then (case when i % 10 < 2 then 'refund' when i % 10 < 6 then 'installment' else 'subscription' end)
           else (case when i % 10 < 4 then 'echeck_payment' when i % 10 < 7 then 'installment' else 'subscription' end)
      end as type,
      1000 + (i % 200) * 25 as amount
    from (select i, 1 + (i - 1) % ${a} as acc, (1 + (i - 1) % ${a}) % 10 < 7 as card
          from generate_series(1, ${n}) i) x`);
  await db.execute(sql`
    insert into documents (organization_id, id, account_id, kind, side, status, amount_minor, open_minor, currency,
                           date, created_at)
    select ${org}, case when type = 'refund' then 'pay_ft' else 'inv_ft' end || i, account_id,
           case when type = 'refund' then 'payment' else 'invoice' end,
           case when type = 'refund' then 'credit' else 'debit' end, 'posted', amount,
           -- 5 % of the invoices were paid another way (FT7: paidElsewhere)
           case when type <> 'refund' and i % 20 = 0 then 0 else amount end, 'CAD', date '2026-06-01' + i % 150,
           ${t0} - (i % 150) * interval '1 day'
    from ft_mix`);
  await db.execute(sql`
    insert into subscriptions (organization_id, id, account_id, amount_minor, interval, start_date, anchor_day,
                               payment_method_id, status, created_at)
    select ${org}, 'sub_ft' || i, account_id, amount, 'month', date '2026-01-01', 1, 'pm_' || acc, 'active',
           ${t0} - interval '300 days'
    from ft_mix where type = 'subscription'`);
  await db.execute(sql`
    insert into installment_plans (organization_id, id, account_id, invoice_id, payment_method_id, status, created_at)
    select ${org}, 'ip_ft' || i, account_id, 'inv_ft' || i, 'pm_' || acc, 'active', ${t0} - interval '300 days'
    from ft_mix where type = 'installment'`);
  await db.execute(sql`
    insert into scheduled_payments (organization_id, id, account_id, source, subscription_id, installment_plan_id,
                                    invoice_id, due_date, amount_minor, status, attempts, created_at)
    select ${org}, 'sp_ft' || i, account_id, type,
           case when type = 'subscription' then 'sub_ft' || i end,
           case when type = 'installment' then 'ip_ft' || i end,
           'inv_ft' || i, date '2026-06-01' + i % 150, amount, 'failed', 1, ${t0} - interval '300 days'
    from ft_mix where type in ('subscription', 'installment')`);
  const reason = sql.raw(`case
      when type = 'refund' then 'insufficient_merchant_funds'
      when card then (array['insufficient_funds','insufficient_funds','insufficient_funds','insufficient_funds',
                            'card_declined','card_declined','expired_card','processing_error','do_not_honor','lost_card',
                            'stolen_card','expired_card'])[1 + (i * 7) % 12]
      else (array['R01','R01','R01','R01','R09','R09','R02','R03','R07','R16'])[1 + (i * 7) % 10] end`);
  await db.execute(sql`
    insert into failed_transactions (organization_id, id, account_id, type, status, payment_id, amount_minor, currency,
      payment_method_id, payment_method_type, reason_code, attempts, representments, first_failed_at, failed_at,
      original_at, scheduled_payment_id, invoice_id, refunded_document_id, created_at)
    select ${org}, 'ft_' || lpad(i::text, 10, '0'), account_id, type,
           case when i % 100 = 0 then 'retrying' else 'open' end,
           'txn_ft' || i, amount, 'CAD', 'pm_' || acc, case when card then 'card' else 'echeck' end, ${reason},
           1 + i % 3, case when not card and i % 7 = 0 then 1 else 0 end,
           ${t0} - ((i * 7919) % 259200) * interval '1 minute' - interval '1 day',
           ${t0} - ((i * 7919) % 259200) * interval '1 minute',
           ${t0} - ((i * 7919) % 259200) * interval '1 minute' - interval '3 days',
           case when type in ('subscription', 'installment') then 'sp_ft' || i end,
           case when type <> 'refund' then 'inv_ft' || i end,
           case when type = 'refund' then 'pay_ft' || i end,
           ${t0} - ((i * 7919) % 259200) * interval '1 minute'
    from ft_mix`);
  // Off the list: recovered and ignored entries (the partial indexes leave them out).
  await db.execute(sql`
    insert into failed_transactions (organization_id, id, account_id, type, status, payment_id, amount_minor, currency,
      payment_method_id, payment_method_type, reason_code, first_failed_at, failed_at, original_at, created_at,
      resolved_at, ignored_at)
    select ${org}, 'ft_x' || lpad(i::text, 10, '0'), account_id, type,
           case when i % 4 = 0 then 'ignored' else 'resolved' end, 'txn_fx' || i, amount, 'CAD', 'pm_' || acc,
           case when card then 'card' else 'echeck' end, case when card then 'card_declined' else 'R01' end,
           ${t0} - (i % 200000) * interval '1 minute', ${t0} - (i % 200000) * interval '1 minute',
           ${t0} - (i % 200000) * interval '1 minute', ${t0},
           case when i % 4 <> 0 then ${t0} end, case when i % 4 = 0 then ${t0} end
    from ft_mix where i % 5 = 0`);
  await db.execute(sql`drop table ft_mix`);
}
