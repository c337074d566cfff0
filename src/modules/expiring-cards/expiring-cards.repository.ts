import { type SQL, sql } from 'drizzle-orm';
import type { Locale } from '../../lib/locale';
import { big, type Db, int, rows } from '../../platform/db/db';
import {
  type ReminderStamp,
  stampAutomaticReminder,
  stampManualReminder,
} from '../payment-methods/reminder-stamps';
import { amountAtRisk, atRiskWindow } from './at-risk';
import type { ExpiryWindow } from './expiry-window';

/** One EC1 row, with what the reminder e-mail needs about the owner. */
export interface ExpiringCardRow {
  paymentMethodId: string;
  accountId: string;
  ownerName: string;
  ownerEmail: string;
  ownerLocale: Locale;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  lastReminderAt: Date | null;
  count: number;
  nextDate: string;
  nextAmount: bigint;
  amountAtRisk: bigint;
}

export interface ExpiringCardKey {
  nextDate: string;
  ownerName: string;
  paymentMethodId: string;
}

export interface ListOptions {
  limit: number;
  after?: ExpiringCardKey;
  /** only this card */
  paymentMethodId?: string;
  /** EC4: only cards whose automatic reminder for this expiry has not gone out */
  unremindedOnly?: boolean;
}

/**
 * Upcoming payments of a card (the brief's definition): scheduled payments whose subscription or plan
 * *currently* has this card — the method is read from the subscription or plan, never from the payment,
 * so re-pointing a subscription at a new card takes its payments off the old one at once.
 */
const paysUpcoming = (organizationId: string, pm: SQL) => sql`(
  exists (
    select 1 from subscriptions s
    join scheduled_payments sp on sp.organization_id = s.organization_id and sp.subscription_id = s.id
    where s.organization_id = ${organizationId} and s.payment_method_id = ${pm} and sp.status = 'scheduled'
  ) or exists (
    select 1 from installment_plans ip
    join scheduled_payments sp on sp.organization_id = ip.organization_id and sp.installment_plan_id = ip.id
    where ip.organization_id = ${organizationId} and ip.payment_method_id = ${pm} and sp.status = 'scheduled'
  ))`;

export class ExpiringCardsRepository {
  /** EC1–EC3 rows ordered by next payment date, owner name, payment method ID (keyset after `after`). */
  async list(
    db: Db,
    organizationId: string,
    window: ExpiryWindow,
    opts: ListOptions,
  ): Promise<ExpiringCardRow[]> {
    const result = await rows<Record<string, unknown>>(db, this.listSql(organizationId, window, opts));
    const page = result.map(toRow);
    const risk = await this.atRisk(db, organizationId, page);
    return page.map((r) => ({ ...r, amountAtRisk: risk.get(r.paymentMethodId) ?? 0n }));
  }

  /**
   * amountAtRisk of the page's cards (at-risk.ts), read with the page rather than kept in the
   * card_upcoming_payments summary: subscription periods not scheduled yet are projected from the
   * subscription's own terms, which no row holds. At most one page of cards at a time.
   */
  private async atRisk(
    db: Db,
    organizationId: string,
    page: ExpiringCardRow[],
  ): Promise<Map<string, bigint>> {
    const result = new Map<string, bigint>();
    if (page.length === 0) return result;
    const ids = page.map((r) => r.paymentMethodId);
    const charges = await rows<Record<string, unknown>>(
      db,
      sql`select s.payment_method_id as pm, sp.due_date::text as due, sp.amount_minor as amount
            from subscriptions s
            join scheduled_payments sp on sp.organization_id = s.organization_id and sp.subscription_id = s.id
           where s.organization_id = ${organizationId} and s.payment_method_id = any(${sql.param(ids)})
             and sp.status = 'scheduled'
          union all
          select ip.payment_method_id, sp.due_date::text, sp.amount_minor
            from installment_plans ip
            join scheduled_payments sp on sp.organization_id = ip.organization_id and sp.installment_plan_id = ip.id
           where ip.organization_id = ${organizationId} and ip.payment_method_id = any(${sql.param(ids)})
             and sp.status = 'scheduled'`,
    );
    const subs = await rows<Record<string, unknown>>(
      db,
      sql`select s.payment_method_id as pm, s.interval, s.anchor_day, s.amount_minor as amount,
                 s.ends_on::text as ends_on,
                 (select max(sp.due_date)::text from scheduled_payments sp
                   where sp.organization_id = s.organization_id and sp.subscription_id = s.id
                     and sp.status = 'scheduled') as last_scheduled
            from subscriptions s
           where s.organization_id = ${organizationId} and s.payment_method_id = any(${sql.param(ids)})
             and s.status = 'active'`,
    );
    for (const card of page) {
      const risk = amountAtRisk(
        atRiskWindow(card.expYear, card.expMonth),
        charges
          .filter((c) => c.pm === card.paymentMethodId)
          .map((c) => ({ dueDate: String(c.due), amountMinor: big(c.amount) })),
        subs
          .filter((x) => x.pm === card.paymentMethodId)
          .map((x) => ({
            interval: x.interval as 'week' | 'month' | 'year',
            anchorDay: int(x.anchor_day),
            amountMinor: big(x.amount),
            endsOn: x.ends_on == null ? null : String(x.ends_on),
            lastScheduled: x.last_scheduled == null ? null : String(x.last_scheduled),
          })),
      );
      result.set(card.paymentMethodId, risk.amountMinor);
    }
    return result;
  }

