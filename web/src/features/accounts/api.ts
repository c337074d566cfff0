import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { answer, api } from '../../api/client';
import type { Answer, BodyOf, ItemOf, Schemas } from '../../api/schema';

export type Account = Schemas['Account'];
export type LedgerDocument = Schemas['LedgerItem'];
export type ReconciliationStatus = LedgerDocument['reconciliationStatus'];
export type PaymentMethod = Schemas['PaymentMethod'];
export type Subscription = Answer<'createSubscription', 201>;
export type UpcomingPayment = ItemOf<'listUpcomingPayments'>;
export type PaymentAttempt = ItemOf<'listPaymentAttempts'>;
export type PaymentResult = Answer<'createPayment', 201>;
export type RefundResult = Answer<'createRefund', 201>;
export type Allocation = ItemOf<'listAllocations'>;

const accountKey = (id: string) => ['account', id] as const;

export function useAccounts(search: string) {
  return useInfiniteQuery({
    queryKey: ['accounts', search],
    queryFn: ({ pageParam }) =>
      answer(
        api.GET('/api/v1/accounts', {
          params: { query: { search, cursor: pageParam ?? undefined, limit: 50 } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useCreateAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: BodyOf<'createAccount'>) => answer(api.POST('/api/v1/accounts', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['accounts'] }),
    meta: { form: true },
  });
}

export function useAccount(id: string) {
  return useQuery({
    queryKey: [...accountKey(id), 'header'],
    queryFn: () => answer(api.GET('/api/v1/accounts/{id}', { params: { path: { id } } })),
  });
}

/** One of the account's lists, in pages of 200. */
function usePagedAll<T extends { nextCursor: string | null }>(
  id: string,
  name: string,
  page: (params: { path: { id: string }; query: { cursor?: string; limit: number } }) => Promise<T>,
) {
  return useInfiniteQuery({
    queryKey: [...accountKey(id), name],
    queryFn: ({ pageParam }) => page({ path: { id }, query: { cursor: pageParam ?? undefined, limit: 200 } }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export const useLedger = (id: string) =>
  usePagedAll(id, 'ledger', (params) => answer(api.GET('/api/v1/accounts/{id}/ledger', { params })));
export const useAllocations = (id: string) =>
  usePagedAll(id, 'allocations', (params) =>
    answer(api.GET('/api/v1/accounts/{id}/allocations', { params })),
  );
export const usePaymentMethods = (id: string) =>
  // One page: an account's methods are few, so the list takes no paging query.
  usePagedAll(id, 'payment-methods', ({ path }) =>
    answer(api.GET('/api/v1/accounts/{id}/payment-methods', { params: { path } })),
  );
export const useUpcomingPayments = (id: string) =>
  usePagedAll(id, 'upcoming-payments', (params) =>
    answer(api.GET('/api/v1/accounts/{id}/upcoming-payments', { params })),
  );
/** Every attempt to move the account's money, newest first (the reasons come in the viewer's language). */
export const usePaymentAttempts = (id: string) =>
  usePagedAll(id, 'payment-attempts', (params) =>
    answer(api.GET('/api/v1/accounts/{id}/payment-attempts', { params })),
  );

/**
 * Every write on an account can move its balances, ledger, wallet and schedule: refresh them all (and the
 * Action Center's counts and charts when the write can add a failed transaction).
 */
function useAccountWrite<V, R>(
  id: string,
  write: (variables: V) => Promise<R>,
  form = true,
  options: { silent?: boolean; actionCenter?: boolean; handles?: number[] } = {},
) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: write,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: accountKey(id) });
      if (options.actionCenter) {
        await queryClient.invalidateQueries({ queryKey: ['action-center'] });
        await queryClient.invalidateQueries({ queryKey: ['failed-transactions'] });
      }
    },
    meta: { form, silent: options.silent, handles: options.handles },
  });
}

/** The allocation form says a 422 (e.g. more than an open amount) itself, in the viewer's language. */
export function useCreateAllocation(id: string) {
  return useAccountWrite(
    id,
    (body: BodyOf<'createAllocation'>) =>
      answer(api.POST('/api/v1/accounts/{id}/allocations', { params: { path: { id } }, body })),
    true,
    { handles: [422] },
  );
}

export function useUndoAllocation(id: string) {
  return useAccountWrite(
    id,
    (allocationId: string) =>
      answer(api.DELETE('/api/v1/allocations/{id}', { params: { path: { id: allocationId } } })),
    false,
  );
}

export type NewDocument =
  | { kind: 'invoices'; body: BodyOf<'createInvoice'> }
  | { kind: 'credit-notes'; body: BodyOf<'createCreditNote'> };

export function useCreateDocument(id: string) {
  return useAccountWrite(id, (document: NewDocument) =>
    answer(
      document.kind === 'invoices'
        ? api.POST('/api/v1/accounts/{id}/invoices', { params: { path: { id } }, body: document.body })
        : api.POST('/api/v1/accounts/{id}/credit-notes', { params: { path: { id } }, body: document.body }),
    ),
  );
}

type NewPaymentMethod = BodyOf<'createPaymentMethod'>;
/** A sandbox card: its details are tokenised by the server and never stored. */
export type NewCard = Omit<Extract<NewPaymentMethod, { number: string }>, 'type'>;

export function useAddCard(id: string) {
  return useAccountWrite(id, (card: NewCard) =>
    answer(
      api.POST('/api/v1/accounts/{id}/payment-methods', {
        params: { path: { id } },
        body: { type: 'card', ...card },
      }),
    ),
  );
}

/** The live gateway: a SetupIntent for Stripe.js, then the pm_… ID it produced (never a number). */
export function useStripeSetupIntent(id: string) {
  return useMutation({
    mutationFn: (type: 'card' | 'echeck') =>
      answer(
        api.POST('/api/v1/accounts/{id}/payment-methods/setup-intent', {
          params: { path: { id } },
          body: { type },
        }),
      ),
  });
}

export function useAddGatewayToken(id: string) {
  return useAccountWrite(
    id,
    (body: { type: 'card' | 'echeck'; gatewayToken: string; saveToWallet: boolean }) =>
      answer(api.POST('/api/v1/accounts/{id}/payment-methods', { params: { path: { id } }, body })),
  );
}

export function useRemoveFromWallet(id: string) {
  return useAccountWrite(
    id,
    (methodId: string) =>
      answer(api.DELETE('/api/v1/payment-methods/{id}', { params: { path: { id: methodId } } })),
    false,
  );
}

export function useChangeScheduleMethod(id: string) {
  return useAccountWrite(
    id,
    ({ payment, paymentMethodId }: { payment: UpcomingPayment; paymentMethodId: string }) => {
      const change = { params: { path: { id: payment.sourceId } }, body: { paymentMethodId } };
      return answer<unknown>(
        payment.source === 'subscription'
          ? api.PATCH('/api/v1/subscriptions/{id}', change)
          : api.PATCH('/api/v1/installment-plans/{id}', change),
      );
    },
    false,
    // FT5: the failed entry's retry now charges the new method: its row (and whether retry is allowed) changes.
    { actionCenter: true },
  );
}

export type NewPayment = BodyOf<'createPayment'>;
/** How the money came: recorded as received (cash, cheque, other) or charged (card, echeck). */
export type PaymentMethodKind = NewPayment['method'];

/**
 * Records (cash, cheque, other) or charges (card, eCheck) a payment. The form shows every error itself,
 * including a 402 decline. One idempotency key per submitted payment, kept for the retries of that one.
 */
export function useRecordPayment(id: string) {
  return useAccountWrite(
    id,
    ({ body, idempotencyKey }: { body: NewPayment; idempotencyKey: string }) =>
      answer(
        api.POST('/api/v1/accounts/{id}/payments', {
          params: { path: { id } },
          body,
          headers: { 'Idempotency-Key': idempotencyKey },
        }),
      ),
    true,
    { silent: true },
  );
}

export type NewRefund = BodyOf<'createRefund'>;

/** A refused refund answers 201 with status failed and becomes an Action Center entry. */
export function useRefund(id: string) {
  return useAccountWrite(
    id,
    ({ body, idempotencyKey }: { body: NewRefund; idempotencyKey: string }) =>
      answer(
        api.POST('/api/v1/accounts/{id}/refunds', {
          params: { path: { id } },
          body,
          headers: { 'Idempotency-Key': idempotencyKey },
        }),
      ),
    true,
    { silent: true, actionCenter: true },
  );
}

/** A sandbox bank account (eCheck). */
export type NewBankAccount = Omit<Extract<NewPaymentMethod, { routingNumber: string }>, 'type'>;

export function useAddBankAccount(id: string) {
  return useAccountWrite(id, (bank: NewBankAccount) =>
    answer(
      api.POST('/api/v1/accounts/{id}/payment-methods', {
        params: { path: { id } },
        body: { type: 'echeck', ...bank },
      }),
    ),
  );
}

export type NewSubscription = BodyOf<'createSubscription'>;
export type Interval = NewSubscription['interval'];

export function useCreateSubscription(id: string) {
  return useAccountWrite(id, (body: NewSubscription) =>
    answer(api.POST('/api/v1/accounts/{id}/subscriptions', { params: { path: { id } }, body })),
  );
}

export type NewInstallmentPlan = BodyOf<'createInstallmentPlan'>;

export function useCreateInstallmentPlan(id: string) {
  return useAccountWrite(id, (body: NewInstallmentPlan) =>
    answer(api.POST('/api/v1/accounts/{id}/installment-plans', { params: { path: { id } }, body })),
  );
}

/** The lifecycle of a subscription or a plan (API.md, Lifecycle): what the Upcoming payments tab offers. */
export type ScheduleAction = 'cancelNow' | 'cancelAtPeriodEnd' | 'pause' | 'resume' | 'cancelPlan';

export function useScheduleAction(id: string) {
  return useAccountWrite(
    id,
    ({ action, sourceId }: { action: ScheduleAction; sourceId: string }) => {
      const path = { params: { path: { id: sourceId } } };
      switch (action) {
        case 'cancelNow':
        case 'cancelAtPeriodEnd':
          return answer<unknown>(
            api.POST('/api/v1/subscriptions/{id}/cancel', {
              ...path,
              body: { at: action === 'cancelNow' ? 'now' : 'period_end' },
            }),
          );
        case 'pause':
          return answer<unknown>(api.POST('/api/v1/subscriptions/{id}/pause', path));
        case 'resume':
          return answer<unknown>(api.POST('/api/v1/subscriptions/{id}/resume', path));
        case 'cancelPlan':
          return answer<unknown>(api.POST('/api/v1/installment-plans/{id}/cancel', path));
      }
    },
    false,
    // A withdrawn charge changes the expiring cards' amounts at risk and the reconcilable summary.
    { actionCenter: true },
  );
}

export type ScheduledPaymentChange = BodyOf<'updateScheduledPayment'>;

export function useEditScheduledPayment(id: string) {
  return useAccountWrite(
    id,
    ({ paymentId, body }: { paymentId: string; body: ScheduledPaymentChange }) =>
      answer(api.PATCH('/api/v1/scheduled-payments/{id}', { params: { path: { id: paymentId } }, body })),
    true,
    { actionCenter: true, handles: [409, 422] },
  );
}
