import { and, desc, eq, gte, lt, or, type SQL, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { newId } from '../../lib/ids';
import type { Db } from '../../platform/db/db';
import type { AuditAction } from './audit.actions';
import { auditLog } from './audit.table';

export interface AuditEntry {
  organizationId: string;
  actorId: string | null;
  action: AuditAction;
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

  /**
   * Newest first; the cursor is the last row's (at, id). `from`/`to` are local days of the organization's
   * time zone, turned into instants by PostgreSQL so the (organization_id, at, id) index still serves the range.
   */
  async list(
    organizationId: string,
    opts: {
      limit: number;
      after?: { at: Date; id: string };
      subjectId?: string;
      action?: AuditAction;
      actorId?: string;
      from?: string;
      to?: string;
      timeZone?: string;
    },
  ) {
    const conditions = [eq(auditLog.organizationId, organizationId)];
    if (opts.subjectId) conditions.push(eq(auditLog.subjectId, opts.subjectId));
    if (opts.action) conditions.push(eq(auditLog.action, opts.action));
    if (opts.actorId) conditions.push(eq(auditLog.actorId, opts.actorId));
    const zone = opts.timeZone ?? 'UTC';
    if (opts.from)
      conditions.push(gte(auditLog.at, sql`((${opts.from}::date)::timestamp at time zone ${zone})`));
    if (opts.to)
      conditions.push(lt(auditLog.at, sql`((${opts.to}::date + 1)::timestamp at time zone ${zone})`));
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
