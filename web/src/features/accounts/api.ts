import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type {
  Account,
  Allocation,
  InstallmentPlan,
  Interval,
  LedgerDocument,
  Locale,
  Page,
  PaymentMethod,
  PaymentMethodKind,
  PaymentResult,
  RefundResult,
  Subscription,
  UpcomingPayment,
} from '../../api/types';

const accountKey = (id: string) => ['account', id] as const;

export function useAccounts(search: string) {
  return useInfiniteQuery({
    queryKey: ['accounts', search],
    queryFn: ({ pageParam }) =>
      api<Page<Account>>('/accounts', { query: { search, cursor: pageParam, limit: 50 } }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useCreateAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { ownerName: string; ownerEmail: string; locale: Locale }) =>
      api<Account>('/accounts', { method: 'POST', json: body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['accounts'] }),
    meta: { form: true },
  });
}

export function useAccount(id: string) {
  return useQuery({
    queryKey: [...accountKey(id), 'header'],
    queryFn: () => api<Account>(`/accounts/${id}`),
  });
}

function usePagedAll<T>(id: string, name: string, path: string) {
  return useInfiniteQuery({
    queryKey: [...accountKey(id), name],
    queryFn: ({ pageParam }) => api<Page<T>>(path, { query: { cursor: pageParam, limit: 200 } }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export const useLedger = (id: string) => usePagedAll<LedgerDocument>(id, 'ledger', `/accounts/${id}/ledger`);
export const useAllocations = (id: string) =>
  usePagedAll<Allocation>(id, 'allocations', `/accounts/${id}/allocations`);
export const usePaymentMethods = (id: string) =>
  usePagedAll<PaymentMethod>(id, 'payment-methods', `/accounts/${id}/payment-methods`);
export const useUpcomingPayments = (id: string) =>
  usePagedAll<UpcomingPayment>(id, 'upcoming-payments', `/accounts/${id}/upcoming-payments`);

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
      if (options.actionCenter) await queryClient.invalidateQueries({ queryKey: ['action-center'] });
    },
    meta: { form, silent: options.silent, handles: options.handles },
  });
}

/** The allocation form says a 422 (e.g. more than an open amount) itself, in the viewer's language. */
export function useCreateAllocation(id: string) {
  return useAccountWrite(
    id,
    (body: { creditId: string; debitId: string; amount: number }) =>
      api<Allocation>(`/accounts/${id}/allocations`, { method: 'POST', json: body }),
    true,
    { handles: [422] },
  );
}

export function useUndoAllocation(id: string) {
  return useAccountWrite(
    id,
    (allocationId: string) => api<void>(`/allocations/${allocationId}`, { method: 'DELETE' }),
    false,
  );
}

export type NewDocument =
  | { kind: 'invoices'; body: { amount: number; date: string; reference?: string; description?: string } }
  | { kind: 'credit-notes'; body: { amount: number; date: string; reason?: string } };

export function useCreateDocument(id: string) {
  return useAccountWrite(id, (document: NewDocument) =>
    api<LedgerDocument>(`/accounts/${id}/${document.kind}`, { method: 'POST', json: document.body }),
  );
}

export interface NewCard {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
  saveToWallet: boolean;
}

export function useAddCard(id: string) {
  return useAccountWrite(id, (card: NewCard) =>
    api<PaymentMethod>(`/accounts/${id}/payment-methods`, {
      method: 'POST',
      json: { type: 'card', ...card },
    }),
  );
}

export function useRemoveFromWallet(id: string) {
  return useAccountWrite(
    id,
    (methodId: string) => api<void>(`/payment-methods/${methodId}`, { method: 'DELETE' }),
    false,
  );
}

export function useChangeScheduleMethod(id: string) {
  return useAccountWrite(
    id,
    ({ payment, paymentMethodId }: { payment: UpcomingPayment; paymentMethodId: string }) =>
      api<unknown>(
        `/${payment.source === 'subscription' ? 'subscriptions' : 'installment-plans'}/${payment.sourceId}`,
        { method: 'PATCH', json: { paymentMethodId } },
      ),
    false,
  );
}

export interface NewPayment {
  amount: number;
  date: string;
  method: PaymentMethodKind;
  paymentMethodId?: string;
  invoiceId?: string;
}

/**
 * Records (cash, cheque, other) or charges (card, eCheck) a payment. The form shows every error itself,
 * including a 402 decline. One idempotency key per submitted payment, kept for the retries of that one.
 */
export function useRecordPayment(id: string) {
  return useAccountWrite(
    id,
    ({ body, idempotencyKey }: { body: NewPayment; idempotencyKey: string }) =>
      api<PaymentResult>(`/accounts/${id}/payments`, {
        method: 'POST',
        json: body,
        headers: { 'Idempotency-Key': idempotencyKey },
      }),
    true,
    { silent: true },
  );
}

export interface NewRefund {
  amount: number;
  paymentId: string;
  date?: string;
}

/** A refused refund answers 201 with status failed and becomes an Action Center entry. */
export function useRefund(id: string) {
  return useAccountWrite(
    id,
    ({ body, idempotencyKey }: { body: NewRefund; idempotencyKey: string }) =>
      api<RefundResult>(`/accounts/${id}/refunds`, {
        method: 'POST',
        json: body,
        headers: { 'Idempotency-Key': idempotencyKey },
      }),
    true,
    { silent: true, actionCenter: true },
  );
}

export interface NewBankAccount {
  routingNumber: string;
  accountNumber: string;
  holderName: string;
  saveToWallet: boolean;
}

export function useAddBankAccount(id: string) {
  return useAccountWrite(id, (bank: NewBankAccount) =>
    api<PaymentMethod>(`/accounts/${id}/payment-methods`, {
      method: 'POST',
      json: { type: 'echeck', ...bank },
    }),
  );
}

export interface NewSubscription {
  amount: number;
  interval: Interval;
  startDate: string;
  paymentMethodId: string;
  description?: string;
}

export function useCreateSubscription(id: string) {
  return useAccountWrite(id, (body: NewSubscription) =>
    api<Subscription>(`/accounts/${id}/subscriptions`, { method: 'POST', json: body }),
  );
}

export interface NewInstallmentPlan {
  invoiceId: string;
  paymentMethodId: string;
  installments: Array<{ dueDate: string; amount: number }>;
}

export function useCreateInstallmentPlan(id: string) {
  return useAccountWrite(id, (body: NewInstallmentPlan) =>
    api<InstallmentPlan>(`/accounts/${id}/installment-plans`, { method: 'POST', json: body }),
  );
}
