import { type Static, type TSchema, Type } from 'typebox';

/**
 * Every job's payload, by job name. Each `<module>.jobs.ts` adds its own jobs to this interface
 * (declaration merging), so `enqueue(tx, name, data)` checks `data` against the job's payload type while
 * the plumbing here names no module.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the modules' `declare module` blocks
export interface JobPayloads {}

export type JobName = keyof JobPayloads & string;

export interface JobContext {
  jobId: string;
  /** how many times this job was tried before (0 on the first try) */
  retryCount: number;
}

/** pg-boss's retry settings, in seconds. */
export interface JobRetry {
  limit: number;
  delaySeconds?: number;
  /** the delay doubles on each try, up to `delayMaxSeconds` */
  backoff?: boolean;
  delayMaxSeconds?: number;
}

export interface JobDefinition<N extends JobName = JobName> {
  name: N;
  /** checked on every job taken from the queue: a payload that does not match is rejected, not run */
  payload: TSchema;
  /** idempotent: it re-reads the state it acts on, so a re-delivery is harmless */
  handler(data: JobPayloads[N], ctx: JobContext): Promise<unknown>;
  /** none: a failed job is not tried again */
  retry?: JobRetry;
  expireInSeconds?: number;
  /**
   * The key the job is filed under in pg-boss (its singletonKey), e.g. the row it works on. On a standard
   * queue pg-boss does not refuse a second job with the same key; the handler's re-read is what makes the
   * second run do nothing.
   */
  dedupeKey?(data: JobPayloads[N]): string;
}

/**
 * A job: a name, a TypeBox payload, an idempotent handler, retries and a dedupe key (STYLE habit 9).
 * The payload schema must describe exactly the type the module declared for the name in `JobPayloads`.
 */
export function defineJob<N extends JobName, S extends TSchema>(
  definition: Omit<JobDefinition<N>, 'payload'> & {
    payload: S & (Static<S> extends JobPayloads[N] ? (JobPayloads[N] extends Static<S> ? S : never) : never);
  },
): JobDefinition<N> {
  return definition;
}

/** The payload of a scheduled run: every organization, or the one a person named (CLI, sandbox). */
export const OrganizationRunPayload = Type.Object({ organizationId: Type.Optional(Type.String()) });
export type OrganizationRunPayload = Static<typeof OrganizationRunPayload>;

/**
 * Turns one organization's work into a scheduled run over every organization, each one's failure kept to
 * itself. Built by the composition root (it lists organizations and audits failures) and handed to the
 * modules' job definitions.
 */
export type EachOrganization = (
  job: JobName,
  work: (organizationId: string) => Promise<unknown>,
) => (data: OrganizationRunPayload) => Promise<unknown[]>;