  /**
   * The list's SQL (also for the benchmark's EXPLAIN): a range scan of `card_upcoming_payments_list` for the
   * window month, already in EC3 order, joined to the card and the owner for the page's rows only.
   */
  listSql(organizationId: string, window: ExpiryWindow, opts: ListOptions): SQL {
    const filters: SQL[] = [
      sql`cu.organization_id = ${organizationId}`,
      sql`cu.exp_year = ${window.expYear}`,
      sql`cu.exp_month = ${window.expMonth}`,
    ];
    if (opts.paymentMethodId) filters.push(sql`cu.payment_method_id = ${opts.paymentMethodId}`);
    if (opts.unremindedOnly) {
      filters.push(sql`exists (select 1 from payment_methods r where r.organization_id = cu.organization_id
        and r.id = cu.payment_method_id and r.expiry_reminder_for is distinct from ${window.expiryKey})`);
    }
    const after = opts.after;
    // owner_name is COLLATE "C": the order and the cursor agree on PGlite and PostgreSQL.
    if (after) {
      filters.push(
        sql`(cu.next_date, cu.owner_name, cu.payment_method_id) > (${after.nextDate}::date, ${after.ownerName}, ${after.paymentMethodId})`,
      );
    }
    // The page is cut inside, on the index's own order, so that only its rows are joined: the planner
    // misjudges how many cards a month holds and would otherwise join them all before sorting.
    return sql`select cu.payment_method_id, cu.account_id, cu.owner_name, a.owner_email, a.locale,
        pm.brand, pm.last4, cu.exp_month, cu.exp_year, pm.last_reminder_at,
        cu.upcoming_count as cnt, cu.next_date::text as next_date, cu.next_amount_minor as next_amount,
        cu.at_risk_minor as at_risk
      from (
        select * from card_upcoming_payments cu
        where ${sql.join(filters, sql` and `)}
        order by cu.next_date, cu.owner_name, cu.payment_method_id
        limit ${opts.limit}
      ) cu
      join payment_methods pm on pm.organization_id = cu.organization_id and pm.id = cu.payment_method_id
      join accounts a on a.organization_id = cu.organization_id and a.id = cu.account_id
      order by cu.next_date, cu.owner_name, cu.payment_method_id`;
  }

  /** How many rows EC1 lists (the Action Center summary). */
  async count(db: Db, organizationId: string, window: ExpiryWindow): Promise<number> {
    const [row] = await rows<{ n: unknown }>(
      db,
      sql`select count(*) as n from card_upcoming_payments cu
        where cu.organization_id = ${organizationId} and cu.exp_year = ${window.expYear}
          and cu.exp_month = ${window.expMonth}`,
    );
    return int(row?.n);
  }

  /** The card whatever its state (404 versus 409 for the manual reminder). */
  async exists(db: Db, organizationId: string, paymentMethodId: string): Promise<boolean> {
    const found = await rows(
      db,
      sql`select 1 from payment_methods where organization_id = ${organizationId} and id = ${paymentMethodId}`,
    );
    return found.length > 0;
  }

  /**
   * EC4's claim: marks the automatic reminder for this expiry as sent, only if it was not and the card is
   * still listed (a wallet card expiring in the window that pays upcoming payments). The payment-methods
   * module writes the stamp; one guarded UPDATE, so of two runs racing on one card exactly one sends.
   */
  claimAutomatic(
    tx: Db,
    organizationId: string,
    paymentMethodId: string,
    window: ExpiryWindow,
    now: Date,
  ): Promise<boolean> {
    return stampAutomaticReminder(tx, stampOf(organizationId, paymentMethodId, window, now));
  }

  /**
   * The manual reminder's claim: at most one per card in any 24 hours, only while the card is listed. It
   * also counts as this expiry's reminder, so the automatic run does not send a second one right after.
   */
  claimManual(
    tx: Db,
    organizationId: string,
    paymentMethodId: string,
    window: ExpiryWindow,
    now: Date,
    notBefore: Date,
  ): Promise<boolean> {
    return stampManualReminder(tx, { ...stampOf(organizationId, paymentMethodId, window, now), notBefore });
  }
}

const stampOf = (
  organizationId: string,
  paymentMethodId: string,
  window: ExpiryWindow,
  now: Date,
): ReminderStamp => ({
  organizationId,
  paymentMethodId,
  expYear: window.expYear,
  expMonth: window.expMonth,
  expiryKey: window.expiryKey,
  now,
  still: (card) => paysUpcoming(organizationId, card),
});

function toRow(r: Record<string, unknown>): ExpiringCardRow {
  return {
    paymentMethodId: String(r.payment_method_id),
    accountId: String(r.account_id),
    ownerName: String(r.owner_name),
    ownerEmail: String(r.owner_email),
    ownerLocale: r.locale === 'en-CA' ? 'en-CA' : 'fr-CA',
    brand: r.brand == null ? 'unknown' : String(r.brand),
    last4: String(r.last4),
    expMonth: int(r.exp_month),
    expYear: int(r.exp_year),
    lastReminderAt: r.last_reminder_at == null ? null : new Date(r.last_reminder_at as string | Date),
    count: int(r.cnt),
    nextDate: String(r.next_date),
    nextAmount: big(r.next_amount),
    amountAtRisk: big(r.at_risk),
  };
}
