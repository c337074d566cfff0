import type { Schemas } from '../../api/schema';

export type AuditAction = Schemas['AuditAction'];

/** One labelled field of an audit entry's details, ready to render. */
export type AuditField =
  | { key: string; kind: 'money'; minor: number }
  | { key: string; kind: 'date'; value: string }
  | { key: string; kind: 'instant'; value: string }
  | { key: string; kind: 'boolean'; value: boolean }
  | { key: string; kind: 'text'; value: string }
  | { key: string; kind: 'count'; value: number }
  | { key: string; kind: 'allocations'; count: number; totalMinor: number }
  | { key: string; kind: 'group'; fields: AuditField[] };

/**
 * Keys whose numbers are money in minor units, whatever the action. Other numbers (attempts, counts,
 * bytes) are plain counts: a raw number with cents is exactly what the audit log must not show.
 */
const MONEY_KEYS = new Set(['amount', 'total', 'returnFeeAmount', 'allocatedMinor', 'nextAmount']);
/** Actions whose `from`/`to` are amounts (a due charge reduced to what its invoice still owes). */
const MONEY_FROM_TO = new Set<AuditAction>(['scheduled_payment.reduced']);
/**
 * Bookkeeping the reader has no use for: the subject column already links to the account the entry is
 * about, so its ID is not repeated among the details.
 */
const HIDDEN_KEYS = new Set(['organizationId', 'idempotencyKey', 'accountId']);

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function field(key: string, value: unknown, money: boolean, depth: number): AuditField | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') {
    return money ? { key, kind: 'money', minor: value } : { key, kind: 'count', value };
  }
  if (typeof value === 'boolean') return { key, kind: 'boolean', value };
  if (typeof value === 'string') {
    if (ISO_DATE.test(value)) return { key, kind: 'date', value };
    if (INSTANT.test(value)) return { key, kind: 'instant', value };
    return { key, kind: 'text', value };
  }
  if (Array.isArray(value)) {
    const withAmounts = value.filter(
      (item): item is { amount: number } =>
        typeof item === 'object' &&
        item !== null &&
        typeof (item as { amount?: unknown }).amount === 'number',
    );
    if (withAmounts.length === value.length && value.length > 0) {
      return {
        key,
        kind: 'allocations',
        count: value.length,
        totalMinor: withAmounts.reduce((sum, item) => sum + item.amount, 0),
      };
    }
    if (value.every((item) => typeof item !== 'object')) {
      return { key, kind: 'text', value: value.join(', ') };
    }
    return { key, kind: 'count', value: value.length };
  }
  if (typeof value === 'object' && depth < 3) {
    const fields = describeFields(value as Record<string, unknown>, new Set(), depth + 1);
    return fields.length > 0 ? { key, kind: 'group', fields } : null;
  }
  return null;
}

function describeFields(
  details: Record<string, unknown>,
  moneyKeys: Set<string>,
  depth: number,
): AuditField[] {
  return Object.entries(details)
    .filter(([key]) => !HIDDEN_KEYS.has(key))
    .map(([key, value]) => field(key, value, MONEY_KEYS.has(key) || moneyKeys.has(key), depth))
    .filter((f): f is AuditField => f !== null);
}

/** An audit entry's details as labelled fields: money as money, dates as dates, nested objects as groups. */
export function describeDetails(action: AuditAction, details: Record<string, unknown>): AuditField[] {
  const moneyKeys = MONEY_FROM_TO.has(action) ? new Set(['from', 'to']) : new Set<string>();
  return describeFields(details, moneyKeys, 0);
}

/** Where the subject of an entry lives in the UI, when it has a page. */
export function subjectLink(entry: {
  subjectType: string;
  subjectId: string;
  details: Record<string, unknown>;
}): string | null {
  if (entry.subjectType === 'account') return `/accounts/${entry.subjectId}/ledger`;
  const accountId = entry.details.accountId;
  if (typeof accountId === 'string' && accountId.length > 0) {
    if (entry.subjectType === 'subscription' || entry.subjectType === 'installment_plan') {
      return `/accounts/${accountId}/upcoming-payments`;
    }
    if (entry.subjectType === 'payment_method') return `/accounts/${accountId}/wallet`;
    return `/accounts/${accountId}/ledger`;
  }
  if (entry.subjectType === 'failed_transaction') return '/action-center/failed-transactions';
  if (entry.subjectType === 'user') return '/settings/users';
  if (entry.subjectType === 'organization') return '/settings/organization';
  return null;
}
