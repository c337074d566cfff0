import { and, desc, eq, lt, or, type SQL } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { newId } from '../../lib/ids';
import type { Db } from '../../platform/db/db';
import { auditLog } from './audit.table';

export interface AuditEntry {
  organizationId: string;
  actorId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  details?: Record<string, unknown>;
}

/** Every state change that matters is recorded in the same transaction as the change itself. */
export class AuditService {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  async record(tx: Db, entry: AuditEntry): Promise<void> {
    await this.insert(tx, entry);
  }

  /**
   * The audit row's INSERT as a statement for the caller to run as a CTE of its own write (one round trip
   * for the change and its audit row); it commits or rolls back with that write, like record().
   */
  recordSql(tx: Db, entry: AuditEntry): SQL {
    return this.insert(tx, entry).getSQL();
  }

  private insert(tx: Db, entry: AuditEntry) {
    return tx.insert(auditLog).values({
      organizationId: entry.organizationId,
      id: newId('audit'),
      actorId: entry.actorId,
      action: entry.action,
      subjectType: entry.subjectType,
      subjectId: entry.subjectId,
      at: this.deps.clock.now(),
      details: entry.details ?? {},
    });
  }

  /** Newest first; the cursor is the last row's (at, id). */
  async list(
    organizationId: string,
    opts: { limit: number; after?: { at: Date; id: string }; subjectId?: string },
  ) {
    const conditions = [eq(auditLog.organizationId, organizationId)];
    if (opts.subjectId) conditions.push(eq(auditLog.subjectId, opts.subjectId));
    if (opts.after) {
      conditions.push(
        or(
          lt(auditLog.at, opts.after.at),
          and(eq(auditLog.at, opts.after.at), lt(auditLog.id, opts.after.id)),
        )!,
      );
    }
    return this.deps.db
      .select()
      .from(auditLog)
      .where(and(...conditions))
      .orderBy(desc(auditLog.at), desc(auditLog.id))
      .limit(opts.limit + 1);
  }
}
