import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { DEFAULT_POLICY, type RetryPolicy } from './retry-policy';

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
  /** the instant, or a placeholder for its ISO text (a statement built once) */
  now: Date | SQLWrapper,
): SQL<string | null> =>
  sql<
    string | null
  >`(select json_build_object('until', p.until_date, 'endsAt', p.ends_at, 'reason', p.reason)::text
          from dunning_pauses p
          where p.organization_id = ${organizationId} and p.account_id = ${accountId}
            and p.ends_at > ${now instanceof Date ? now.toISOString() : now}::timestamptz)`;

export function parsePause(text: string | null): PauseInForce | null {
  if (!text) return null;
  const p = JSON.parse(text) as { until: string; endsAt: string; reason: string };
  return { until: String(p.until).slice(0, 10), endsAt: new Date(p.endsAt), reason: p.reason };
}

/** RC1/RC3 as the failed list presents them: the policy's step after the last retry and the eCheck return fee. */
export interface PolicyInForce {
  afterLastRetry: RetryPolicy['afterLastRetry'];
  returnFeeMinor: bigint;
}

/**
 * The organization's policy, only the parts the failed list shows, as a JSON text column of another module's
 * statement. It depends on no column of the row, so PostgreSQL runs it once per statement (an InitPlan), not
 * once per row; reading it in the page's own statement instead of a second round trip in parallel took the
 * first page from 3.3 to 2.6 ms a request through `app.inject` (bench/profile-route.ts, 2026-12-02).
 * Parse with `parsePolicyInForce`: no row means the default policy.
 */
export const policyInForceOf = (organizationId: string | SQLWrapper): SQL<string | null> =>
  sql<string | null>`(select json_build_object('afterLastRetry', p.policy -> 'afterLastRetry',
          'returnFeeAmount', p.policy -> 'echeck' -> 'returnFeeAmount')::text
        from retry_policies p where p.organization_id = ${organizationId})`;

export function parsePolicyInForce(text: string | null): PolicyInForce {
  if (!text) {
    return {
      afterLastRetry: DEFAULT_POLICY.afterLastRetry,
      returnFeeMinor: BigInt(DEFAULT_POLICY.echeck.returnFeeAmount),
    };
  }
  const p = JSON.parse(text) as { afterLastRetry: RetryPolicy['afterLastRetry']; returnFeeAmount: number };
  return { afterLastRetry: p.afterLastRetry, returnFeeMinor: BigInt(p.returnFeeAmount) };
}
