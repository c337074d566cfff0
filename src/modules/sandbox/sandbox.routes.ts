import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, Id, Instant } from '../../platform/http/schemas';
import type { JobQueue } from '../../platform/jobs/queue';
import { RUNNABLE_JOBS } from '../../platform/jobs/registry';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import type { SandboxClockService } from './sandbox-clock.service';

export interface SandboxRoutesDeps {
  guard: AuthGuard;
  sandboxClock: SandboxClockService;
  queue: JobQueue;
  mailbox: {
    openAsRecipient(organizationId: string, emailId: string): Promise<{ html: string; text: string }>;
  };
}

/** Only registered when RECOUP_SANDBOX=true; otherwise every /api/v1/sandbox path is a 404. */
export const sandboxRoutes: FastifyPluginAsyncTypebox<SandboxRoutesDeps> = async (
  app,
  { guard, sandboxClock, queue, mailbox },
) => {
  const ClockSchema = Type.Object({ now: Instant });

  app.get(
    '/sandbox/clock',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'getSandboxClock',
        tags: ['sandbox'],
        summary: "The instant the caller's organization believes it is (its own sandbox clock)",
        response: { 200: ClockSchema, ...errorResponses() },
      },
    },
    async (request) => ({ now: sandboxClock.nowFor(principalOf(request).organizationId).toISOString() }),
  );

  app.put(
    '/sandbox/clock',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'setSandboxClock',
        tags: ['sandbox'],
        summary:
          "Move the caller's organization's clock, for its API calls and its jobs (time keeps running from there); no other organization's time moves",
        body: Type.Object({ now: Instant }, { additionalProperties: false }),
        response: { 200: ClockSchema, ...errorResponses() },
      },
    },
    async (request) => {
      const organizationId = principalOf(request).organizationId;
      const now = await sandboxClock.setForOrganization(organizationId, new Date(request.body.now));
      return { now: now.toISOString() };
    },
  );

  app.post(
    '/sandbox/jobs/:name',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'runSandboxJob',
        tags: ['sandbox'],
        summary: "Run a scheduled job now for the caller's organization, and answer when it is done",
        params: Type.Object({ name: Type.Enum([...RUNNABLE_JOBS]) }),
        response: {
          200: Type.Object({ name: Type.String(), result: Type.Unknown() }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const result = await queue.runNow(request.params.name, { organizationId: principal.organizationId });
      return { name: request.params.name, result: Array.isArray(result) ? result[0] : result };
    },
  );

  app.post(
    '/sandbox/emails/:id/open',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'openSandboxEmail',
        tags: ['sandbox'],
        summary:
          'The e-mail as its recipient receives it, with working portal links (the sandbox has no SMTP; the delivery log never holds a usable link)',
        params: Type.Object({ id: Id('em_01jd3k4m5n6p7q8r9s0t1v2w3x') }),
        response: {
          200: Type.Object({ html: Type.String(), text: Type.String() }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => mailbox.openAsRecipient(principalOf(request).organizationId, request.params.id),
  );

  app.post(
    '/sandbox/queue/drain',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'drainSandboxQueue',
        tags: ['sandbox'],
        summary: 'Answer when no background job (retries, e-mails) is ready to run',
        response: { 200: Type.Object({ worked: Type.Integer() }), ...errorResponses() },
      },
    },
    async () => ({ worked: await queue.drain({ timeoutMs: 60_000 }) }),
  );
};
