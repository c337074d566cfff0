import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { toJsonAmount } from '../../lib/money';
import type { IdempotencyStore } from '../../platform/http/idempotency';
import { cursorKey, ListOf, PageQuery, paged } from '../../platform/http/pagination';
import { Currency, component, errorResponses, Id } from '../../platform/http/schemas';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import type { Ra4Key } from './reconciliation.repository';
import type { ReconciliationService } from './reconciliation.service';

// RA4's keyset: balance rank, unreconciled items, owner sort name, account ID.
const reconcilablePages = paged(
  cursorKey.int('balanceRank', 0, 2_147_483_647),
  cursorKey.int('items', 0, 2_147_483_647),
  cursorKey.text('ownerSort'),
  cursorKey.id('accountId', 'acc'),
);

const Amount = Type.Integer({ minimum: 0, description: 'Amount in minor units (cents)', examples: [12500] });

export const ReconcilableAccountSchema = Type.Object(
  {
    accountId: Type.String({ examples: ['acc_01jd3k5x7q8r9s0t1v2w3x4y5z'] }),
    ownerName: Type.String({ examples: ['Émile Roy'] }),
    unreconciledItems: Type.Integer({
      minimum: 0,
      description: 'RA3: unreconciled payments, credit notes, invoices and refunds',
    }),
    unreconciledDebit: { ...Amount, description: 'RA3: open amount of invoices and refunds (RA2 applied)' },
    unreconciledCredit: { ...Amount, description: 'RA3: open amount of payments and credit notes' },
    currency: Currency,
  },
  component('ReconcilableAccount'),
);

const AllocationSchema = Type.Object({
  creditId: Type.String({ examples: ['pay_01jd3k5x7q8r9s0t1v2w3x4y5z'] }),
  debitId: Type.String({ examples: ['inv_01jd3k5x7q8r9s0t1v2w3x4y5z'] }),
  amount: { ...Amount, minimum: 1 },
});

export const ReconcileResultSchema = Type.Object(
  {
    accountId: Type.String(),
    batchId: Type.Union([Type.String(), Type.Null()], {
      description: 'The reconcile batch, for undo; null on a dry run or when nothing was allocated',
    }),
    allocations: Type.Array(AllocationSchema),
    state: Type.Enum(['reconciled', 'debit_remaining', 'credit_remaining']),
    unreconciledDebit: Amount,
    unreconciledCredit: Amount,
    unreconciledItems: Type.Integer({
      minimum: 0,
      description:
        'RA3: the unreconciled items left after this reconcile (documents with an open amount counted)',
    }),
  },
  component('ReconcileResult'),
);

export const JobRunSchema = Type.Object(
  {
    id: Type.String({ examples: ['job_01jd3k5x7q8r9s0t1v2w3x4y5z'] }),
    name: Type.String({ examples: ['reconcile-all'] }),
    state: Type.Enum(['queued', 'running', 'completed', 'failed']),
    done: Type.Integer({ minimum: 0, description: 'accounts processed so far (failed ones included)' }),
    total: Type.Integer({ minimum: 0 }),
    failed: Type.Integer({ minimum: 0 }),
  },
  component('Job'),
);

export interface ReconciliationRoutesDeps {
  reconciliation: ReconciliationService;
  guard: AuthGuard;
  /** Idempotency-Key on reconcile and reconcile-all (API.md: every POST that moves money or starts work) */
  idempotency: IdempotencyStore;
}

