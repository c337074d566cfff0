import { eq } from 'drizzle-orm';
import { OffsetClock } from '../../lib/clock';
import type { Db } from '../../platform/db/db';
import { sandboxClock } from './sandbox.table';

/**
 * The sandbox clock: real time plus an offset kept in the database, so every API and worker process on
 * the same database believes the same "now". Processes re-read the offset at most once a second.
 */
export class SandboxClockService {
  readonly clock = new OffsetClock();
  private lastRead = 0;

  constructor(private readonly deps: { db: Db }) {}

  async load(): Promise<void> {
    const [row] = await this.deps.db.select().from(sandboxClock).where(eq(sandboxClock.id, 1)).limit(1);
    this.clock.setOffset(row ? Number(row.offsetMs) : 0);
    this.lastRead = Date.now();
  }

  /** Cheap enough for every request: reads the database at most once a second. */
  async refresh(): Promise<void> {
    if (Date.now() - this.lastRead >= 1000) await this.load();
  }

  async set(now: Date): Promise<Date> {
    const offsetMs = now.getTime() - Date.now();
    await this.deps.db
      .insert(sandboxClock)
      .values({ id: 1, offsetMs })
      .onConflictDoUpdate({ target: sandboxClock.id, set: { offsetMs } });
    this.clock.setOffset(offsetMs);
    this.lastRead = Date.now();
    return this.clock.now();
  }
}
