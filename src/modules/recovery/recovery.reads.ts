import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';

/** RC5 as another module's statement reads it: the account's dunning pause in force at `now`. */
export interface PauseInForce {
  until: string;
  endsAt: Date;
  reason: string;
}

/**
 * The account's dunning pause in force at `now`, as a JSON text column of another module's statement
 * (the failed list reads it beside each row instead of a second round trip; `dunning_pauses` is this
 * module's, its primary key is (organization_id, account_id): one probe per row). Parse with `parsePause`.
 */
export const pauseInForceOf = (
  organizationId: SQLWrapper,
  accountId: SQLWrapper,
  now: Date,
): SQL<string | null> =>
  sql<
    string | null
  >`(select json_build_object('until', p.until_date, 'endsAt', p.ends_at, 'reason', p.reason)::text
          from dunning_pauses p
          where p.organization_id = ${organizationId} and p.account_id = ${accountId}
            and p.ends_at > ${now.toISOString()}::timestamptz)`;

export function parsePause(text: string | null): PauseInForce | null {
  if (!text) return null;
  const p = JSON.parse(text) as { until: string; endsAt: string; reason: string };
  return { until: String(p.until).slice(0, 10), endsAt: new Date(p.endsAt), reason: p.reason };
}
