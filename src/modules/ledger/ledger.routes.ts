import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { toJsonAmount } from '../../lib/money';
import { type IdempotencyStore, idempotencyKeyOf } from '../../platform/http/idempotency';
import { cursorKey, ListOf, PageQuery, paged } from '../../platform/http/pagination';
import {
  AmountMinor,
  Currency,
  component,
  errorResponses,
  Id,
  Instant,
  IsoDateSchema,
} from '../../platform/http/schemas';
import { failureMessage } from '../gateway/failure-codes';
import { PAYMENT_METHODS, type PaymentsService } from '../payments/payments.service';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import { type DocumentsService, type LedgerItem, reconciliationStatusOf } from './documents.service';
import type { Allocation } from './ledger.service';
import { DOCUMENT_KINDS } from './ledger.table';

const Nullable = <T extends import('typebox').TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Reference = Type.String({ maxLength: 200 });
const Text = Type.String({ maxLength: 2000 });

const ledgerItemFields = {
  id: Type.String({ examples: ['inv_01jd5x2k8v3q7r9t0w1y2z3a4b'] }),
  accountId: Type.String(),
  kind: Type.Enum([...DOCUMENT_KINDS]),
  amount: Type.Integer(),
  openAmount: Type.Integer({ description: 'The part not yet allocated' }),
  currency: Currency,
  date: IsoDateSchema,
  reference: Nullable(Type.String()),
  description: Nullable(Type.String()),
  status: Type.Enum(['posted', 'pending', 'void'], {
    description: 'pending: an eCheck payment not settled yet (not a credit); void: it came back returned',
  }),
  method: Nullable(Type.Enum([...PAYMENT_METHODS])),
  paymentMethodId: Nullable(Type.String()),
  invoiceId: Nullable(Type.String({ description: 'payments: the invoice the money was for' })),
  refundedPaymentId: Nullable(Type.String({ description: 'refunds: the payment given back' })),
  reconciliationStatus: Type.Enum(['full', 'partial', 'none', 'covered'], {
    description: 'covered: an invoice whose open amount scheduled or pending payments cover (RA2)',
  }),
  createdAt: Instant,
};
export const LedgerItemSchema = Type.Object(ledgerItemFields, component('LedgerItem'));
export type LedgerItemJson = Static<typeof LedgerItemSchema>;

export function ledgerItemJson(d: LedgerItem): LedgerItemJson {
  return {
    id: d.id,
    accountId: d.accountId,
    kind: d.kind,
    amount: toJsonAmount(d.amountMinor),
    openAmount: toJsonAmount(d.openMinor),
    currency: d.currency,
    date: d.date,
    reference: d.reference,
    description: d.description,
    status: d.status,
    method: d.method,
    paymentMethodId: d.paymentMethodId,
    invoiceId: d.forInvoiceId,
    refundedPaymentId: d.refundedDocumentId,
    reconciliationStatus: d.reconciliationStatus,
    createdAt: d.createdAt.toISOString(),
  };
}

const asItem = (doc: Omit<LedgerItem, 'reconciliationStatus' | 'coveredMinor'>): LedgerItem => ({
  ...doc,
  coveredMinor: 0n,
  reconciliationStatus: reconciliationStatusOf(doc, 0n),
});

const { status: _documentStatus, ...paymentFields } = ledgerItemFields;
const PaymentResultSchema = Type.Object({
  ...paymentFields,
  status: Type.Enum(['received', 'succeeded', 'pending'], {
    description: 'received: cash, cheque, other; succeeded: card; pending: eCheck until it settles',
  }),
  documentStatus: Type.Enum(['posted', 'pending', 'void']),
  transactionId: Nullable(Type.String()),
  allocatedAmount: Type.Integer({ description: 'How much went to the invoice' }),
});

const RefundResultSchema = Type.Object({
  id: Nullable(Type.String({ description: 'The refund document; null when the gateway refused it' })),
  kind: Type.Literal('refund'),
  paymentId: Type.String(),
  amount: Type.Integer(),
  openAmount: Type.Integer(),
  date: IsoDateSchema,
  status: Type.Enum(['succeeded', 'paid_out', 'failed'], {
    description: 'paid_out: a cash or cheque payment given back by hand; failed: an Action Center entry',
  }),
  transactionId: Nullable(Type.String()),
  code: Type.Optional(Type.String({ examples: ['insufficient_merchant_funds'] })),
  reason: Type.Optional(
    Type.Object(
      {
        code: Type.String({ examples: ['insufficient_merchant_funds'] }),
        message: Type.String({ description: "Why it failed, in the caller's language" }),
      },
      { description: 'failed: the refusal code and its message' },
    ),
  ),
  failedTransactionId: Type.Optional(Type.String()),
  createdAt: Nullable(Instant),
});

