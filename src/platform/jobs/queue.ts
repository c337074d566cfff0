import { sql } from 'drizzle-orm';
import { fromDrizzle, fromPglite, PgBoss } from 'pg-boss';
import { Value } from 'typebox/value';
import { runInOrganization } from '../../lib/organization-context';
import type { Database, Db } from '../db/db';
import { log } from '../log';
import type { JobDefinition, JobName, JobPayloads } from './define';
import { SCHEDULES } from './registry';

interface QueuedJob {
  id: string;
  data: unknown;
  retryCount: number;
}

export interface EnqueueOptions {
  singletonKey?: string;
  startAfter?: Date | number;
}

/**
 * pg-boss on the product's own database. Jobs are enqueued with the business transaction's connection
 * (fromDrizzle), so a job exists exactly when the data that asked for it was committed — and on PGlite's
 * single connection a send outside that transaction would deadlock (../shared/STACK-NOTES.md).
 */
export class JobQueue {
  private readonly definitions = new Map<JobName, JobDefinition<any>>();
  private activeHandlers = 0;
  private started = false;

  private constructor(private readonly boss: PgBoss) {}

  static async create(
    database: Database,
    opts: { schedule: boolean; supervise: boolean },
  ): Promise<JobQueue> {
    const common = {
      schedule: opts.schedule,
      supervise: opts.supervise,
      migrate: true,
      createSchema: true,
    };
    const boss =
      database.kind === 'pglite'
        ? new PgBoss({ ...common, db: fromPglite(database.pglite as never), backend: 'pglite' })
        : new PgBoss({
            ...common,
            // pg-boss takes session-level advisory locks and LISTENs: a session of its own (sessionUrl).
            connectionString: database.sessionUrl ?? database.url,
            max: 4,
            options: '-c jit=off',
          });
    boss.on('error', (err: unknown) => {
      // pg-boss reports background failures (maintenance, polling) here; they are retried by pg-boss itself.
      if (process.env.RECOUP_LOG_JOB_ERRORS !== 'false')
        console.error('[jobs]', (err as Error)?.message ?? err);
    });
    await boss.start();
    const queue = new JobQueue(boss);
    return queue;
  }

  /** Registers a job's definition; registering a name again replaces its handler (tests re-bind one). */
  register<N extends JobName>(definition: JobDefinition<N>): void {
    // A job for one organization runs in that organization's context (its sandbox clock, among others).
    const handler: JobDefinition<N>['handler'] = (data, ctx) => {
      const organizationId = (data as { organizationId?: unknown } | null)?.organizationId;
      return typeof organizationId === 'string'
        ? runInOrganization(organizationId, () => definition.handler(data, ctx))
        : definition.handler(data, ctx);
    };
    this.definitions.set(definition.name, { ...definition, handler } as never);
  }

  /** The names of the registered jobs. */
  names(): JobName[] {
    return [...this.definitions.keys()];
  }

  /** Creates the queues (idempotent) and, for the scheduling process, the cron schedules. */
  async prepare(opts: { schedules: boolean }): Promise<void> {
    const existing = new Set((await this.boss.getQueues()).map((q) => q.name));
    for (const def of this.definitions.values()) {
      if (!existing.has(def.name)) {
        await this.boss.createQueue(def.name, {
          ...retryOptions(def),
          expireInSeconds: def.expireInSeconds ?? 600,
        });
      }
    }
    for (const s of SCHEDULES) this.mustGet(s.name);
    if (opts.schedules) {
      for (const s of SCHEDULES) await this.boss.schedule(s.name, s.cron, {}, { tz: 'UTC' } as never);
    }
  }

  /** Enqueues inside the caller's transaction: the job commits or rolls back with the data. */
  async enqueue<N extends JobName>(
    tx: Db,
    name: N,
    data: JobPayloads[N],
    opts: EnqueueOptions = {},
  ): Promise<string | null> {
    const def = this.mustGet(name);
    const singletonKey = opts.singletonKey ?? def.dedupeKey?.(data);
    return this.boss.send(name, data as object, {
      ...opts,
      ...(singletonKey !== undefined ? { singletonKey } : {}),
      ...retryOptions(def),
      db: fromDrizzle(tx as never, sql as never),
    });
  }

