import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { AppError, businessRule, notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { minBig } from '../../lib/money';
import { ChangeHook } from '../../platform/db/change-hook';
import type { Db } from '../../platform/db/db';
import { applyAllocationBatch } from './allocation-batch';
import { allocations, type DocumentKind, documents } from './ledger.table';

export type LedgerDocument = typeof documents.$inferSelect;
export type Allocation = typeof allocations.$inferSelect;

const ID_KIND = {
  invoice: 'invoice',
  refund: 'refund',
  payment: 'payment',
  credit_note: 'creditNote',
} as const;

export interface NewDocument {
  organizationId: string;
  accountId: string;
  kind: DocumentKind;
  amountMinor: bigint;
  currency: string;
  date: string;
  reference?: string | null;
  description?: string | null;
  /** pending: an eCheck payment not yet settled (not a credit yet) */
  status?: 'posted' | 'pending';
  method?: LedgerDocument['method'];
  paymentMethodId?: string | null;
  forInvoiceId?: string | null;
  refundedDocumentId?: string | null;
  transactionId?: string | null;
  id?: string;
}

/** What changed on an account, for the summaries other modules keep of it (reconciliation's RA1–RA3). */
export interface AccountChange {
  organizationId: string;
  accountId: string;
  /** set when all that changed is one new posted document: its share can be added without a recount */
  posted?: { side: 'debit' | 'credit'; openMinor: bigint };
}

export interface AllocationRequest {
  organizationId: string;
  accountId: string;
  creditId: string;
  debitId: string;
  amountMinor: bigint;
  /** manual | reconcile | payment | refund | retry */
  source: string;
  batchId?: string | null;
  actorId?: string | null;
}

/**
 * The ledger's invariants live here: open = amount − allocations ≥ 0 for every document, allocations link a
 * credit to a debit of the same account, and every change refreshes the account's reconciliation summary in
 * the same transaction. Callers pass their transaction; the database CHECKs back every rule up.
 */
export class LedgerService {
  /** Reported inside every transaction that changes what an account owes or is owed, or what is scheduled. */
  readonly accountChanged = new ChangeHook<AccountChange>();

  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  async createDocument(tx: Db, input: NewDocument): Promise<LedgerDocument> {
    const side = input.kind === 'invoice' || input.kind === 'refund' ? 'debit' : 'credit';
    const values = {
      organizationId: input.organizationId,
      id: input.id ?? newId(ID_KIND[input.kind]),
      accountId: input.accountId,
      kind: input.kind,
      side,
      status: input.status ?? 'posted',
      amountMinor: input.amountMinor,
      openMinor: input.amountMinor,
      currency: input.currency,
      date: input.date,
      reference: input.reference ?? null,
      description: input.description ?? null,
      method: input.method ?? null,
      paymentMethodId: input.paymentMethodId ?? null,
      forInvoiceId: input.forInvoiceId ?? null,
      refundedDocumentId: input.refundedDocumentId ?? null,
      transactionId: input.transactionId ?? null,
      createdAt: this.deps.clock.now(),
    } satisfies typeof documents.$inferInsert;
    // Every column is given here but refunded_minor (default 0): the row is known without RETURNING.
    const doc: LedgerDocument = { ...values, refundedMinor: 0n };
    if (doc.status !== 'posted') {
      await tx.insert(documents).values(values);
      // A pending eCheck payment covers its invoice (RA2): the account is recomputed.
      await this.touch(tx, input.organizationId, input.accountId);
      return doc;
    }
    // Posting cost: the new document's share is added to the summaries, and a summary that can say so
    // without reading the new row runs as a CTE of this INSERT: one round trip for both.
    await this.accountChanged.reportWith(
      tx,
      {
        organizationId: input.organizationId,
        accountId: input.accountId,
        posted: { side, openMinor: doc.openMinor },
      },
      async (ctes) => {
        const insert = tx.insert(documents).values(values);
        if (ctes.length === 0) {
          await insert;
          return;
        }
        const withs = sql.join(
          ctes.map((cte, i) => sql`${sql.raw(`listener_${i}`)} as (${cte})`),
          sql`, `,
        );
        await tx.execute(sql`with ${withs} ${insert.getSQL()}`);
      },
    );
    return doc;
  }

  /** A pending eCheck payment settles: it becomes a credit, allocated to the invoice it was for when possible. */
  async postPending(tx: Db, organizationId: string, documentId: string): Promise<LedgerDocument> {
    return this.endPending(tx, organizationId, documentId, 'posted');
  }

  /** A pending eCheck payment came back returned: it never becomes a credit. */
  async voidPending(tx: Db, organizationId: string, documentId: string): Promise<LedgerDocument> {
    return this.endPending(tx, organizationId, documentId, 'void');
  }

  /** pending → posted | void, once: a second settlement of the same payment is a conflict. */
  private async endPending(tx: Db, organizationId: string, documentId: string, status: 'posted' | 'void') {
    const [doc] = await tx
      .update(documents)
      .set({ status })
      .where(
        and(
          eq(documents.organizationId, organizationId),
          eq(documents.id, documentId),
          eq(documents.status, 'pending'),
        ),
      )
      .returning();
    if (!doc) throw new AppError('conflict', `payment ${documentId} is not pending`);
    await this.touch(tx, organizationId, doc.accountId);
    return doc;
  }

  async getDocument(db: Db, organizationId: string, id: string): Promise<LedgerDocument> {
    const [doc] = await db
      .select()
      .from(documents)
      .where(and(eq(documents.organizationId, organizationId), eq(documents.id, id)))
      .limit(1);
    if (!doc) throw notFound('document');
    return doc;
  }

  /** Row-locks documents in ID order (a fixed order, so two transactions never deadlock on them). */
  async lockDocuments(tx: Db, organizationId: string, ids: string[]): Promise<Map<string, LedgerDocument>> {
    const sorted = [...new Set(ids)].sort();
    const locked = await tx
      .select()
      .from(documents)
      .where(and(eq(documents.organizationId, organizationId), inArray(documents.id, sorted)))
      .orderBy(asc(documents.id))
      .for('update');
    return new Map(locked.map((d) => [d.id, d]));
  }

  /**
   * Allocates `amount` of a credit to a debit. 404 when either is not the account's; 422 when the amount is
   * larger than either open amount or the documents are not a posted credit and a posted debit.
   */
  async allocate(tx: Db, req: AllocationRequest, opts: { refresh?: boolean } = {}): Promise<Allocation> {
    const [allocation] = await this.allocateMany(tx, [req], opts);
    return allocation!;
  }

  /**
   * Several allocations in one go (reconcile's batch): the checks of applyAllocationBatch (the one place the
   * allocation rules live) applied to the running totals — the amounts of one document across the batch may
   * not exceed its open amount — with the locks, the open amounts and the rows in one statement, then one
   * summary refresh per account.
   */
  async allocateMany(
    tx: Db,
    requests: readonly AllocationRequest[],
    opts: { refresh?: boolean } = {},
  ): Promise<Allocation[]> {
    if (requests.length === 0) return [];
    const organizationId = requests[0]!.organizationId;
    if (requests.some((r) => r.organizationId !== organizationId)) {
      throw new AppError('internal', 'allocateMany takes the allocations of one organization');
    }
    const now = this.deps.clock.now();
    const created: Allocation[] = requests.map((req) => ({
      organizationId,
      id: newId('allocation'),
      accountId: req.accountId,
      creditId: req.creditId,
      debitId: req.debitId,
      amountMinor: req.amountMinor,
      batchId: req.batchId ?? null,
      source: req.source,
      createdBy: req.actorId ?? null,
      createdAt: now,
    }));
    await applyAllocationBatch(tx, organizationId, created, now);
    if (opts.refresh !== false) {
      for (const accountId of new Set(requests.map((r) => r.accountId))) {
        await this.touch(tx, organizationId, accountId);
      }
    }
    return created;
  }

  /** Allocates as much as both open amounts allow (0 when nothing is open); used when money arrives for a debit. */
  async allocateUpTo(tx: Db, req: Omit<AllocationRequest, 'amountMinor'> & { amountMinor?: bigint }) {
    const locked = await this.lockDocuments(tx, req.organizationId, [req.creditId, req.debitId]);
    const credit = locked.get(req.creditId);
    const debit = locked.get(req.debitId);
    if (!credit || !debit || credit.status !== 'posted' || debit.status !== 'posted') return null;
    let amount = minBig(credit.openMinor, debit.openMinor);
    if (req.amountMinor !== undefined) amount = minBig(amount, req.amountMinor);
    if (amount <= 0n) return null;
    return this.allocate(tx, { ...req, amountMinor: amount });
  }

  /** Undoes one allocation: both documents get the amount back. */
  async deleteAllocation(tx: Db, organizationId: string, allocationId: string): Promise<Allocation> {
    const [allocation] = await tx
      .select()
      .from(allocations)
      .where(and(eq(allocations.organizationId, organizationId), eq(allocations.id, allocationId)))
      .for('update');
    if (!allocation) throw notFound('allocation');
    await this.lockDocuments(tx, organizationId, [allocation.creditId, allocation.debitId]);
    await tx
      .update(documents)
      .set({ openMinor: sql`${documents.openMinor} + ${allocation.amountMinor}` })
      .where(
        and(
          eq(documents.organizationId, organizationId),
          inArray(documents.id, [allocation.creditId, allocation.debitId]),
        ),
      );
    await tx
      .delete(allocations)
      .where(and(eq(allocations.organizationId, organizationId), eq(allocations.id, allocationId)));
    await this.touch(tx, organizationId, allocation.accountId);
    return allocation;
  }

  async listAllocations(db: Db, organizationId: string, accountId: string): Promise<Allocation[]> {
    return db
      .select()
      .from(allocations)
      .where(and(eq(allocations.organizationId, organizationId), eq(allocations.accountId, accountId)))
      .orderBy(asc(allocations.createdAt), asc(allocations.id));
  }

  /**
   * MS3: reserves `amount` of a payment for a refund, in one guarded UPDATE: it succeeds only while the
   * payment's refunds (made, under way, or failed and still listed) stay within its amount, so concurrent
   * refunds can never give back more than was paid; the CHECK `documents_refunded_in_range` is the
   * backstop. Answers what was refundable when it refuses (null when it reserved).
   */
  async reserveRefund(
    tx: Db,
    organizationId: string,
    paymentId: string,
    amountMinor: bigint,
  ): Promise<{ refundableMinor: bigint } | null> {
    const [reserved] = await tx
      .update(documents)
      .set({ refundedMinor: sql`${documents.refundedMinor} + ${amountMinor}` })
      .where(
        and(
          eq(documents.organizationId, organizationId),
          eq(documents.id, paymentId),
          eq(documents.kind, 'payment'),
          eq(documents.status, 'posted'),
          sql`${documents.refundedMinor} + ${amountMinor} <= ${documents.amountMinor}`,
        ),
      )
      .returning({ id: documents.id });
    if (reserved) return null;
    const doc = await this.getDocument(tx, organizationId, paymentId);
    return { refundableMinor: doc.amountMinor - doc.refundedMinor };
  }

  /** Gives back a refund's reservation (the refund was never sent, or its failed entry was ignored). */
  async releaseRefund(tx: Db, organizationId: string, paymentId: string, amountMinor: bigint) {
    await tx
      .update(documents)
      .set({ refundedMinor: sql`greatest(${documents.refundedMinor} - ${amountMinor}, 0)` })
      .where(and(eq(documents.organizationId, organizationId), eq(documents.id, paymentId)));
  }

  /**
   * The refund debit is allocated to the payment it refunds. When the payment was already allocated
   * (to an invoice), those allocations are released newest first as far as needed — the money went
   * back, so the invoice is open again — and re-made for any excess.
   */
  async allocateRefund(
    tx: Db,
    req: {
      organizationId: string;
      accountId: string;
      paymentId: string;
      refundId: string;
      amountMinor: bigint;
      actorId: string | null;
    },
  ) {
    const { organizationId, accountId, paymentId, amountMinor } = req;
    const locked = await this.lockDocuments(tx, organizationId, [paymentId, req.refundId]);
    const payment = locked.get(paymentId)!;
    let need = amountMinor - payment.openMinor;
    if (need > 0n) {
      const given = await tx
        .select({ allocation: allocations, debitKind: documents.kind })
        .from(allocations)
        .innerJoin(
          documents,
          and(
            eq(documents.organizationId, allocations.organizationId),
            eq(documents.id, allocations.debitId),
          ),
        )
        .where(and(eq(allocations.organizationId, organizationId), eq(allocations.creditId, paymentId)))
        .orderBy(desc(allocations.createdAt), desc(allocations.id));
      for (const { allocation, debitKind } of given) {
        if (need <= 0n) break;
        if (debitKind === 'refund') continue; // another refund of this payment keeps its money
        await this.deleteAllocation(tx, organizationId, allocation.id);
        const released = minBig(allocation.amountMinor, need);
        need -= released;
        const back = allocation.amountMinor - released;
        if (back > 0n) {
          await this.allocate(tx, {
            organizationId,
            accountId,
            creditId: paymentId,
            debitId: allocation.debitId,
            amountMinor: back,
            source: allocation.source,
            batchId: allocation.batchId,
            actorId: allocation.createdBy,
          });
        }
      }
    }
    await this.allocateUpTo(tx, {
      organizationId,
      accountId,
      creditId: paymentId,
      debitId: req.refundId,
      amountMinor,
      source: 'refund',
      actorId: req.actorId,
    });
  }

  /**
   * A refund the gateway had accepted failed later (a live gateway's webhook): the money never went back, so
   * the refund debit is voided and its allocations to the payment undone — the payment's credit is open again
   * and goes back to the invoice it was made for, as far as both open amounts allow. The payment's
   * `refunded_minor` is left as it is: the failed-refund entry now holds that reservation, as every failed
   * refund does (MS3), and gives it back through `releaseRefund` if it is ignored. Once: a refund already void
   * answers null (a replayed webhook changes nothing).
   */
  async reverseRefund(tx: Db, organizationId: string, refundId: string): Promise<LedgerDocument | null> {
    const refund = (await this.lockDocuments(tx, organizationId, [refundId])).get(refundId);
    if (!refund) throw notFound('refund');
    if (refund.kind !== 'refund') throw businessRule(`${refundId} is not a refund`);
    if (refund.status !== 'posted') return null;
    const given = await tx
      .select({ id: allocations.id })
      .from(allocations)
      .where(and(eq(allocations.organizationId, organizationId), eq(allocations.debitId, refundId)))
      .orderBy(asc(allocations.createdAt), asc(allocations.id));
    for (const a of given) await this.deleteAllocation(tx, organizationId, a.id);
    const [voided] = await tx
      .update(documents)
      .set({ status: 'void' })
      .where(
        and(
          eq(documents.organizationId, organizationId),
          eq(documents.id, refundId),
          eq(documents.status, 'posted'),
        ),
      )
      .returning();
    const payment = refund.refundedDocumentId
      ? await this.getDocument(tx, organizationId, refund.refundedDocumentId)
      : null;
    if (payment?.forInvoiceId && payment.status === 'posted') {
      const invoice = await this.getDocument(tx, organizationId, payment.forInvoiceId);
      if (invoice.status === 'posted' && invoice.openMinor > 0n && payment.openMinor > 0n) {
        await this.allocateUpTo(tx, {
          organizationId,
          accountId: payment.accountId,
          creditId: payment.id,
          debitId: invoice.id,
          source: 'payment',
          actorId: null,
        });
      }
    }
    await this.touch(tx, organizationId, refund.accountId);
    return voided ?? null;
  }

  /**
   * Reports that the account's documents, allocations or scheduled payments changed, in the caller's
   * transaction: the summaries kept of it are recomputed there.
   */
  async touch(tx: Db, organizationId: string, accountId: string): Promise<void> {
    await this.accountChanged.report(tx, { organizationId, accountId });
  }
}
