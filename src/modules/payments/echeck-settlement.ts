import { and, asc, eq, gt, lte, or } from 'drizzle-orm';
import { addBusinessDays, todayIn } from '../../lib/dates';
import type { Db } from '../../platform/db/db';
import type { EcheckOutcome } from '../gateway/gateway.port';
import type { Organization } from '../organizations/organizations.service';
import { allocateToInvoice, assertGateway, markScheduledPaid } from './payment-attempts';
import type { PaymentFailures } from './payment-failures';
import {
  completePending,
  entryById,
  scheduledPaymentById,
  setScheduledStatus,
  type Transaction,
} from './payments.repository';
import type { PaymentsDeps } from './payments.service';
import { transactions } from './payments.table';

const SETTLEMENT_PAGE = 100;

/** eCheck settlement: pending debits settle (a posted credit) or come back returned (an entry). */
export class EcheckSettlement {
  constructor(
    private readonly deps: Pick<
      PaymentsDeps,
      'db' | 'clock' | 'gateway' | 'ledger' | 'audit' | 'organizations' | 'paymentMethods'
    > & {
      failures: PaymentFailures;
    },
  ) {}

  /**
   * The `echeck-settlement` job for one organization: every pending eCheck debit presented two business
   * days or more before today asks the gateway how it ended. Settled → the payment is posted and
   * allocated to its invoice; returned → the document is void and an entry records the R code.
   */
  async settle(organizationId: string): Promise<{ checked: number; settled: number; returned: number }> {
    assertGateway(this.deps.gateway);
    const { db } = this.deps;
    const org = await this.deps.organizations.get(organizationId);
    const today = todayIn(org.timezone, this.deps.clock.now());
    const result = { checked: 0, settled: 0, returned: 0 };
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
        const outcome = await this.deps.gateway.echeckOutcome({
          organizationId,
          gatewayRef: txn.gatewayRef!,
        });
        const done = await db.transaction((tx) => this.record(tx, org, txn, outcome));
        if (done === 'settled') result.settled++;
        if (done === 'returned') result.returned++;
      }
      const last = page[page.length - 1];
      if (stop || page.length < SETTLEMENT_PAGE || !last) break;
      after = { date: last.presentedDate!, id: last.id };
    }
    return result;
  }

  private async record(
    tx: Db,
    org: Organization,
    pending: Transaction,
    outcome: EcheckOutcome,
  ): Promise<'settled' | 'returned' | null> {
    const { ledger, failures } = this.deps;
    const organizationId = org.id;
    const now = this.deps.clock.now();
    const txn = await completePending(tx, organizationId, pending.id, {
      status: outcome.status,
      failureCode: outcome.status === 'returned' ? outcome.code : null,
      settledAt: now,
    });
    if (!txn) return null; // another run recorded it
    const sp = txn.scheduledPaymentId
      ? await scheduledPaymentById(tx, organizationId, txn.scheduledPaymentId)
      : null;
    const entry = txn.failedTransactionId
      ? await entryById(tx, organizationId, txn.failedTransactionId)
      : null;
    const isRetry = txn.purpose === 'retry' && entry !== null;

    if (outcome.status === 'settled') {
      const document = await ledger.postPending(tx, organizationId, txn.documentId!);
      if (txn.forInvoiceId) {
        await allocateToInvoice(ledger, tx, {
          organizationId,
          accountId: txn.accountId,
          creditId: document.id,
          invoiceId: txn.forInvoiceId,
          source: isRetry ? 'retry' : 'payment',
          actorId: null,
        });
      }
      if (sp) await markScheduledPaid(tx, sp);
      if (isRetry) await failures.resolveEntry(tx, entry, txn);
      await this.deps.audit.record(tx, {
        organizationId,
        actorId: null,
        action: 'payment.settled',
        subjectType: 'payment',
        subjectId: document.id,
        details: { transactionId: txn.id, invoiceId: txn.forInvoiceId },
      });
      return 'settled';
    }

    await ledger.voidPending(tx, organizationId, txn.documentId!);
    const method = await this.deps.paymentMethods.get(organizationId, txn.paymentMethodId!, { db: tx });
    if (isRetry) {
      await failures.failEntryAgain(tx, entry, txn, outcome.code);
      if (sp) await setScheduledStatus(tx, sp, 'failed');
    } else if (sp) {
      await setScheduledStatus(tx, sp, 'failed');
      await failures.recordScheduledFailure(tx, org, sp, method, txn, outcome.code);
    } else {
      await failures.recordEcheckReturn(tx, txn, method, outcome.code);
    }
    await ledger.touch(tx, organizationId, txn.accountId);
    return 'returned';
  }
}
