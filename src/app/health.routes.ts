import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'drizzle-orm';
import { Type } from 'typebox';
import type { Db } from '../platform/db/db';
import type { JobQueue } from '../platform/jobs/queue';

export const healthRoutes: FastifyPluginAsyncTypebox<{ db: Db; queue: JobQueue }> = async (
  app,
  { db, queue },
) => {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'health',
        tags: ['ops'],
        summary: 'The process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'ready',
        tags: ['ops'],
        summary: 'The database and the job queue answer',
        response: {
          200: Type.Object({
            status: Type.Literal('ready'),
            database: Type.Literal('ok'),
            queue: Type.Literal('ok'),
          }),
          503: Type.Ref('Problem'),
        },
      },
    },
    async () => {
      await db.execute(sql`select 1`);
      await queue.ping();
      return { status: 'ready' as const, database: 'ok' as const, queue: 'ok' as const };
    },
  );
};
