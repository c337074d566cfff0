import { type SQL, sql } from 'drizzle-orm';
import { type Db, rows } from '../../platform/db/db';

/**
 * EC4's reminder stamps live on the card (`payment_methods.expiry_reminder_for`, `expiry_reminder_sent_at`,
 * `last_reminder_at`), so the payment-methods module writes them (STYLE habit 11) and the expiring-cards
 * module decides when. Each stamp is one guarded UPDATE that is also the claim: two runs racing on one
 * card both reach the row, the second waits for the first's row lock, re-checks its guard on the new row
 * and matches nothing, so exactly one of them sends (PostgreSQL's READ COMMITTED re-check; the concurrency
 * test in expiring-cards.reminders.db.test.ts runs it there).
 */
export interface ReminderStamp {
  organizationId: string;
  paymentMethodId: string;
  /** the expiry month the reminder is about; the card must be a wallet card expiring in it */
  expYear: number;
  expMonth: number;
  /** `YYYY-MM` of that expiry: "once per card and expiry" */
  expiryKey: string;
  now: Date;
  /** the caller's own condition that the card still needs a reminder, given the card's ID column */
  still: (cardId: SQL) => SQL;
}

/**
 * EC1–EC2: a wallet card expiring in the month. The predicate `type = 'card' and in_wallet` is literal
 * so that the planner matches the partial index `payment_methods_expiry`.
 */
const walletCardExpiring = (s: ReminderStamp) => sql`pm.organization_id = ${s.organizationId}
  and pm.id = ${s.paymentMethodId}
  and pm.type = 'card' and pm.in_wallet
  and pm.exp_year = ${s.expYear} and pm.exp_month = ${s.expMonth}`;

/** The automatic reminder: stamped only if this expiry's reminder has not gone out; true when this call took it. */
export async function stampAutomaticReminder(tx: Db, s: ReminderStamp): Promise<boolean> {
  const at = s.now.toISOString();
  const claimed = await rows(
    tx,
    sql`update payment_methods pm
      set expiry_reminder_sent_at = ${at}::timestamptz,
        expiry_reminder_for = ${s.expiryKey},
        last_reminder_at = ${at}::timestamptz
      where ${walletCardExpiring(s)}
        and pm.expiry_reminder_for is distinct from ${s.expiryKey}
        and ${s.still(sql`pm.id`)}
      returning pm.id`,
  );
  return claimed.length > 0;
}

/**
 * A manual reminder: stamped only if none went out after `notBefore` (at most one per card in any 24
 * hours). It also counts as this expiry's reminder, so the automatic run does not send a second one right
 * after an administrator's. True when this call took it.
 */
export async function stampManualReminder(tx: Db, s: ReminderStamp & { notBefore: Date }): Promise<boolean> {
  const at = s.now.toISOString();
  const claimed = await rows(
    tx,
    sql`update payment_methods pm
      set last_reminder_at = ${at}::timestamptz,
        expiry_reminder_sent_at = case when pm.expiry_reminder_for is distinct from ${s.expiryKey}
          then ${at}::timestamptz else pm.expiry_reminder_sent_at end,
        expiry_reminder_for = ${s.expiryKey}
      where ${walletCardExpiring(s)}
        and (pm.last_reminder_at is null or pm.last_reminder_at <= ${s.notBefore.toISOString()}::timestamptz)
        and ${s.still(sql`pm.id`)}
      returning pm.id`,
  );
  return claimed.length > 0;
}