  /** Runs a job's handler now, in this process (CLI `jobs run`, sandbox endpoint, tests). */
  async runNow<N extends JobName>(name: N, data: JobPayloads[N]): Promise<unknown> {
    const def = this.mustGet(name);
    if (!this.accepts(def, { id: 'inline', data, retryCount: 0 })) {
      throw new Error(`malformed payload for job ${name}`);
    }
    this.activeHandlers++;
    try {
      return await def.handler(data, { jobId: 'inline', retryCount: 0 });
    } finally {
      this.activeHandlers--;
    }
  }

  /** Background workers for every registered job (roles `all` and `worker`). */
  async startWorkers(opts: { pollingIntervalSeconds?: number } = {}): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const def of this.definitions.values()) {
      await this.boss.work(
        def.name,
        { pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 1, batchSize: 1 },
        async (jobs: QueuedJob[]) => {
          for (const job of jobs) {
            if (this.accepts(def, job)) await this.runJob(def, job);
            else await this.boss.cancel(def.name, job.id);
          }
        },
      );
    }
  }

  /**
   * A payload that does not match the job's schema (a producer from another version, a hand-made job) is
   * logged and cancelled: it is not run, and not retried either, since it would fail the same way each time.
   */
  private accepts(def: JobDefinition<any>, job: QueuedJob): boolean {
    if (Value.Check(def.payload, job.data)) return true;
    const errors = [...Value.Errors(def.payload, job.data)]
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message}`);
    log.error({ job: def.name, jobId: job.id, errors }, 'job payload rejected: it does not match the schema');
    return false;
  }

  private async runJob(def: JobDefinition<any>, job: QueuedJob) {
    this.activeHandlers++;
    try {
      return await def.handler(job.data, { jobId: job.id, retryCount: job.retryCount });
    } finally {
      this.activeHandlers--;
    }
  }

  /**
   * Works every job that is ready now until none is left (sandbox `queue/drain`, tests). Jobs waiting
   * for a later retry time are not ready and are left for the workers. `only`: just these jobs (each pass
   * asks every queue it drains, so a caller that drains often names the few it waits for).
   */
  async drain(opts: { timeoutMs?: number; only?: readonly JobName[] } = {}): Promise<number> {
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    const definitions = opts.only
      ? opts.only.map((name) => this.mustGet(name))
      : [...this.definitions.values()];
    let worked = 0;
    for (;;) {
      let fetched = 0;
      for (const def of definitions) {
        const jobs = await this.boss.fetch<object>(def.name, { batchSize: 20 });
        for (const job of jobs) {
          fetched++;
          if (!this.accepts(def, job)) {
            await this.boss.cancel(def.name, job.id);
            continue;
          }
          try {
            await this.runJob(def, job);
            await this.boss.complete(def.name, job.id);
          } catch (err) {
            await this.boss.fail(def.name, job.id, { message: (err as Error).message });
          }
        }
      }
      worked += fetched;
      if (fetched === 0 && this.activeHandlers === 0) return worked;
      if (Date.now() > deadline) throw new Error('the job queue did not drain in time');
      if (fetched === 0) await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** For /readyz: the queue's tables answer. */
  async ping(): Promise<void> {
    await this.boss.getQueue('payments-due');
  }

  async jobState(name: JobName, id: string) {
    return this.boss.getJobById(name, id);
  }

  async stop(opts: { graceful?: boolean; timeoutMs?: number } = {}): Promise<void> {
    await this.boss.stop({ graceful: opts.graceful ?? true, timeout: opts.timeoutMs ?? 20_000, close: true });
  }

  private mustGet<N extends JobName>(name: N): JobDefinition<N> {
    const def = this.definitions.get(name);
    if (!def) throw new Error(`no handler registered for job ${name}`);
    return def as JobDefinition<N>;
  }
}

/** pg-boss refuses undefined option values, so only the ones a definition sets are passed. */
function retryOptions(def: JobDefinition<any>) {
  const retry = def.retry;
  const out: { retryLimit: number; retryDelay?: number; retryBackoff?: boolean; retryDelayMax?: number } = {
    retryLimit: retry?.limit ?? 0,
  };
  if (retry?.delaySeconds !== undefined) out.retryDelay = retry.delaySeconds;
  if (retry?.backoff) {
    out.retryBackoff = true;
    if (retry.delayMaxSeconds !== undefined) out.retryDelayMax = retry.delayMaxSeconds;
  }
  return out;
}
