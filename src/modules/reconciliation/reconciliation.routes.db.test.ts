import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiBank } from '../../../test/billing';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import { ledgerAccount, ledgerDocument, scheduledFor } from '../../../test/ledger-fixtures';
import { int, rows } from '../../platform/db/db';
import { auditLog } from '../audit/audit.table';
import { allocations, documents } from '../ledger/ledger.table';
import { ReconciliationRepository } from './reconciliation.repository';
import { ReconciliationService } from './reconciliation.service';
import { accountReconciliation, reconciliationBatches } from './reconciliation.table';
import { findSummaryMismatches } from './summary';

let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c);
});
afterAll(async () => t?.close());

const LIST = '/api/v1/action-center/reconcilable-accounts';
const reconcileUrl = (accountId: string, dryRun = false) =>
  `${LIST}/${accountId}/reconcile${dryRun ? '?dryRun=true' : ''}`;

const account = (name?: string, o: TestOrg = org, opts: { id?: string } = {}) =>
  ledgerAccount(t.c, o.organizationId, name, opts);
const document = (
  accountId: string,
  kind: 'invoice' | 'refund' | 'payment' | 'credit_note',
  amount: number,
  opts: Parameters<typeof ledgerDocument>[5] = {},
  o: TestOrg = org,
) => ledgerDocument(t.c, o.organizationId, accountId, kind, amount, opts);

