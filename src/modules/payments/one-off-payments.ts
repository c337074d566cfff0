import { todayIn } from '../../lib/dates';
import { AppError, businessRule, validation } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Locale } from '../../lib/locale';
import { accountTransaction } from '../accounts/account-lock';
import { failureMessage } from '../gateway/failure-codes';
import type { LedgerDocument } from '../ledger/ledger.service';
import { assertGateway, type PaymentAttempts } from './payment-attempts';
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
      | 'db'
      | 'clock'
      | 'gateway'
      | 'ledger'
      | 'documents'
      | 'audit'
      | 'organizations'
      | 'accounts'
      | 'paymentMethods'
    > & {
      attempts: PaymentAttempts;
    },
  ) {}

  /**
   * cash | cheque | other: received, posted at once. card: charged now; a decline is a 402 and writes
   * nothing to the ledger. echeck: presented now, a pending document until the settlement job decides.
   * With an invoice, the posted payment is allocated to it as far as both open amounts allow (what
   * exceeds the invoice stays an unallocated credit: the administrator chose the amount).
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
      return accountTransaction(db, organizationId, accountId, async (tx) => {
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
          ? await ledger.allocateUpTo(tx, {
              organizationId,
              accountId,
              creditId: document.id,
              debitId: invoiceId,
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
    assertGateway(this.deps.gateway);
    const method = await this.deps.paymentMethods.get(organizationId, input.paymentMethodId, { accountId });
    if (method.type !== input.method) {
      throw businessRule(
        `payment method ${method.id} is a${method.type === 'card' ? ' card' : 'n eCheck account'}`,
      );
    }
    // MS5: the attempt is written before the gateway is called, under a key derived from the request's
    // Idempotency-Key (or a fresh one), so a crash after the gateway answered is replayed, never doubled.
    const { txn } = await accountTransaction(db, organizationId, accountId, (tx) =>
      this.deps.attempts.begin(tx, {
        organizationId,
        id: newId('transaction'),
        accountId,
        kind: method.type === 'card' ? 'charge' : 'echeck_debit',
        purpose: 'one_off',
        amountMinor: input.amountMinor,
        currency: org.currency,
        paymentMethodId: method.id,
        idempotencyKey: `oneoff:${input.idempotencyKey ?? newId('transaction')}`,
        forInvoiceId: invoiceId,
        documentDate: input.date,
        actorId: input.actorId,
        presentedDate: todayIn(org.timezone, this.deps.clock.now()),
      }),
    );
    const recorded = await this.deps.attempts.run(txn);
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
      allocatedMinor: document.amountMinor - document.openMinor,
    };
  }
}
