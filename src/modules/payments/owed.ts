import { big, type Db, rows } from '../../platform/db/db';
import type { FailedTransaction } from '../failed-transactions/failed-transactions.entries';
import { invoiceOwedSql, scheduledOwedSql } from '../schedules/coverage';

/** MS2: what a scheduled payment may still collect (schedules/coverage.ts). */
export async function owedOnScheduled(db: Db, organizationId: string, scheduledPaymentId: string) {
  const [row] = await rows<{ owed_minor: unknown }>(db, scheduledOwedSql(organizationId, scheduledPaymentId));
  return big(row?.owed_minor);
}

/**
 * What collecting a failed entry may still bring in: the scheduled payment's remainder, the invoice's
 * remainder for a returned one-off eCheck, else the entry's amount (nothing to compare it with).
 */
export async function owedOnEntry(db: Db, entry: FailedTransaction): Promise<bigint> {
  if (entry.scheduledPaymentId) return owedOnScheduled(db, entry.organizationId, entry.scheduledPaymentId);
  if (!entry.invoiceId) return entry.amountMinor;
  const [row] = await rows<{ owed_minor: unknown }>(
    db,
    invoiceOwedSql(entry.organizationId, entry.invoiceId, entry.amountMinor),
  );
  return row ? big(row.owed_minor) : entry.amountMinor;
}
