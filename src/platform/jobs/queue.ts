import { sql } from 'drizzle-orm';
import { fromDrizzle, fromPglite, PgBoss } from 'pg-boss';
import { runInOrganization } from '../../lib/organization-context';
import type { Database, Db } from '../db/db';
import { JOB_NAMES, type JobName, SCHEDULES } from './registry';

export interface JobContext {
  jobId: string;
  /** how many times this job was tried before (0 on the first try) */
  retryCount: number;
}

export interface JobDefinition<T = any> {
  name: JobName;
  handler(data: T, ctx: JobContext): Promise<unknown>;
  retryLimit?: number;
  retryDelay?: number;
  retryBackoff?: boolean;
  retryDelayMax?: number;
  expireInSeconds?: number;
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
  private readonly definitions = new Map<JobName, JobDefinition>();
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
        : new PgBoss({ ...common, connectionString: database.url, max: 4, options: '-c jit=off' });
    boss.on('error', (err: unknown) => {
      // pg-boss reports background failures (maintenance, polling) here; they are retried by pg-boss itself.
      if (process.env.RECOUP_LOG_JOB_ERRORS !== 'false')
        console.error('[jobs]', (err as Error)?.message ?? err);
    });
    await boss.start();
    const queue = new JobQueue(boss);
    return queue;
  }

  register(definition: JobDefinition): void {
    // A job for one organization runs in that organization's context (its sandbox clock, among others).
    const handler: JobDefinition['handler'] = (data, ctx) => {
      const organizationId = (data as { organizationId?: unknown } | null)?.organizationId;
      return typeof organizationId === 'string'
        ? runInOrganization(organizationId, () => definition.handler(data, ctx))
        : definition.handler(data, ctx);
    };
    this.definitions.set(definition.name, { ...definition, handler });
  }

  /** Creates the queues (idempotent) and, for the scheduling process, the cron schedules. */
  async prepare(opts: { schedules: boolean }): Promise<void> {
    const existing = new Set((await this.boss.getQueues()).map((q) => q.name));
    for (const name of JOB_NAMES) {
      const def = this.definitions.get(name);
      if (!existing.has(name)) {
        await this.boss.createQueue(name, {
          ...retryOptions(def),
          expireInSeconds: def?.expireInSeconds ?? 600,
        });
      }
    }
    if (opts.schedules) {
      for (const s of SCHEDULES) await this.boss.schedule(s.name, s.cron, {}, { tz: 'UTC' } as never);
    }
  }

  /** Enqueues inside the caller's transaction: the job commits or rolls back with the data. */
  async enqueue(tx: Db, name: JobName, data: object, opts: EnqueueOptions = {}): Promise<string | null> {
    const def = this.definitions.get(name);
    return this.boss.send(name, data, {
      ...opts,
      ...retryOptions(def),
      db: fromDrizzle(tx as never, sql as never),
    });
  }

  /** Runs a job's handler now, in this process (CLI `jobs run`, sandbox endpoint, tests). */
  async runNow(name: JobName, data: object = {}): Promise<unknown> {
    const def = this.mustGet(name);
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
        async (jobs: { id: string; data: unknown; retryCount: number }[]) => {
          for (const job of jobs) await this.runJob(def, job);
        },
      );
    }
  }

  private async runJob(def: JobDefinition, job: { id: string; data: unknown; retryCount: number }) {
    this.activeHandlers++;
    try {
      return await def.handler(job.data, { jobId: job.id, retryCount: job.retryCount });
    } finally {
      this.activeHandlers--;
    }
  }

  /**
   * Works every job that is ready now until none is left (sandbox `queue/drain`, tests). Jobs waiting
   * for a later retry time are not ready and are left for the workers.
   */
  async drain(opts: { timeoutMs?: number } = {}): Promise<number> {
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    let worked = 0;
    for (;;) {
      let fetched = 0;
      for (const def of this.definitions.values()) {
        const jobs = await this.boss.fetch<object>(def.name, { batchSize: 20 });
        for (const job of jobs) {
          fetched++;
          try {
            await this.runJob(def, job as never);
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

  private mustGet(name: JobName): JobDefinition {
    const def = this.definitions.get(name);
    if (!def) throw new Error(`no handler registered for job ${name}`);
    return def;
  }
}

/** pg-boss refuses undefined option values, so only the ones a definition sets are passed. */
function retryOptions(def: JobDefinition | undefined) {
  const out: { retryLimit: number; retryDelay?: number; retryBackoff?: boolean; retryDelayMax?: number } = {
    retryLimit: def?.retryLimit ?? 0,
  };
  if (def?.retryDelay !== undefined) out.retryDelay = def.retryDelay;
  if (def?.retryBackoff) {
    out.retryBackoff = true;
    if (def.retryDelayMax !== undefined) out.retryDelayMax = def.retryDelayMax;
  }
  return out;
}
