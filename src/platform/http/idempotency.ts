import { createHash } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../lib/clock';
import { AppError, problemBody, validation } from '../../lib/errors';
import type { Db } from '../db/db';
import { idempotencyKeys } from './idempotency.table';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY_RE = /^[\x21-\x7e]{1,255}$/;
/** How long a claimed key may stay unanswered before another request may take it over (a dead request). */
export const IDEMPOTENCY_LEASE_MS = 2 * 60_000;

export interface IdempotentAnswer {
  status: number;
  body: unknown;
}

/** Stable JSON: the same body with its keys in another order hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * The request's `Idempotency-Key` (undefined without one); 400 when it is not 1 to 255 visible ASCII
 * characters. Routes pass it on as the inner key of the gateway call too.
 */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers[IDEMPOTENCY_HEADER];
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (!key || !KEY_RE.test(key)) {
    throw validation('The Idempotency-Key header must be 1 to 255 visible ASCII characters', [
      { field: 'headers.idempotency-key', message: 'must be 1 to 255 visible ASCII characters' },
    ]);
  }
  return key;
}

/**
 * `Idempotency-Key` for any POST (API.md): the same key on the same route with the same request gets the
 * answer given the first time, replayed without running the handler again; the same key with another
 * request is a 409 `idempotency_conflict`. The key is claimed (inserted) before the handler runs, so two
 * concurrent requests with one key never both run it: the loser gets 409 while the first is in flight.
 * Answers of AppErrors (4xx but 429) are kept and replayed too; an unexpected error frees the key for a new try.
 */
export class IdempotencyStore {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  async withIdempotency(
    request: FastifyRequest,
    reply: FastifyReply,
    organizationId: string,
    handler: () => Promise<IdempotentAnswer>,
  ): Promise<never> {
    const key = idempotencyKeyOf(request);
    if (key === undefined) return send(reply, await handler());
    const route = `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
    const requestHash = createHash('sha256')
      .update(
        canonical({ params: request.params ?? {}, query: request.query ?? {}, body: request.body ?? null }),
      )
      .digest('hex');
    const db = this.deps.db;
    const where = and(
      eq(idempotencyKeys.organizationId, organizationId),
      eq(idempotencyKeys.key, key),
      eq(idempotencyKeys.route, route),
    );

    const claimed = await db
      .insert(idempotencyKeys)
      .values({ organizationId, key, route, requestHash, createdAt: this.deps.clock.now() })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (claimed.length === 0) {
      const [seen] = await db.select().from(idempotencyKeys).where(where).limit(1);
      if (!seen || seen.requestHash !== requestHash) {
        throw new AppError(
          'idempotency_conflict',
          `The Idempotency-Key "${key}" was already used with a different request`,
        );
      }
      if (seen.statusCode === null) {
        // A claim older than the lease belongs to a request that died (a crash, a killed process): this
        // request takes it over and runs the handler again. That is safe because every money-moving
        // handler derives its gateway attempt's key from this Idempotency-Key, so the re-run finds the
        // attempt and replays it instead of moving money twice (MS5).
        const leaseEnd = new Date(seen.createdAt.getTime() + IDEMPOTENCY_LEASE_MS);
        const takenOver =
          this.deps.clock.now() >= leaseEnd
            ? await db
                .update(idempotencyKeys)
                .set({ createdAt: this.deps.clock.now() })
                .where(
                  and(
                    where,
                    isNull(idempotencyKeys.statusCode),
                    eq(idempotencyKeys.createdAt, seen.createdAt),
                  ),
                )
                .returning({ key: idempotencyKeys.key })
            : [];
        if (takenOver.length === 0) {
          throw new AppError(
            'conflict',
            `A request with the Idempotency-Key "${key}" is still being processed`,
            {
              extra: {
                retryAfterSeconds: Math.max(
                  1,
                  Math.ceil((leaseEnd.getTime() - this.deps.clock.now().getTime()) / 1000),
                ),
              },
            },
          );
        }
        return this.run(request, reply, where, handler);
      }
      reply.header('idempotent-replayed', 'true');
      return send(reply, { status: seen.statusCode, body: seen.body });
    }

    return this.run(request, reply, where, handler);
  }

  private async run(
    request: FastifyRequest,
    reply: FastifyReply,
    where: ReturnType<typeof and>,
    handler: () => Promise<IdempotentAnswer>,
  ): Promise<never> {
    const db = this.deps.db;
    let answer: IdempotentAnswer;
    try {
      answer = await handler();
    } catch (err) {
      // 429 means "not now": the same key must work once the wait is over, so it is not kept.
      if (err instanceof AppError && err.status < 500 && err.status !== 429) {
        answer = { status: err.status, body: problemBody(err, request.url.split('?')[0]) };
      } else {
        await db.delete(idempotencyKeys).where(where);
        throw err;
      }
    }
    await db
      .update(idempotencyKeys)
      .set({ statusCode: answer.status, body: answer.body as never })
      .where(where);
    return send(reply, answer);
  }
}

/** Typed `never` so that a route returns it whatever its response schema: the reply is already sent. */
function send(reply: FastifyReply, answer: IdempotentAnswer): never {
  reply.status(answer.status);
  if (answer.status >= 400) reply.type('application/problem+json; charset=utf-8');
  return reply.send(answer.body) as never;
}