export const AllocationSchema = Type.Object({
  id: Type.String({ examples: ['alc_01jd5x2k8v3q7r9t0w1y2z3a4b'] }),
  creditId: Type.String(),
  debitId: Type.String(),
  amount: Type.Integer(),
  batchId: Nullable(Type.String()),
  source: Type.String({ description: 'manual | reconcile | payment | refund | retry' }),
  createdAt: Instant,
});

function allocationJson(a: Allocation) {
  return {
    id: a.id,
    creditId: a.creditId,
    debitId: a.debitId,
    amount: toJsonAmount(a.amountMinor),
    batchId: a.batchId,
    source: a.source,
    createdAt: a.createdAt.toISOString(),
  };
}

const AccountParams = Type.Object({ id: Id('acc_01jd5x2k8v3q7r9t0w1y2z3a4b') });

// The ledger mixes the four document kinds, ordered by date then ID.
const ledgerPages = paged(cursorKey.date('date'), cursorKey.id('id', 'inv', 'pay', 'cn', 'rf'));
const allocationPages = paged(cursorKey.instant('createdAt'), cursorKey.id('id', 'alc'));

export const ledgerRoutes: FastifyPluginAsyncTypebox<{
  documents: DocumentsService;
  payments: PaymentsService;
  idempotency: IdempotencyStore;
  guard: AuthGuard;
}> = async (app, { documents, payments, idempotency, guard }) => {
  app.get(
    '/accounts/:id/ledger',
    {
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'listLedger',
        tags: ['ledger'],
        summary: "The account's invoices, refunds, payments and credit notes with their open amounts",
        params: AccountParams,
        querystring: PageQuery,
        response: { 200: ListOf(LedgerItemSchema), ...errorResponses(404) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return ledgerPages.page(
        request.query,
        (page) => documents.listLedger(p.organizationId, request.params.id, page),
        ledgerItemJson,
      );
    },
  );

  app.post(
    '/accounts/:id/invoices',
    {
      onRequest: guard.require('billing.write'),
      schema: {
        operationId: 'createInvoice',
        tags: ['ledger'],
        summary: 'Issue an invoice (a debit)',
        params: AccountParams,
        body: Type.Object(
          {
            amount: AmountMinor,
            date: IsoDateSchema,
            reference: Type.Optional(Reference),
            description: Type.Optional(Text),
          },
          { additionalProperties: false },
        ),
        response: { 201: LedgerItemSchema, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const doc = await documents.createInvoice(p.organizationId, p.userId, request.params.id, {
        amountMinor: BigInt(request.body.amount),
        date: request.body.date,
        reference: request.body.reference,
        description: request.body.description,
      });
      return reply.status(201).send(ledgerItemJson(doc));
    },
  );

  app.post(
    '/accounts/:id/credit-notes',
    {
      onRequest: guard.require('billing.write'),
      schema: {
        operationId: 'createCreditNote',
        tags: ['ledger'],
        summary: 'Issue a credit note (a credit)',
        params: AccountParams,
        body: Type.Object(
          {
            amount: AmountMinor,
            date: IsoDateSchema,
            reason: Type.Optional(Text),
            reference: Type.Optional(Reference),
          },
          { additionalProperties: false },
        ),
        response: { 201: LedgerItemSchema, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const doc = await documents.createCreditNote(p.organizationId, p.userId, request.params.id, {
        amountMinor: BigInt(request.body.amount),
        date: request.body.date,
        reason: request.body.reason,
        reference: request.body.reference,
      });
      return reply.status(201).send(ledgerItemJson(doc));
    },
  );

  app.post(
    '/accounts/:id/payments',
    {
      onRequest: guard.require('billing.write'),
      schema: {
        operationId: 'createPayment',
        tags: ['ledger'],
        summary:
          'Record a payment (cash, cheque, other) or charge one (card now; eCheck pending until it settles). A declined card answers 402 and writes nothing to the ledger.',
        description:
          "Honours Idempotency-Key: the same key and body replay the first answer (a 402 included) without charging again; the same key with another body is 409. A 402 carries the decline `code` and a `message` in the caller's language.",
        params: AccountParams,
        body: Type.Object(
          {
            amount: AmountMinor,
            date: IsoDateSchema,
            method: Type.Enum([...PAYMENT_METHODS]),
            paymentMethodId: Type.Optional(Id('pm_01jd5x2k8v3q7r9t0w1y2z3a4b')),
            invoiceId: Type.Optional(Id('inv_01jd5x2k8v3q7r9t0w1y2z3a4b')),
          },
          { additionalProperties: false },
        ),
        response: { 201: PaymentResultSchema, ...errorResponses(402, 404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return idempotency.withIdempotency(request, reply, p.organizationId, async () => {
        const result = await payments.chargeOneOff({
          organizationId: p.organizationId,
          actorId: p.userId,
          accountId: request.params.id,
          amountMinor: BigInt(request.body.amount),
          date: request.body.date,
          method: request.body.method,
          paymentMethodId: request.body.paymentMethodId,
          invoiceId: request.body.invoiceId,
          idempotencyKey: idempotencyKeyOf(request),
          locale: p.locale,
        });
        const item = ledgerItemJson(asItem(result.document));
        return {
          status: 201,
          body: {
            ...item,
            status: result.status,
            documentStatus: result.document.status,
            transactionId: result.transactionId,
            allocatedAmount: toJsonAmount(result.allocatedMinor),
          },
        };
      });
    },
  );

  app.post(
    '/accounts/:id/refunds',
    {
      onRequest: guard.require('billing.write'),
      schema: {
        operationId: 'createRefund',
        tags: ['ledger'],
        summary:
          "Give money back from a payment, through the gateway to the payment's method (or paid out by hand for cash and cheques). A refusal answers 201 with status failed and an Action Center entry.",
        description:
          "Honours Idempotency-Key: the same key and body replay the first answer without refunding again; the same key with another body is 409. A failed refund carries `reason: {code, message}`, the message in the caller's language.",
        params: AccountParams,
        body: Type.Object(
          {
            amount: AmountMinor,
            paymentId: Id('pay_01jd5x2k8v3q7r9t0w1y2z3a4b'),
            date: Type.Optional(IsoDateSchema),
          },
          { additionalProperties: false },
        ),
        response: { 201: RefundResultSchema, ...errorResponses(404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return idempotency.withIdempotency(request, reply, p.organizationId, async () => {
        const r = await payments.refund({
          organizationId: p.organizationId,
          actorId: p.userId,
          accountId: request.params.id,
          paymentId: request.body.paymentId,
          amountMinor: BigInt(request.body.amount),
          date: request.body.date,
          idempotencyKey: idempotencyKeyOf(request),
        });
        return {
          status: 201,
          body: {
            id: r.document?.id ?? null,
            kind: 'refund' as const,
            paymentId: r.paymentId,
            amount: toJsonAmount(r.amountMinor),
            openAmount: toJsonAmount(r.document?.openMinor ?? 0n),
            date: r.date,
            status: r.status,
            transactionId: r.transactionId,
            ...(r.code
              ? { code: r.code, reason: { code: r.code, message: failureMessage(r.code, p.locale) } }
              : {}),
            ...(r.failedTransactionId ? { failedTransactionId: r.failedTransactionId } : {}),
            createdAt: r.document?.createdAt.toISOString() ?? null,
          },
        };
      });
    },
  );

  app.post(
    '/accounts/:id/allocations',
    {
      onRequest: guard.require('billing.write'),
      schema: {
        operationId: 'createAllocation',
        tags: ['ledger'],
        summary:
          'Allocate part of a credit (payment, credit note) to a debit (invoice, refund) of the account',
        params: AccountParams,
        body: Type.Object(
          {
            creditId: Id('pay_01jd5x2k8v3q7r9t0w1y2z3a4b'),
            debitId: Id('inv_01jd5x2k8v3q7r9t0w1y2z3a4b'),
            amount: AmountMinor,
          },
          { additionalProperties: false },
        ),
        response: { 201: AllocationSchema, ...errorResponses(404, 422) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const allocation = await documents.allocate(p.organizationId, p.userId, request.params.id, {
        creditId: request.body.creditId,
        debitId: request.body.debitId,
        amountMinor: BigInt(request.body.amount),
      });
      return reply.status(201).send(allocationJson(allocation));
    },
  );

  app.get(
    '/accounts/:id/allocations',
    {
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'listAllocations',
        tags: ['ledger'],
        summary: "The account's allocations, oldest first",
        params: AccountParams,
        querystring: PageQuery,
        response: { 200: ListOf(AllocationSchema), ...errorResponses(404) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return allocationPages.page(
        request.query,
        (page) => documents.listAllocations(p.organizationId, request.params.id, page),
        allocationJson,
      );
    },
  );

  app.delete(
    '/allocations/:id',
    {
      onRequest: guard.require('billing.write'),
      schema: {
        operationId: 'deleteAllocation',
        tags: ['ledger'],
        summary: 'Undo an allocation: both documents get the amount back',
        params: Type.Object({ id: Id('alc_01jd5x2k8v3q7r9t0w1y2z3a4b') }),
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await documents.deleteAllocation(p.organizationId, p.userId, request.params.id);
      return reply.status(204).send(null);
    },
  );
};
