export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  retryAfter?: string;
  /** A declined payment (402): the gateway's decline code. */
  code?: string;
  /** A refund larger than what is left on the payment (422): what is left, in minor units. */
  refundableAmount?: number;
  /** An allocation larger than an open amount (422): that open amount, in minor units. */
  openAmount?: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type Locale = 'fr-CA' | 'en-CA';
export type Role = 'admin' | 'accountant' | 'staff';
export type Permission =
  | 'action_center.view'
  | 'transactions.manage'
  | 'reconciliations.manage'
  | 'billing.write'
  | 'settings.manage';

export interface Me {
  id: string;
  email: string;
  name: string;
  role: Role;
  permissions: Permission[];
  organizationId: string;
  locale?: Locale;
}

export interface Organization {
  id: string;
  name: string;
  contactEmail: string | null;
  billingContactUserId: string | null;
  timezone: string;
  locale: Locale;
  currency: string;
  logoUrl: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export interface EmailPreferences {
  failedTransactionsDigest: boolean;
}

export interface EmailSummary {
  id: string;
  to: string;
  subject: string;
  kind: string;
  status: 'queued' | 'sent' | 'logged' | 'failed';
  createdAt: string;
  sentAt: string | null;
}

export interface EmailDetail extends EmailSummary {
  html: string;
  text: string;
}

export interface AuditEntry {
  id: string;
  actorId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  at: string;
  details: unknown;
}

export interface ActionCenterSummary {
  failedTransactions: number;
  expiringCards: number;
  reconcilableAccounts?: number;
}

export interface Reason {
  code: string;
  message: string;
}

export interface ActionCenterCharts {
  currency: string;
  failedByReason: Array<Reason & { amount: number; count: number }>;
  daily: Array<{ date: string; failures: number; recoveries: number }>;
}

export type TransactionType = 'refund' | 'echeck_payment' | 'installment' | 'subscription';
export type MethodType = 'card' | 'echeck';

export interface FailedTransaction {
  id: string;
  paymentId: string;
  accountId: string;
  customerName: string;
  type: TransactionType;
  paymentMethod: { type: MethodType; brand?: string; last4: string };
  reason: Reason;
  amount: number;
  currency: string;
  failedAt: string;
  status: 'open' | 'retrying';
  attempts: number;
  paidElsewhere: boolean;
  actions: { retry: boolean; ignore: boolean; changePaymentMethod: boolean };
  retryBlockedReason?: string;
  recommendedAction: Reason;
}

export interface FailedTransactionFilters {
  paymentMethod?: MethodType;
  type?: TransactionType;
  reason?: string;
}

export interface ExpiringCard {
  accountId: string;
  customerName: string;
  paymentMethodId: string;
  card: { brand: string; last4: string; expMonth: number; expYear: number };
  upcomingPayments: { count: number; nextDate: string | null; nextAmount: number | null };
  amountAtRisk: number;
  reminderSentAt: string | null;
}

export interface ReconcilableAccount {
  accountId: string;
  ownerName: string;
  unreconciledItems: number;
  unreconciledDebit: number;
  unreconciledCredit: number;
  currency: string;
}

export type ReconcileState = 'reconciled' | 'debit_remaining' | 'credit_remaining';

export interface ReconcileResult {
  accountId: string;
  batchId: string | null;
  allocations: Array<{ creditId: string; debitId: string; amount: number }>;
  state: ReconcileState;
  unreconciledDebit: number;
  unreconciledCredit: number;
}

export interface Job {
  id: string;
  name: string;
  state: string;
  done: number;
  total: number;
  failed: number;
}

export interface Account {
  id: string;
  ownerName: string;
  ownerEmail: string;
  locale: Locale;
  currency: string;
  openDebit: number;
  openCredit: number;
}

export type DocumentKind = 'invoice' | 'refund' | 'payment' | 'credit_note';
export type ReconciliationStatus = 'full' | 'partial' | 'none' | 'covered';

export interface LedgerDocument {
  id: string;
  kind: DocumentKind;
  amount: number;
  openAmount: number;
  date: string;
  reference: string | null;
  description?: string | null;
  status?: string;
  /** Payments: how the money came (cash, cheque, other, card, echeck). */
  method?: PaymentMethodKind | null;
  paymentMethodId?: string | null;
  /** Payments: the invoice the money was for. */
  invoiceId?: string | null;
  /** Refunds: the payment given back. */
  refundedPaymentId?: string | null;
  reconciliationStatus: ReconciliationStatus;
  createdAt: string;
}

export type PaymentMethodKind = 'cash' | 'cheque' | 'other' | MethodType;

export interface PaymentResult extends LedgerDocument {
  status: 'received' | 'succeeded' | 'pending';
  transactionId: string | null;
  allocatedAmount: number;
}

export interface RefundResult {
  id: string | null;
  paymentId: string;
  amount: number;
  date: string;
  /** paid_out: a cash or cheque payment given back by hand; failed: now an Action Center entry. */
  status: 'succeeded' | 'paid_out' | 'failed';
  code?: string;
  failedTransactionId?: string;
}

export type Interval = 'week' | 'month' | 'year';

export interface Subscription {
  id: string;
  amount: number;
  interval: Interval;
  startDate: string;
  paymentMethodId: string;
  description: string | null;
  nextDueDate: string | null;
}

export interface InstallmentPlan {
  id: string;
  invoiceId: string;
  paymentMethodId: string;
  installments: Array<{ id: string; dueDate: string; amount: number; status: string }>;
}

export interface Allocation {
  id: string;
  creditId: string;
  debitId: string;
  amount: number;
  batchId: string | null;
  createdAt: string;
}

export interface PaymentMethod {
  id: string;
  type: MethodType;
  brand?: string;
  last4: string;
  expMonth?: number;
  expYear?: number;
  bankName?: string | null;
  holderName?: string | null;
  inWallet: boolean;
}

export interface UpcomingPayment {
  id: string;
  dueDate: string;
  amount: number;
  source: 'subscription' | 'installment';
  sourceId: string;
  invoiceId: string | null;
  paymentMethod: Omit<PaymentMethod, 'inWallet'>;
}

export interface PortalFailedPayment {
  id: string;
  amount: number;
  type: TransactionType;
  reason: Reason;
  failedAt: string;
  status: string;
  paidElsewhere: boolean;
}

export interface PortalCard {
  id: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  inWallet: boolean;
}

export interface PortalSession {
  organization: { name: string; logoUrl: string | null; contactEmail: string };
  account: { ownerName: string; locale: Locale };
  currency: string;
  failedPayments: PortalFailedPayment[];
  cards: PortalCard[];
}

export interface PortalPayResult {
  status: 'succeeded' | 'failed';
  reason?: Reason;
}
