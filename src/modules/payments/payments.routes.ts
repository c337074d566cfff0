import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { toJsonAmount } from '../../lib/money';
import { cursorKey, ListOf, PageQuery, paged } from '../../platform/http/pagination';
import { Currency, component, errorResponses, Id, Instant } from '../../platform/http/schemas';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import type { AccountAttempt, PaymentsService } from './payments.service';
import { RETRY_ORIGINS, TRANSACTION_STATUSES } from './payments.table';

const Nullable = <T extends import('typebox').TSchema>(s: T, options?: { description: string }) =>
  Type.Union([s, Type.Null()], options);

/** What an attempt was for (the `purpose` of its row). */
export const ATTEMPT_PURPOSES = [
  'subscription',
  'installment',
  'one_off',
  'retry',
  'portal',
  'refund',
] as const;

export const PaymentAttemptSchema = Type.Object(
  {
    id: Id('txn_01jd5x2k8v3q7r9t0w1y2z3a4b'),
    kind: Type.Enum(['charge', 'echeck_debit', 'refund'], {
      description: 'charge: a card; echeck_debit: a bank account; refund: money given back',
    }),
    purpose: Type.Enum([...ATTEMPT_PURPOSES], {
      description:
        'subscription, installment: a scheduled charge; one_off: a payment charged from the ledger; retry: an Action Center retry (of a charge, or of a refund when kind is refund); portal: the owner paid a failed amount; refund: money given back',
    }),
    retryOrigin: Nullable(
      Type.Enum([...RETRY_ORIGINS], {
        description:
          'retries: automatic — the retry policy; manual — a person; card_update — a new card or account for the subscription, plan or wallet (RC2). Null for other purposes, and for retries made before it was recorded',
      }),
    ),
    status: Type.Enum([...TRANSACTION_STATUSES], {
      description:
        'processing: the gateway has not answered yet; pending: an eCheck waiting to settle; settled: an eCheck that settled; returned: an eCheck the bank sent back; abandoned: released after a crash, no money moved',
    }),
    amount: Type.Integer({ description: 'Minor units (cents)', examples: [12500] }),
    currency: Currency,
    paymentMethodId: Nullable(Type.String()),
    method: Nullable(
      Type.Object({
        type: Type.Enum(['card', 'echeck']),
        brand: Nullable(Type.String({ examples: ['visa'] })),
        last4: Type.String({ examples: ['4242'] }),
      }),
    ),
    failureCode: Nullable(Type.String({ description: "The gateway's code as recorded (null: none given)" })),
    reason: Nullable(
      Type.Object(
        {
          code: Type.String({ examples: ['insufficient_funds'] }),
          message: Type.String({ description: "The reason in the caller's language" }),
        },
        { description: 'failed or returned: the reason as the failed-transactions list names it' },
      ),
    ),
    failedTransactionId: Nullable(
      Type.String({ description: 'The Action Center entry this attempt opened, updated or retried' }),
    ),
    createdAt: Instant,
    settledAt: Nullable(Instant, {
      description:
        "When the gateway's outcome was recorded: at once for a card or a refund, when it settled or came back for an eCheck; null while processing or pending",
    }),
  },
  component('PaymentAttempt'),
);
export type PaymentAttemptJson = Static<typeof PaymentAttemptSchema>;

export function paymentAttemptJson(a: AccountAttempt): PaymentAttemptJson {
  return {
    id: a.id,
    kind: a.kind,
    purpose: a.purpose as PaymentAttemptJson['purpose'],
    retryOrigin: a.purpose === 'retry' ? a.retryOrigin : null,
    status: a.status,
    amount: toJsonAmount(a.amountMinor),
    currency: a.currency,
    paymentMethodId: a.paymentMethodId,
    method: a.method,
    failureCode: a.failureCode,
    reason: a.reason,
    failedTransactionId: a.failedTransactionId,
    createdAt: a.createdAt.toISOString(),
    settledAt: a.settledAt?.toISOString() ?? null,
  };
}

const AccountParams = Type.Object({ id: Id('acc_01jd5x2k8v3q7r9t0w1y2z3a4b') });

/** Newest first: the instant the attempt was written, then its ID. */
const attemptPages = paged(cursorKey.instant('createdAt'), cursorKey.id('id', 'txn'));

export const paymentsRoutes: FastifyPluginAsyncTypebox<{
  payments: PaymentsService;
  guard: AuthGuard;
}> = async (app, { payments, guard }) => {
  app.get(
    '/accounts/:id/payment-attempts',
    {
      // What reading the ledger needs: the history of the same account's money.
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'listPaymentAttempts',
        tags: ['ledger'],
        summary:
          "Every attempt to move the account's money through the gateway, newest first: what for, how much, with which method and what became of it",
        params: AccountParams,
        querystring: PageQuery,
        response: { 200: ListOf(PaymentAttemptSchema), ...errorResponses(404) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return attemptPages.page(
        request.query,
        (page) => payments.accountAttempts(p.organizationId, request.params.id, page, p.locale),
        paymentAttemptJson,
      );
    },
  );
};
