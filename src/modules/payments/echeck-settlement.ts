import { and, asc, eq, gt, lte, or } from 'drizzle-orm';
import { addBusinessDays, todayIn } from '../../lib/dates';
import type { Db } from '../../platform/db/db';
import { log } from '../../platform/log';
import { accountTransaction } from '../accounts/account-lock';
import type { FailedTransactionEntries } from '../failed-transactions/failed-transactions.entries';
import type { EcheckOutcome } from '../gateway/gateway.port';
import type { ScheduledPayments } from '../schedules/scheduled-payments';
import { assertGateway, modeOf, type PaymentAttempts } from './payment-attempts';
import {
  completeAttempt,
  linkTransactionToEntry,
  type Transaction,
  transactionForGateway,
} from './payments.repository';
import type { PaymentsDeps } from './payments.service';
import { transactions } from './payments.table';

const SETTLEMENT_PAGE = 100;

export type FinalEcheckOutcome = Exclude<EcheckOutcome, { status: 'pending' }>;

/** eCheck settlement: pending debits settle (a posted credit) or come back returned (an entry). */
export class EcheckSettlement {
  constructor(
    private readonly deps: Pick<
      PaymentsDeps,
      'db' | 'clock' | 'gateway' | 'ledger' | 'audit' | 'organizations' | 'paymentMethods'
    > & {
      attempts: PaymentAttempts;
      entries: FailedTransactionEntries;
      scheduled: ScheduledPayments;
    },
  ) {}

  /**
   * The `echeck-settlement` job for one organization: every pending eCheck debit presented two business
   * days or more before today asks the gateway how it ended. Settled → the payment is posted and
   * allocated to its invoice; returned → the document is void and an entry records the R code.
   * Each debit is its own unit of work: one that throws is logged and counted, and the run goes on
   * (it is asked again at the next run).
   */
  async settle(
    organizationId: string,
  ): Promise<{ checked: number; settled: number; returned: number; errors: number }> {
    assertGateway(this.deps.gateway);
    const { db } = this.deps;
    const org = await this.deps.organizations.get(organizationId);
    const today = todayIn(org.timezone, this.deps.clock.now());
    const result = { checked: 0, settled: 0, returned: 0, errors: 0 };
    let after: { date: string; id: string } | null = null;
    for (;;) {
      const conditions = [
        eq(transactions.organizationId, organizationId),
        eq(transactions.kind, 'echeck_debit'),
        eq(transactions.status, 'pending'),
        lte(transactions.presentedDate, today),
      ];
      if (after) {
        conditions.push(
          or(
            gt(transactions.presentedDate, after.date),
            and(eq(transactions.presentedDate, after.date), gt(transactions.id, after.id)),
          )!,
        );
      }
      const page = await db
        .select()
        .from(transactions)
        .where(and(...conditions))
        .orderBy(asc(transactions.presentedDate), asc(transactions.id))
        .limit(SETTLEMENT_PAGE);
      let stop = false;
      for (const txn of page) {
        // Presented dates only grow along the page: the first one not old enough ends the run.
        if (addBusinessDays(txn.presentedDate!, 2) > today) {
          stop = true;
          break;
        }
        result.checked++;
        try {
          const outcome = await this.deps.gateway.echeckOutcome({
            organizationId,
            gatewayRef: txn.gatewayRef!,
          });
          // A live gateway's debit still on its way settles through its webhook (settleFromGateway).
          if (outcome.status === 'pending') continue;
          const done = await accountTransaction(db, organizationId, txn.accountId, (tx) =>
            this.record(tx, txn, outcome),
          );
          if (done === 'settled') result.settled++;
          if (done === 'returned') result.returned++;
        } catch (err) {
          result.errors++;
          log.error({ err, organizationId, transactionId: txn.id }, 'eCheck settlement failed for one debit');
        }
      }
      const last = page[page.length - 1];
      if (stop || page.length < SETTLEMENT_PAGE || !last) break;
      after = { date: last.presentedDate!, id: last.id };
    }
    return result;
  }

  /**
   * A live gateway told (webhook) how a debit ended: recorded exactly as the settlement job records it. The
   * debit is found by Recoup's idempotency key (carried in the gateway's metadata) or its gateway ref.
   * `processing`: the debit's own answer is not recorded yet — the caller tries again later.
   */
  async settleFromGateway(
    organizationId: string,
    ref: { idempotencyKey?: string; gatewayRef?: string },
    outcome: FinalEcheckOutcome,
  ): Promise<'settled' | 'returned' | 'already_recorded' | 'processing' | 'unknown'> {
    const { db } = this.deps;
    const txn = await transactionForGateway(db, organizationId, 'echeck_debit', ref);
    if (!txn) return 'unknown';
    if (txn.status === 'processing') return 'processing';
    if (txn.status !== 'pending') return 'already_recorded';
    const done = await accountTransaction(db, organizationId, txn.accountId, (tx) =>
      this.record(tx, txn, outcome),
    );
    return done ?? 'already_recorded';
  }

  private async record(
    tx: Db,
    pending: Transaction,
    outcome: FinalEcheckOutcome,
  ): Promise<'settled' | 'returned' | null> {
    const { ledger, entries, scheduled } = this.deps;
    const organizationId = pending.organizationId;
    const txn = await completeAttempt(tx, organizationId, pending.id, 'pending', {
      status: outcome.status,
      failureCode: outcome.status === 'returned' ? outcome.code : null,
      settledAt: this.deps.clock.now(),
    });
    if (!txn) return null; // another run recorded it
    const mode = modeOf(txn);
    const sp = txn.scheduledPaymentId
      ? await scheduled.get(tx, organizationId, txn.scheduledPaymentId)
      : null;
    const entry = txn.failedTransactionId
      ? await entries.get(tx, organizationId, txn.failedTransactionId, { lock: true })
      : null;

    if (outcome.status === 'settled') {
      const document = await ledger.postPending(tx, organizationId, txn.documentId!);
      await this.deps.attempts.collected(tx, txn, document.id, sp, entry);
      await this.deps.audit.record(tx, {
        organizationId,
        actorId: null,
        action: 'payment.settled',
        subjectType: 'payment',
        subjectId: document.id,
        details: { transactionId: txn.id, invoiceId: txn.forInvoiceId },
      });
      await ledger.touch(tx, organizationId, txn.accountId);
      return 'settled';
    }

    await ledger.voidPending(tx, organizationId, txn.documentId!);
    const method = await this.deps.paymentMethods.get(organizationId, txn.paymentMethodId!, { db: tx });
    if (mode === 'retry' && entry) {
      await entries.failAgain(tx, entry, txn, outcome.code);
      if (sp) await scheduled.setStatus(tx, sp, 'failed');
    } else if (sp) {
      await scheduled.setStatus(tx, sp, 'failed');
      const entryId = await entries.recordScheduledFailure(tx, sp, method, txn, outcome.code);
      await linkTransactionToEntry(tx, organizationId, txn.id, entryId);
    } else {
      const entryId = await entries.recordEcheckReturn(tx, txn, method, outcome.code);
      await linkTransactionToEntry(tx, organizationId, txn.id, entryId);
    }
    await ledger.touch(tx, organizationId, txn.accountId);
    return 'returned';
  }
}
