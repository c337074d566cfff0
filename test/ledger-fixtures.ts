import type { Container } from '../src/app/container';
import { newId } from '../src/lib/ids';
import type { LedgerDocument } from '../src/modules/ledger/ledger.service';
import type { DocumentKind } from '../src/modules/ledger/ledger.table';
import { scheduledPayments } from '../src/modules/schedules/schedules.table';
import { testAccount } from './factories';

/**
 * Ledger rows for tests that do not go through the billing core's routes: an account (with its empty
 * reconciliation summary), documents through LedgerService (so the summary stays in step), and
 * scheduled payments covering an invoice (RA2). Amounts are minor units; dates are `YYYY-MM-DD`.
 */
export async function ledgerAccount(
  c: Container,
  organizationId: string,
  ownerName = 'Marie Tremblay',
  opts: { id?: string } = {},
): Promise<string> {
  return testAccount(c, organizationId, { id: opts.id, ownerName });
}

export async function ledgerDocument(
  c: Container,
  organizationId: string,
  accountId: string,
  kind: DocumentKind,
  amount: bigint | number,
  opts: {
    date?: string;
    currency?: string;
    status?: 'posted' | 'pending';
    forInvoiceId?: string;
    refundedDocumentId?: string;
  } = {},
): Promise<LedgerDocument> {
  return c.db.transaction((tx) =>
    c.ledger.createDocument(tx, {
      organizationId,
      accountId,
      kind,
      amountMinor: BigInt(amount),
      currency: opts.currency ?? 'CAD',
      date: opts.date ?? '2026-01-15',
      status: opts.status,
      method: kind === 'payment' ? (opts.status === 'pending' ? 'echeck' : 'cash') : null,
      forInvoiceId: opts.forInvoiceId ?? null,
      refundedDocumentId: opts.refundedDocumentId ?? null,
    }),
  );
}

/** A scheduled installment (or subscription charge) for an invoice: RA2's cover. */
export async function scheduledFor(
  c: Container,
  organizationId: string,
  accountId: string,
  invoiceId: string,
  amount: bigint | number,
  opts: { dueDate?: string; source?: 'installment' | 'subscription' } = {},
): Promise<string> {
  const id = newId('scheduledPayment');
  await c.db.transaction(async (tx) => {
    await tx.insert(scheduledPayments).values({
      organizationId,
      id,
      accountId,
      source: opts.source ?? 'installment',
      invoiceId,
      dueDate: opts.dueDate ?? '2026-12-01',
      amountMinor: BigInt(amount),
      createdAt: c.clock.now(),
    });
    await c.ledger.touch(tx, organizationId, accountId);
  });
  return id;
}