export const reconciliationRoutes: FastifyPluginAsyncTypebox<ReconciliationRoutesDeps> = async (
  app,
  { reconciliation, guard, idempotency },
) => {
  // RA7: every route of the section needs reconciliations.manage.
  const manage = guard.require('reconciliations.manage');

  app.get(
    '/action-center/reconcilable-accounts/zero-balance-summary',
    {
      onRequest: manage,
      schema: {
        operationId: 'getZeroBalanceSummary',
        tags: ['action-center'],
        summary: 'How many zero-balance accounts "reconcile all" would settle, and for how much (RA4)',
        response: {
          200: Type.Object(
            {
              accounts: Type.Integer({ minimum: 0, description: 'zero-balance reconcilable accounts' }),
              amount: {
                ...Amount,
                description: 'their unreconciled debit (equal to their unreconciled credit)',
              },
              currency: Type.String({ examples: ['CAD'] }),
            },
            component('ZeroBalanceSummary'),
          ),
          ...errorResponses(),
        },
      },
    },
    async (request) => {
      const summary = await reconciliation.zeroBalanceSummary(principalOf(request).organizationId);
      return {
        accounts: summary.accounts,
        amount: toJsonAmount(summary.amountMinor),
        currency: summary.currency,
      };
    },
  );

  app.get(
    '/action-center/reconcilable-accounts',
    {
      onRequest: manage,
      schema: {
        operationId: 'listReconcilableAccounts',
        tags: ['action-center'],
        summary: 'Accounts with unreconciled debits and credits (RA1–RA3), zero balance first (RA4)',
        querystring: PageQuery,
        response: { 200: ListOf(ReconcilableAccountSchema), ...errorResponses() },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const after: Ra4Key | undefined = reconcilablePages.after(request.query.cursor);
      const page = await reconciliation.list(principal.organizationId, {
        limit: request.query.limit ?? 50,
        after,
      });
      return {
        items: page.rows.map((r) => ({
          accountId: r.accountId,
          ownerName: r.ownerName,
          unreconciledItems: r.items,
          unreconciledDebit: toJsonAmount(r.debitMinor),
          unreconciledCredit: toJsonAmount(r.creditMinor),
          currency: page.currency,
        })),
        nextCursor: reconcilablePages.next(page.next),
      };
    },
  );

  app.post(
    '/action-center/reconcilable-accounts/:accountId/reconcile',
    {
      onRequest: manage,
      schema: {
        operationId: 'reconcileAccount',
        tags: ['action-center'],
        summary: 'Allocate the unreconciled credits to the unreconciled debits, oldest first (RA5, RA6, RA8)',
        description:
          'With dryRun=true, answers the allocations it would make and writes nothing. An account with nothing to ' +
          'reconcile answers 200 with no allocations and its state. Honours Idempotency-Key (the same key answers ' +
          'the first reconcile again).',
        params: Type.Object({ accountId: Id('acc_01jd3k5x7q8r9s0t1v2w3x4y5z') }),
        querystring: Type.Object(
          { dryRun: Type.Optional(Type.Boolean({ default: false })) },
          { additionalProperties: false },
        ),
        response: { 200: ReconcileResultSchema, ...errorResponses(404, 422) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      // With an Idempotency-Key, a repeated request answers the first reconcile's batch and allocations
      // (replayed) instead of a second, empty reconcile.
      return idempotency.withIdempotency(request, reply, principal.organizationId, async () => {
        const result = await reconciliation.reconcile(principal.organizationId, request.params.accountId, {
          actorId: principal.userId,
          dryRun: request.query.dryRun ?? false,
        });
        return {
          status: 200,
          body: {
            accountId: result.accountId,
            batchId: result.batchId,
            allocations: result.allocations.map((a) => ({
              creditId: a.creditId,
              debitId: a.debitId,
              amount: toJsonAmount(a.amount),
            })),
            state: result.state,
            unreconciledDebit: toJsonAmount(result.unreconciledDebit),
            unreconciledCredit: toJsonAmount(result.unreconciledCredit),
            unreconciledItems: result.unreconciledItems,
          },
        };
      });
    },
  );

  app.delete(
    '/reconciliations/:batchId',
    {
      onRequest: manage,
      schema: {
        operationId: 'undoReconciliation',
        tags: ['action-center'],
        summary: 'Undo one reconcile: remove exactly the allocations of that batch',
        description:
          '409 when the batch was already undone, or when a document it touched has an allocation made after it ' +
          '(undo that one first).',
        params: Type.Object({ batchId: Id('rcb_01jd3k5x7q8r9s0t1v2w3x4y5z') }),
        response: { 204: Type.Null(), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await reconciliation.undo(principal.organizationId, request.params.batchId, principal.userId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/action-center/reconcilable-accounts/reconcile-all',
    {
      onRequest: manage,
      schema: {
        operationId: 'reconcileAllAccounts',
        tags: ['action-center'],
        summary: 'Start a background job that reconciles every listed account; follow it at /jobs/:id',
        description:
          'Honours Idempotency-Key: the same key answers the first job instead of starting another.',
        body: Type.Object(
          {
            zeroBalanceOnly: Type.Optional(
              Type.Boolean({
                default: false,
                description: 'only the accounts whose debit equals their credit',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ jobId: Type.String() }), ...errorResponses() },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      // With an Idempotency-Key, a repeated request answers the first job's ID: one bulk job, not two.
      return idempotency.withIdempotency(request, reply, principal.organizationId, async () => ({
        status: 202,
        body: await reconciliation.startReconcileAll(principal.organizationId, principal.userId, {
          zeroBalanceOnly: request.body.zeroBalanceOnly ?? false,
        }),
      }));
    },
  );

  app.get(
    '/jobs/:id',
    {
      onRequest: manage,
      schema: {
        operationId: 'getJob',
        tags: ['action-center'],
        summary: 'Progress of a bulk job (done / total / failed)',
        params: Type.Object({ id: Id('job_01jd3k5x7q8r9s0t1v2w3x4y5z') }),
        response: { 200: JobRunSchema, ...errorResponses(404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return reconciliation.getJob(principal.organizationId, request.params.id);
    },
  );
};
