import { AppError, businessRule, validation } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Locale } from '../../lib/locale';
import { failureMessage } from '../gateway/failure-codes';
import type { LedgerDocument } from './ledger.service';
import { type Attempt, allocateToInvoice, type PaymentAttempts } from './payment-attempts';
import { allocatedFrom } from './payments.repository';
import type { PaymentsDeps } from './payments.service';

export const PAYMENT_METHODS = ['cash', 'cheque', 'other', 'card', 'echeck'] as const;
export type PaymentMethodKind = (typeof PAYMENT_METHODS)[number];

export interface OneOffPayment {
  organizationId: string;
  actorId: string | null;
  accountId: string;
  amountMinor: bigint;
  date: string;
  method: PaymentMethodKind;
  paymentMethodId?: string;
  invoiceId?: string;
  /** the request's Idempotency-Key: the same key never moves money twice */
  idempotencyKey?: string;
  /** the caller's language, for the decline message (default en-CA) */
  locale?: Locale;
}

export interface OneOffResult {
  document: LedgerDocument;
  status: 'received' | 'succeeded' | 'pending';
  transactionId: string | null;
  allocatedMinor: bigint;
}

/** Payments recorded or charged from the ledger routes (not scheduled, not from the Action Center). */
export class OneOffPayments {
  constructor(
    private readonly deps: Pick<
      PaymentsDeps,
      'db' | 'ledger' | 'documents' | 'audit' | 'organizations' | 'accounts' | 'paymentMethods'
    > & {
      attempts: PaymentAttempts;
    },
  ) {}

  /**
   * cash | cheque | other: received, posted at once. card: charged now; a decline is a 402 and writes
   * nothing to the ledger. echeck: presented now, a pending document until the settlement job decides.
   * With an invoice, the posted payment is allocated to it as far as both open amounts allow.
   */
  async charge(input: OneOffPayment): Promise<OneOffResult> {
    const { organizationId, accountId } = input;
    const { db, ledger, audit } = this.deps;
    await this.deps.accounts.get(organizationId, accountId);
    const org = await this.deps.organizations.get(organizationId);
    if (input.invoiceId) await this.deps.documents.invoiceOf(db, organizationId, accountId, input.invoiceId);
    const invoiceId = input.invoiceId ?? null;

    if (input.method !== 'card' && input.method !== 'echeck') {
      if (input.paymentMethodId) {
        throw validation('paymentMethodId is only for card and echeck payments', [
          { field: 'body.paymentMethodId', message: `is not used with method ${input.method}` },
        ]);
      }
      return db.transaction(async (tx) => {
        const document = await ledger.createDocument(tx, {
          organizationId,
          accountId,
          kind: 'payment',
          amountMinor: input.amountMinor,
          currency: org.currency,
          date: input.date,
          method: input.method,
          forInvoiceId: invoiceId,
        });
        const allocation = invoiceId
          ? await allocateToInvoice(ledger, tx, {
              organizationId,
              accountId,
              creditId: document.id,
              invoiceId,
              source: 'payment',
              actorId: input.actorId,
            })
          : null;
        await audit.record(tx, {
          organizationId,
          actorId: input.actorId,
          action: 'payment.recorded',
          subjectType: 'payment',
          subjectId: document.id,
          details: { accountId, amount: Number(input.amountMinor), method: input.method, invoiceId },
        });
        return {
          document: await ledger.getDocument(tx, organizationId, document.id),
          status: 'received' as const,
          transactionId: null,
          allocatedMinor: allocation?.amountMinor ?? 0n,
        };
      });
    }

    if (!input.paymentMethodId) {
      throw validation(`a ${input.method} payment needs paymentMethodId`, [
        { field: 'body.paymentMethodId', message: `is required for method ${input.method}` },
      ]);
    }
    const method = await this.deps.paymentMethods.get(organizationId, input.paymentMethodId, { accountId });
    if (method.type !== input.method) {
      throw businessRule(
        `payment method ${method.id} is a${method.type === 'card' ? ' card' : 'n eCheck account'}`,
      );
    }
    const attempt: Attempt = {
      org,
      accountId,
      amountMinor: input.amountMinor,
      method,
      idempotencyKey: `oneoff:${input.idempotencyKey ?? newId('transaction')}`,
      mode: 'one_off',
      invoiceId,
      scheduledPayment: null,
      entry: null,
      actorId: input.actorId,
      date: input.date,
    };
    const recorded = await this.deps.attempts.run(db, attempt);
    if (recorded.outcome.status === 'failed') {
      const code = recorded.outcome.code ?? 'processing_error';
      const message = failureMessage(code, input.locale ?? 'en-CA');
      throw new AppError('payment_declined', message, {
        extra: { code, message, transactionId: recorded.outcome.transactionId },
      });
    }
    const document = await ledger.getDocument(db, organizationId, recorded.txn.documentId!);
    return {
      document,
      status: recorded.outcome.status === 'pending' ? 'pending' : 'succeeded',
      transactionId: recorded.txn.id,
      allocatedMinor: await allocatedFrom(db, organizationId, document.id),
    };
  }
}
