import { and, asc, eq, gt, or, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { businessRule, notFound } from '../../lib/errors';
import { big, type Db } from '../../platform/db/db';
import { accountTransaction } from '../accounts/account-lock';
import type { AccountsService } from '../accounts/accounts.service';
import type { AuditService } from '../audit/audit.service';
import type { OrganizationsService } from '../organizations/organizations.service';
import { invoiceCoverSql } from '../schedules/coverage';
import type { Allocation, LedgerDocument, LedgerService } from './ledger.service';
import { allocations, documents } from './ledger.table';

/** full: nothing open; partial: partly allocated; none: nothing allocated; covered: RA2. */
export type ReconciliationStatus = 'full' | 'partial' | 'none' | 'covered';

export interface LedgerItem extends LedgerDocument {
  reconciliationStatus: ReconciliationStatus;
  /** invoices: what scheduled payments and pending eCheck payments will bring (RA2) */
  coveredMinor: bigint;
}

// RA2 (schedules/coverage.ts). The outer columns are written qualified: Drizzle leaves them unqualified in a
// single-table select.
const cover = sql<unknown>`case when "documents"."kind" = 'invoice'
  then ${invoiceCoverSql(sql`"documents"."organization_id"`, sql`"documents"."id"`)} else 0 end`;

export function reconciliationStatusOf(doc: LedgerDocument, coveredMinor: bigint): ReconciliationStatus {
  if (doc.status !== 'posted') return 'none';
  if (doc.openMinor === 0n) return 'full';
  if (doc.kind === 'invoice' && coveredMinor >= doc.openMinor) return 'covered';
  return doc.openMinor < doc.amountMinor ? 'partial' : 'none';
}

/**
 * The account file's ledger: issuing invoices and credit notes, manual allocations (and undo), and the
 * lists. Money that moves through the gateway is PaymentsService's.
 */
export class DocumentsService {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      audit: AuditService;
      ledger: LedgerService;
      accounts: AccountsService;
      organizations: OrganizationsService;
    },
  ) {}

  async createInvoice(
    organizationId: string,
    actorId: string | null,
    accountId: string,
    input: { amountMinor: bigint; date: string; reference?: string; description?: string },
  ): Promise<LedgerItem> {
    return this.issue(organizationId, actorId, accountId, 'invoice', input);
  }

  async createCreditNote(
    organizationId: string,
    actorId: string | null,
    accountId: string,
    input: { amountMinor: bigint; date: string; reason?: string; reference?: string },
  ): Promise<LedgerItem> {
    return this.issue(organizationId, actorId, accountId, 'credit_note', {
      amountMinor: input.amountMinor,
      date: input.date,
      reference: input.reference,
      description: input.reason,
    });
  }

  private async issue(
    organizationId: string,
    actorId: string | null,
    accountId: string,
    kind: 'invoice' | 'credit_note',
    input: { amountMinor: bigint; date: string; reference?: string; description?: string },
  ): Promise<LedgerItem> {
    await this.deps.accounts.get(organizationId, accountId);
    const org = await this.deps.organizations.get(organizationId);
    const doc = await accountTransaction(this.deps.db, organizationId, accountId, async (tx) => {
      const doc = await this.deps.ledger.createDocument(tx, {
        organizationId,
        accountId,
        kind,
        amountMinor: input.amountMinor,
        currency: org.currency,
        date: input.date,
        reference: input.reference ?? null,
        description: input.description ?? null,
      });
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: kind === 'invoice' ? 'invoice.issued' : 'credit_note.issued',
        subjectType: kind,
        subjectId: doc.id,
        details: { accountId, amount: Number(input.amountMinor), date: input.date },
      });
      return doc;
    });
    return { ...doc, reconciliationStatus: 'none', coveredMinor: 0n };
  }

  /** The account's documents by date, then ID. */
  async listLedger(
    organizationId: string,
    accountId: string,
    opts: { limit: number; after?: { date: string; id: string } },
  ): Promise<{ items: LedgerItem[]; next: { date: string; id: string } | null }> {
    await this.deps.accounts.get(organizationId, accountId);
    const conditions = [eq(documents.organizationId, organizationId), eq(documents.accountId, accountId)];
    if (opts.after) {
      conditions.push(
        or(
          gt(documents.date, opts.after.date),
          and(eq(documents.date, opts.after.date), gt(documents.id, opts.after.id)),
        )!,
      );
    }
    const found = await this.deps.db
      .select({ doc: documents, cover })
      .from(documents)
      .where(and(...conditions))
      .orderBy(asc(documents.date), asc(documents.id))
      .limit(opts.limit + 1);
    const page = found.slice(0, opts.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => {
        const coveredMinor = big(r.cover);
        return { ...r.doc, coveredMinor, reconciliationStatus: reconciliationStatusOf(r.doc, coveredMinor) };
      }),
      next: found.length > opts.limit && last ? { date: last.doc.date, id: last.doc.id } : null,
    };
  }

  /** A manual allocation of a chosen credit to a chosen debit of the account (422 beyond an open amount). */
  async allocate(
    organizationId: string,
    actorId: string | null,
    accountId: string,
    input: { creditId: string; debitId: string; amountMinor: bigint },
  ): Promise<Allocation> {
    await this.deps.accounts.get(organizationId, accountId);
    return accountTransaction(this.deps.db, organizationId, accountId, async (tx) => {
      const allocation = await this.deps.ledger.allocate(tx, {
        organizationId,
        accountId,
        creditId: input.creditId,
        debitId: input.debitId,
        amountMinor: input.amountMinor,
        source: 'manual',
        actorId,
      });
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: 'allocation.created',
        subjectType: 'allocation',
        subjectId: allocation.id,
        details: {
          accountId,
          creditId: input.creditId,
          debitId: input.debitId,
          amount: Number(input.amountMinor),
        },
      });
      return allocation;
    });
  }

  /** Undo: both documents get the amount back. */
  async deleteAllocation(
    organizationId: string,
    actorId: string | null,
    allocationId: string,
  ): Promise<void> {
    const [found] = await this.deps.db
      .select({ accountId: allocations.accountId })
      .from(allocations)
      .where(and(eq(allocations.organizationId, organizationId), eq(allocations.id, allocationId)));
    if (!found) throw notFound('allocation');
    await accountTransaction(this.deps.db, organizationId, found.accountId, async (tx) => {
      const allocation = await this.deps.ledger.deleteAllocation(tx, organizationId, allocationId);
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: 'allocation.deleted',
        subjectType: 'allocation',
        subjectId: allocationId,
        details: {
          accountId: allocation.accountId,
          creditId: allocation.creditId,
          debitId: allocation.debitId,
          amount: Number(allocation.amountMinor),
          source: allocation.source,
          batchId: allocation.batchId,
        },
      });
    });
  }

  async listAllocations(
    organizationId: string,
    accountId: string,
    opts: { limit: number; after?: { createdAt: Date; id: string } },
  ): Promise<{ items: Allocation[]; next: { createdAt: Date; id: string } | null }> {
    await this.deps.accounts.get(organizationId, accountId);
    const conditions = [eq(allocations.organizationId, organizationId), eq(allocations.accountId, accountId)];
    if (opts.after) {
      const at = opts.after.createdAt;
      conditions.push(
        or(
          gt(allocations.createdAt, at),
          and(eq(allocations.createdAt, at), gt(allocations.id, opts.after.id)),
        )!,
      );
    }
    const found = await this.deps.db
      .select()
      .from(allocations)
      .where(and(...conditions))
      .orderBy(asc(allocations.createdAt), asc(allocations.id))
      .limit(opts.limit + 1);
    const page = found.slice(0, opts.limit);
    const last = page[page.length - 1];
    return {
      items: page,
      next: found.length > opts.limit && last ? { createdAt: last.createdAt, id: last.id } : null,
    };
  }

  /** A posted invoice of the account, for payments and plans: 404 when not the account's, 422 otherwise. */
  async invoiceOf(db: Db, organizationId: string, accountId: string, invoiceId: string) {
    const [doc] = await db
      .select()
      .from(documents)
      .where(and(eq(documents.organizationId, organizationId), eq(documents.id, invoiceId)))
      .limit(1);
    if (!doc || doc.accountId !== accountId) throw notFound('invoice');
    if (doc.kind !== 'invoice') throw businessRule(`${invoiceId} is not an invoice`);
    if (doc.status !== 'posted') throw businessRule(`${invoiceId} is not posted`);
    return doc;
  }
}
