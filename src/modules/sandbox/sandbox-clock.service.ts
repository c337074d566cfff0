import type { Clock } from '../../lib/clock';
import { currentOrganizationId } from '../../lib/organization-context';
import type { Db } from '../../platform/db/db';
import { sandboxClock, sandboxOrganizationClocks } from './sandbox.table';

/**
 * The sandbox clock: real time plus an offset kept in the database, so every API and worker process on
 * the same database believes the same "now". Processes re-read the offsets at most once a second.
 *
 * Each organization has its own offset (`PUT /sandbox/clock` moves only the caller's), read from the
 * organization context that requests and jobs enter (lib/organization-context). An organization that never
 * moved its clock, and work outside any organization, use the shared offset: 0 (real time) unless a test or
 * the demo loader moved it with `set()`.
 */
export class SandboxClockService {
  private sharedOffsetMs = 0;
  private organizationOffsets = new Map<string, number>();
  private lastRead = 0;
  private loadsStarted = 0;
  private lastApplied = 0;

  readonly clock: Clock & { getOffset(): number } = {
    now: () => new Date(Date.now() + this.offsetFor(currentOrganizationId())),
    getOffset: () => this.offsetFor(currentOrganizationId()),
  };

  constructor(private readonly deps: { db: Db }) {}

  private offsetFor(organizationId: string | undefined): number {
    if (organizationId === undefined) return this.sharedOffsetMs;
    return this.organizationOffsets.get(organizationId) ?? this.sharedOffsetMs;
  }

  /**
   * Reads every offset now. Loads may overlap (concurrent requests); a load that started before the last
   * applied one is dropped, so an older read never overwrites a newer one.
   */
  async load(): Promise<void> {
    const started = ++this.loadsStarted;
    const [shared, perOrganization] = await Promise.all([
      this.deps.db.select().from(sandboxClock),
      this.deps.db.select().from(sandboxOrganizationClocks),
    ]);
    if (started < this.lastApplied) return;
    this.lastApplied = started;
    this.sharedOffsetMs = Number(shared.find((r) => r.id === 1)?.offsetMs ?? 0);
    this.organizationOffsets = new Map(perOrganization.map((r) => [r.organizationId, Number(r.offsetMs)]));
    this.lastRead = Date.now();
  }

  /**
   * Cheap enough for every request: reads the database at most once a second. A job does not use this:
   * it reads the offsets fresh (`load()`, src/app/jobs.ts), since a clock moved through another process
   * less than a second ago must still date the run (a due run dated by real time would charge every period
   * since the start date).
   */
  async refresh(): Promise<void> {
    if (Date.now() - this.lastRead >= 1000) await this.load();
  }

  /** The instant one organization believes it is. */
  nowFor(organizationId: string): Date {
    return new Date(Date.now() + this.offsetFor(organizationId));
  }

  /** Moves one organization's clock; nobody else's time moves. */
  async setForOrganization(organizationId: string, now: Date): Promise<Date> {
    const offsetMs = now.getTime() - Date.now();
    await this.deps.db
      .insert(sandboxOrganizationClocks)
      .values({ organizationId, offsetMs })
      .onConflictDoUpdate({ target: sandboxOrganizationClocks.organizationId, set: { offsetMs } });
    this.organizationOffsets.set(organizationId, offsetMs);
    return this.nowFor(organizationId);
  }

  /**
   * Moves the shared clock: every organization that never moved its own, and work outside any organization
   * (tests and the demo loader; the API moves only the caller's organization).
   */
  async set(now: Date): Promise<Date> {
    const offsetMs = now.getTime() - Date.now();
    await this.deps.db
      .insert(sandboxClock)
      .values({ id: 1, offsetMs })
      .onConflictDoUpdate({ target: sandboxClock.id, set: { offsetMs } });
    this.sharedOffsetMs = offsetMs;
    return new Date(Date.now() + offsetMs);
  }
}