/** Every page of the list, following nextCursor. */
async function listAll(token: string, limit: number) {
  const items: any[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const res = await call(
      t.app,
      token,
      'GET',
      `${LIST}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(res.status).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('the list did not end');
}

async function openOf(id: string): Promise<bigint> {
  const [d] = await t.c.db
    .select({ open: documents.openMinor })
    .from(documents)
    .where(and(eq(documents.organizationId, org.organizationId), eq(documents.id, id)));
  return d!.open;
}

async function allocationCount(organizationId = org.organizationId): Promise<number> {
  const [r] = await rows<{ n: unknown }>(
    t.c.db,
    sql`select count(*) as n from allocations where organization_id = ${organizationId}`,
  );
  return int(r?.n);
}

describe('happy', () => {
  it('RA1, RA3: lists an account with both an unreconciled debit and credit, with its columns', async () => {
    const o = await createOrg(t.c);
    const both = await account('Camille Dubé', o);
    await document(both, 'invoice', 10_000, {}, o);
    await document(both, 'refund', 2_500, {}, o);
    await document(both, 'payment', 4_000, {}, o);
    const onlyDebits = await account('Only Debits', o);
    await document(onlyDebits, 'invoice', 5_000, {}, o);
    await document(onlyDebits, 'refund', 1_000, {}, o);
    const onlyCredits = await account('Only Credits', o);
    await document(onlyCredits, 'payment', 5_000, {}, o);
    await document(onlyCredits, 'credit_note', 700, {}, o);
    await account('Nothing At All', o);

    const res = await call(t.app, o.adminToken, 'GET', LIST);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        {
          accountId: both,
          ownerName: 'Camille Dubé',
          unreconciledItems: 3,
          unreconciledDebit: 12_500,
          unreconciledCredit: 4_000,
          currency: 'CAD',
        },
      ],
      nextCursor: null,
    });
    expect(await t.c.reconciliation.countReconcilable(o.organizationId)).toBe(1);
  });

  it('RA2: an invoice fully covered by an installment plan makes the account absent', async () => {
    const o = await createOrg(t.c);
    const acc = await account('Plan Complet', o);
    const invoice = await document(acc, 'invoice', 9_000, {}, o);
    await document(acc, 'credit_note', 1_000, {}, o);
    await scheduledFor(t.c, o.organizationId, acc, invoice.id, 3_000, { dueDate: '2026-12-01' });
    await scheduledFor(t.c, o.organizationId, acc, invoice.id, 3_000, { dueDate: '2027-01-01' });
    expect((await call(t.app, o.adminToken, 'GET', LIST)).body.items.map((i: any) => i.accountId)).toEqual([
      acc,
    ]);
    await scheduledFor(t.c, o.organizationId, acc, invoice.id, 3_000, { dueDate: '2027-02-01' });
    expect((await call(t.app, o.adminToken, 'GET', LIST)).body.items).toEqual([]);
    // RA6: reconcile finds nothing to allocate to the covered invoice.
    const res = await call(t.app, o.adminToken, 'POST', reconcileUrl(acc));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      allocations: [],
      batchId: null,
      state: 'credit_remaining',
      unreconciledDebit: 0,
      unreconciledCredit: 1_000,
    });
  });

  it('RA2, RA6: a partly covered invoice counts only for its uncovered part, and reconcile never touches the covered part', async () => {
    const acc = await account('Partiel Couvert');
    const invoice = await document(acc, 'invoice', 10_000, { date: '2026-01-01' });
    await scheduledFor(t.c, org.organizationId, acc, invoice.id, 6_000);
    const payment = await document(acc, 'payment', 8_000, { date: '2026-01-05' });

    const listed = (await listAll(org.adminToken, 200)).find((i) => i.accountId === acc);
    expect(listed).toMatchObject({
      unreconciledItems: 2,
      unreconciledDebit: 4_000,
      unreconciledCredit: 8_000,
    });

    const res = await call(t.app, org.adminToken, 'POST', reconcileUrl(acc));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      accountId: acc,
      allocations: [{ creditId: payment.id, debitId: invoice.id, amount: 4_000 }],
      state: 'credit_remaining',
      unreconciledDebit: 0,
      unreconciledCredit: 4_000,
    });
    // The covered 6,000 stays open for the installments.
    expect(await openOf(invoice.id)).toBe(6_000n);
    expect(await openOf(payment.id)).toBe(4_000n);
    // The summary the reconcile wrote from its plan (not re-aggregated) is what a recount gives: the covered
    // 6,000 is not counted, the 4,000 left on the payment is.
    const [summary] = await t.c.db
      .select()
      .from(accountReconciliation)
      .where(
        and(
          eq(accountReconciliation.organizationId, org.organizationId),
          eq(accountReconciliation.accountId, acc),
        ),
      );
    expect(summary).toMatchObject({ debitCount: 0, debitMinor: 0n, creditCount: 1, creditMinor: 4_000n });
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);
    const again = await call(t.app, org.adminToken, 'POST', reconcileUrl(acc));
    expect(again.body).toMatchObject({ allocations: [], batchId: null, state: 'credit_remaining' });
  });

  it('RA2: a pending eCheck payment for an invoice covers it until it settles (here: it comes back returned)', async () => {
    const o = await createOrg(t.c);
    const acc = await account('Chèque Électronique', o);
    const invoice = await document(acc, 'invoice', 5_000, {}, o);
    await document(acc, 'credit_note', 1_000, {}, o);
    const bank = await apiBank(t.app, o.adminToken, acc, '999001'); // comes back R01
    const today = (await call(t.app, o.adminToken, 'GET', '/api/v1/sandbox/clock')).body.now as string;
    const paid = await call(t.app, o.adminToken, 'POST', `/api/v1/accounts/${acc}/payments`, {
      amount: 5_000,
      date: today.slice(0, 10),
      method: 'echeck',
      paymentMethodId: bank.id,
      invoiceId: invoice.id,
    });
    expect(paid.body).toMatchObject({ status: 'pending' });
    expect((await call(t.app, o.adminToken, 'GET', LIST)).body.items).toEqual([]);
    // Returned: the cover is gone, the invoice counts again.
    await t.c.sandboxClock!.set(new Date(new Date(today).getTime() + 5 * 86_400_000));
    expect(
      (await call(t.app, o.adminToken, 'POST', '/api/v1/sandbox/jobs/echeck-settlement')).status,
    ).toBeLessThan(300);
    await t.c.sandboxClock!.set(new Date(today));
    expect((await call(t.app, o.adminToken, 'GET', LIST)).body.items).toMatchObject([
      { accountId: acc, unreconciledDebit: 5_000, unreconciledCredit: 1_000, unreconciledItems: 2 },
    ]);
  });

  it('RA4: zero balance first, then fewest items, then owner name (accents folded), then account ID; pages keep the order', async () => {
    const o = await createOrg(t.c);
    const make = async (name: string, debits: number[], credits: number[], id?: string) => {
      const acc = await account(name, o, { id });
      for (const d of debits) await document(acc, 'invoice', d, {}, o);
      for (const c of credits) await document(acc, 'payment', c, {}, o);
      return acc;
    };
    const zeroTwo = await make('Zoé Zèbre', [1_000], [1_000]);
    const zeroThree = await make('Aaron Abel', [600, 400], [1_000]);
    const emile = await make('Émile Roy', [5_000], [100]);
    const eric = await make('eric roy', [5_000], [100]);
    const leaLate = await make('Léa Roy', [5_000], [100], 'acc_zzzzzzzzzzzzzzzzzzzzzzzzzz');
    const leaEarly = await make('Lea Roy', [5_000], [100], 'acc_0000000000000000000000000a');
    const many = await make('Aaron Aaron', [1, 2, 3], [50]);
    const expected = [zeroTwo, zeroThree, emile, eric, leaEarly, leaLate, many];

    expect((await listAll(o.adminToken, 200)).map((i) => i.accountId)).toEqual(expected);
    expect((await listAll(o.adminToken, 2)).map((i) => i.accountId)).toEqual(expected);
    expect((await listAll(o.adminToken, 1)).map((i) => i.accountId)).toEqual(expected);
    const first = await call(t.app, o.adminToken, 'GET', `${LIST}?limit=3`);
    expect(first.body.items).toHaveLength(3);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect(await t.c.reconciliation.countReconcilable(o.organizationId)).toBe(7);
  });

  it('RA5: reconciles oldest first (date, then creation) with partial amounts, in one batch, audited', async () => {
    const acc = await account('Oldest First');
    const invLate = await document(acc, 'invoice', 3_000, { date: '2026-03-01' });
    const invEarly = await document(acc, 'invoice', 5_000, { date: '2026-01-10' });
    const invSameDaySecond = await document(acc, 'invoice', 1_000, { date: '2026-01-10' });
    const payLate = await document(acc, 'payment', 4_000, { date: '2026-02-01' });
    const cnEarly = await document(acc, 'credit_note', 3_500, { date: '2026-01-01' });

    const res = await call(t.app, org.adminToken, 'POST', reconcileUrl(acc));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      accountId: acc,
      batchId: expect.stringMatching(/^rcb_/),
      allocations: [
        { creditId: cnEarly.id, debitId: invEarly.id, amount: 3_500 },
        { creditId: payLate.id, debitId: invEarly.id, amount: 1_500 },
        { creditId: payLate.id, debitId: invSameDaySecond.id, amount: 1_000 },
        { creditId: payLate.id, debitId: invLate.id, amount: 1_500 },
      ],
      state: 'debit_remaining',
      unreconciledDebit: 1_500,
      unreconciledCredit: 0,
      // RA3: only invLate keeps an open amount, so the row's count agrees with its amounts.
      unreconciledItems: 1,
    });
    expect(await openOf(invLate.id)).toBe(1_500n);
    expect(await openOf(invEarly.id)).toBe(0n);
    expect(await openOf(payLate.id)).toBe(0n);

    const stored = await t.c.db
      .select()
      .from(allocations)
      .where(
        and(eq(allocations.organizationId, org.organizationId), eq(allocations.batchId, res.body.batchId)),
      );
    expect(stored).toHaveLength(4);
    expect(stored.every((a) => a.source === 'reconcile' && a.createdBy === org.adminId)).toBe(true);
    const [batch] = await t.c.db
      .select()
      .from(reconciliationBatches)
      .where(eq(reconciliationBatches.id, res.body.batchId));
    expect(batch).toMatchObject({ accountId: acc, createdBy: org.adminId, undoneAt: null });
    const [entry] = await t.c.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.organizationId, org.organizationId), eq(auditLog.subjectId, acc)));
    expect(entry).toMatchObject({ action: 'reconciliation.reconciled', actorId: org.adminId });
    expect(entry!.details).toMatchObject({ batchId: res.body.batchId, allocations: res.body.allocations });

    // RA9's row leaves the list once refreshed.
    expect((await listAll(org.adminToken, 200)).some((i) => i.accountId === acc)).toBe(false);
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);
  });

  it('RA5: refunds are debits reconciled against credit notes', async () => {
    const acc = await account('Remboursement');
    const refund = await document(acc, 'refund', 2_000, { date: '2026-02-01' });
    const creditNote = await document(acc, 'credit_note', 2_000, { date: '2026-01-01' });
    const res = await call(t.app, org.adminToken, 'POST', reconcileUrl(acc));
    expect(res.body).toMatchObject({
      allocations: [{ creditId: creditNote.id, debitId: refund.id, amount: 2_000 }],
      state: 'reconciled',
      unreconciledDebit: 0,
      unreconciledCredit: 0,
    });
    expect(await openOf(refund.id)).toBe(0n);
    expect(await openOf(creditNote.id)).toBe(0n);
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);
  });

  it('RA5: a dry run answers the allocations it would make and writes nothing', async () => {
    const acc = await account('Aperçu');
    const invoice = await document(acc, 'invoice', 7_000);
    const payment = await document(acc, 'payment', 2_000);
    const summaryBefore = await t.c.db
      .select()
      .from(accountReconciliation)
      .where(eq(accountReconciliation.accountId, acc));
    const allocationsBefore = await allocationCount();
    const [batchesBefore] = await rows<{ n: unknown }>(
      t.c.db,
      sql`select count(*) as n from reconciliation_batches`,
    );

    const dry = await call(t.app, org.adminToken, 'POST', reconcileUrl(acc, true));
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual({
      accountId: acc,
      batchId: null,
      allocations: [{ creditId: payment.id, debitId: invoice.id, amount: 2_000 }],
      state: 'debit_remaining',
      unreconciledDebit: 5_000,
      unreconciledCredit: 0,
      unreconciledItems: 1,
    });
    expect(await allocationCount()).toBe(allocationsBefore);
    const [batchesAfter] = await rows<{ n: unknown }>(
      t.c.db,
      sql`select count(*) as n from reconciliation_batches`,
    );
    expect(int(batchesAfter?.n)).toBe(int(batchesBefore?.n));
    expect(await openOf(invoice.id)).toBe(7_000n);
    expect(
      await t.c.db.select().from(accountReconciliation).where(eq(accountReconciliation.accountId, acc)),
    ).toEqual(summaryBefore);

    const real = await call(t.app, org.adminToken, 'POST', reconcileUrl(acc));
    expect(real.body.allocations).toEqual(dry.body.allocations);
  });

  it('RA5: an account with nothing to reconcile answers 200 with no allocations and its state', async () => {
    const empty = await account('Vide');
    expect((await call(t.app, org.adminToken, 'POST', reconcileUrl(empty))).body).toEqual({
      accountId: empty,
      batchId: null,
      allocations: [],
      state: 'reconciled',
      unreconciledDebit: 0,
      unreconciledCredit: 0,
      unreconciledItems: 0,
    });
    const debtor = await account('Débiteur');
    await document(debtor, 'invoice', 1_234);
    expect((await call(t.app, org.adminToken, 'POST', reconcileUrl(debtor))).body).toMatchObject({
      allocations: [],
      state: 'debit_remaining',
      unreconciledDebit: 1_234,
      unreconciledItems: 1,
    });
  });

  it('undo removes exactly the batch, restores open amounts and the summary, and is audited', async () => {
    const acc = await account('Annuler');
    const invoice = await document(acc, 'invoice', 5_000, { date: '2026-01-01' });
    const payment = await document(acc, 'payment', 3_000, { date: '2026-01-02' });
    // A manual allocation before the batch is not the batch's and stays.
    const manual = await t.c.db.transaction((tx) =>
      t.c.ledger.allocate(tx, {
        organizationId: org.organizationId,
        accountId: acc,
        creditId: payment.id,
        debitId: invoice.id,
        amountMinor: 1_000n,
        source: 'manual',
      }),
    );
    const done = await call(t.app, org.adminToken, 'POST', reconcileUrl(acc));
    expect(done.body.allocations).toEqual([{ creditId: payment.id, debitId: invoice.id, amount: 2_000 }]);

    const undo = await call(t.app, org.adminToken, 'DELETE', `/api/v1/reconciliations/${done.body.batchId}`);
    expect(undo.status).toBe(204);
    expect(await openOf(invoice.id)).toBe(4_000n);
    expect(await openOf(payment.id)).toBe(2_000n);
    const left = await t.c.ledger.listAllocations(t.c.db, org.organizationId, acc);
    expect(left.map((a) => a.id)).toEqual([manual.id]);
    const [batch] = await t.c.db
      .select()
      .from(reconciliationBatches)
      .where(eq(reconciliationBatches.id, done.body.batchId));
    expect(batch).toMatchObject({ undoneBy: org.adminId, undoneAt: expect.any(Date) });
    const audits = await t.c.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.organizationId, org.organizationId), eq(auditLog.subjectId, done.body.batchId)));
    expect(audits.map((a) => a.action)).toEqual(['reconciliation.undone']);
    expect((await listAll(org.adminToken, 200)).find((i) => i.accountId === acc)).toMatchObject({
      unreconciledDebit: 4_000,
      unreconciledCredit: 2_000,
    });
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);
  });

  it('undo is last-in first-out: 409 while a later allocation uses a document of the batch', async () => {
    const acc = await account('Dépendance');
    const invoice = await document(acc, 'invoice', 10_000, { date: '2026-01-01' });
    await document(acc, 'payment', 6_000, { date: '2026-01-02' });
    const first = await call(t.app, org.adminToken, 'POST', reconcileUrl(acc));
    await document(acc, 'credit_note', 4_000, { date: '2026-01-03' });
    const second = await call(t.app, org.adminToken, 'POST', reconcileUrl(acc));
    expect(second.body.allocations).toHaveLength(1);
    expect(await openOf(invoice.id)).toBe(0n);

    const refused = await call(
      t.app,
      org.adminToken,
      'DELETE',
      `/api/v1/reconciliations/${first.body.batchId}`,
    );
    expect(refused.status).toBe(409);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body.laterAllocationIds).toHaveLength(1);
    expect(await openOf(invoice.id)).toBe(0n);

    expect(
      (await call(t.app, org.adminToken, 'DELETE', `/api/v1/reconciliations/${second.body.batchId}`)).status,
    ).toBe(204);
    expect(
      (await call(t.app, org.adminToken, 'DELETE', `/api/v1/reconciliations/${first.body.batchId}`)).status,
    ).toBe(204);
    expect(await openOf(invoice.id)).toBe(10_000n);
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);
  });

  it('bulk: reconciles every listed account in the background, one failure does not stop the others', async () => {
    const o = await createOrg(t.c);
    const accs: string[] = [];
    for (let i = 0; i < 4; i++) {
      const acc = await account(`Bulk ${i}`, o);
      await document(acc, 'invoice', 1_000 + i, {}, o);
      await document(acc, 'payment', 1_000, {}, o);
      accs.push(acc);
    }
    // A document in another currency cannot be allocated: that account's reconcile fails (422).
    const broken = await account('Bulk Broken', o);
    await document(broken, 'invoice', 500, {}, o);
    await document(broken, 'payment', 500, { currency: 'USD' }, o);
    expect((await call(t.app, o.adminToken, 'POST', reconcileUrl(broken))).status).toBe(422);

    const started = await call(t.app, o.adminToken, 'POST', `${LIST}/reconcile-all`, {
      zeroBalanceOnly: false,
    });
    expect(started.status).toBe(202);
    expect(started.body.jobId).toMatch(/^job_/);
    const queued = await call(t.app, o.adminToken, 'GET', `/api/v1/jobs/${started.body.jobId}`);
    expect(queued.body).toEqual({
      id: started.body.jobId,
      name: 'reconcile-all',
      state: 'queued',
      done: 0,
      total: 5,
      failed: 0,
    });

    await t.c.queue.drain();
    const finished = await call(t.app, o.adminToken, 'GET', `/api/v1/jobs/${started.body.jobId}`);
    expect(finished.status).toBe(200);
    expect(finished.body).toEqual({
      id: started.body.jobId,
      name: 'reconcile-all',
      state: 'completed',
      done: 5,
      total: 5,
      failed: 1,
    });
    expect((await call(t.app, o.adminToken, 'GET', LIST)).body.items.map((i: any) => i.accountId)).toEqual([
      broken,
    ]);
    expect(await findSummaryMismatches(t.c.db, o.organizationId)).toEqual([]);
    // Re-delivery of a finished run does nothing.
    const before = await allocationCount(o.organizationId);
    await t.c.queue.runNow('reconcile-all', {
      organizationId: o.organizationId,
      jobRunId: started.body.jobId,
    });
    expect(await allocationCount(o.organizationId)).toBe(before);
  });

  it('bulk: zeroBalanceOnly reconciles only zero-balance accounts, and progress is written page by page', async () => {
    const o = await createOrg(t.c);
    const zero: string[] = [];
    for (let i = 0; i < 5; i++) {
      const acc = await account(`Zero ${i}`, o);
      await document(acc, 'invoice', 800, {}, o);
      await document(acc, 'credit_note', 800, {}, o);
      zero.push(acc);
    }
    const unbalanced = await account('Unbalanced', o);
    await document(unbalanced, 'invoice', 900, {}, o);
    await document(unbalanced, 'payment', 100, {}, o);

    // What the confirmation says before it runs: how many accounts, and how much they settle.
    const summary = `${LIST}/zero-balance-summary`;
    expect((await call(t.app, o.adminToken, 'GET', summary)).body).toEqual({
      accounts: 5,
      amount: 4_000,
      currency: 'CAD',
    });
    const { jobId } = await t.c.reconciliation.startReconcileAll(o.organizationId, o.adminId, {
      zeroBalanceOnly: true,
    });
    const small = new ReconciliationService({
      db: t.c.db,
      clock: t.c.clock,
      ledger: t.c.ledger,
      audit: t.c.audit,
      organizations: t.c.organizations,
      queue: t.c.queue,
      bulkPageSize: 2,
    });
    const spy = vi.spyOn(ReconciliationRepository.prototype, 'updateJobRun');
    try {
      const result = await small.runReconcileAll({ organizationId: o.organizationId, jobRunId: jobId });
      expect(result).toEqual({
        id: jobId,
        name: 'reconcile-all',
        state: 'completed',
        done: 5,
        total: 5,
        failed: 0,
      });
      const progress = spy.mock.calls.map((c) => c[3]).filter((p) => p.done !== undefined);
      expect(progress.map((p) => p.done)).toEqual([0, 2, 4, 5]);
    } finally {
      spy.mockRestore();
    }
    expect((await call(t.app, o.adminToken, 'GET', LIST)).body.items.map((i: any) => i.accountId)).toEqual([
      unbalanced,
    ]);
    expect((await call(t.app, o.adminToken, 'GET', summary)).body).toMatchObject({ accounts: 0, amount: 0 });
  });
});

describe('errors', () => {
  it('refuses bad list input with 400', async () => {
    expect((await call(t.app, org.adminToken, 'GET', `${LIST}?limit=0`)).status).toBe(400);
    expect((await call(t.app, org.adminToken, 'GET', `${LIST}?limit=201`)).status).toBe(400);
    expect((await call(t.app, org.adminToken, 'GET', `${LIST}?cursor=garbage`)).status).toBe(400);
    const wrongShape = Buffer.from(JSON.stringify(['a', 1, 'x', 'acc_1'])).toString('base64url');
    const res = await call(t.app, org.adminToken, 'GET', `${LIST}?cursor=${wrongShape}`);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'querystring.cursor', message: 'is not valid' }]);
  });

  it('404 for an unknown account, 400 for a malformed ID or flag', async () => {
    expect((await call(t.app, org.adminToken, 'POST', reconcileUrl('acc_doesnotexist'))).status).toBe(404);
    expect((await call(t.app, org.adminToken, 'POST', reconcileUrl('acc_doesnotexist', true))).status).toBe(
      404,
    );
    expect((await call(t.app, org.adminToken, 'POST', reconcileUrl('not an id'))).status).toBe(400);
    expect((await call(t.app, org.adminToken, 'POST', `${reconcileUrl('acc_x')}?dryRun=maybe`)).status).toBe(
      400,
    );
  });

  it('undo: 404 for an unknown batch, 409 once undone', async () => {
    expect((await call(t.app, org.adminToken, 'DELETE', '/api/v1/reconciliations/rcb_unknown')).status).toBe(
      404,
    );
    const acc = await account('Deux Fois');
    await document(acc, 'invoice', 100);
    await document(acc, 'payment', 100);
    const done = await call(t.app, org.adminToken, 'POST', reconcileUrl(acc));
    const url = `/api/v1/reconciliations/${done.body.batchId}`;
    expect((await call(t.app, org.adminToken, 'DELETE', url)).status).toBe(204);
    const again = await call(t.app, org.adminToken, 'DELETE', url);
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('already undone');
  });

  it('bulk: 400 for unknown fields or a non-boolean flag; 404 for an unknown job', async () => {
    expect((await call(t.app, org.adminToken, 'POST', `${LIST}/reconcile-all`, { all: true })).status).toBe(
      400,
    );
    expect(
      (await call(t.app, org.adminToken, 'POST', `${LIST}/reconcile-all`, { zeroBalanceOnly: 'true' }))
        .status,
    ).toBe(400);
    expect((await call(t.app, org.adminToken, 'GET', '/api/v1/jobs/job_unknown')).status).toBe(404);
  });
});

describe('authz', () => {
  it('RA7: staff gets 403 on the list, reconcile, undo, bulk and jobs; accountants may', async () => {
    const staff = await org.tokenFor('staff');
    const acc = await account('Interdit');
    await document(acc, 'invoice', 100);
    await document(acc, 'payment', 100);
    const { jobId } = await t.c.reconciliation.startReconcileAll(org.organizationId, org.adminId, {
      zeroBalanceOnly: true,
    });
    const checks: [string, string, unknown?][] = [
      ['GET', LIST],
      ['POST', reconcileUrl(acc)],
      ['POST', reconcileUrl(acc, true)],
      ['DELETE', '/api/v1/reconciliations/rcb_whatever'],
      ['POST', `${LIST}/reconcile-all`, { zeroBalanceOnly: false }],
      ['GET', `/api/v1/jobs/${jobId}`],
    ];
    for (const [method, url, body] of checks) {
      const res = await call(t.app, staff.token, method as 'GET', url, body);
      expect(res.status, `${method} ${url}`).toBe(403);
      expect((await call(t.app, null, method as 'GET', url, body)).status, `${method} ${url}`).toBe(401);
    }
    expect(await t.c.ledger.listAllocations(t.c.db, org.organizationId, acc)).toEqual([]);
    const accountant = await org.tokenFor('accountant');
    expect((await call(t.app, accountant.token, 'GET', LIST)).status).toBe(200);
    expect((await call(t.app, accountant.token, 'POST', reconcileUrl(acc))).body.state).toBe('reconciled');
  });

  it("another organization's account, batch and job are 404 and untouched", async () => {
    const other = await createOrg(t.c);
    const acc = await account('Autre Org', other);
    const invoice = await document(acc, 'invoice', 300, {}, other);
    await document(acc, 'payment', 300, {}, other);
    expect((await call(t.app, org.adminToken, 'POST', reconcileUrl(acc))).status).toBe(404);
    expect((await call(t.app, org.adminToken, 'POST', reconcileUrl(acc, true))).status).toBe(404);
    expect(
      (await call(t.app, org.adminToken, 'GET', LIST)).body.items.some((i: any) => i.accountId === acc),
    ).toBe(false);
    const done = await call(t.app, other.adminToken, 'POST', reconcileUrl(acc));
    expect(done.body.batchId).toMatch(/^rcb_/);
    expect(
      (await call(t.app, org.adminToken, 'DELETE', `/api/v1/reconciliations/${done.body.batchId}`)).status,
    ).toBe(404);
    const { jobId } = await t.c.reconciliation.startReconcileAll(other.organizationId, other.adminId, {
      zeroBalanceOnly: false,
    });
    expect((await call(t.app, org.adminToken, 'GET', `/api/v1/jobs/${jobId}`)).status).toBe(404);
    const [still] = await t.c.db
      .select({ open: documents.openMinor })
      .from(documents)
      .where(and(eq(documents.organizationId, other.organizationId), eq(documents.id, invoice.id)));
    expect(still?.open).toBe(0n);
  });
});
