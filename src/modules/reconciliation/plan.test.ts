import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PlanDocument, planReconciliation, stateOf } from './plan';

const doc = (id: string, amount: bigint, date = '2026-01-01', createdAtMs = 0): PlanDocument => ({
  id,
  amount,
  date,
  createdAtMs,
});

describe('planReconciliation', () => {
  it('RA5: allocates oldest credits to oldest debits, by date then creation then ID', () => {
    const plan = planReconciliation(
      [
        doc('inv_b', 300n, '2026-02-01'),
        doc('inv_a', 500n, '2026-01-15', 5),
        doc('inv_c', 100n, '2026-01-15', 1),
      ],
      [doc('pay_y', 400n, '2026-03-01'), doc('pay_x', 200n, '2026-01-01')],
    );
    expect(plan.allocations).toEqual([
      { creditId: 'pay_x', debitId: 'inv_c', amount: 100n },
      { creditId: 'pay_x', debitId: 'inv_a', amount: 100n },
      { creditId: 'pay_y', debitId: 'inv_a', amount: 400n },
    ]);
    expect(plan).toMatchObject({ debitRemaining: 300n, creditRemaining: 0n, state: 'debit_remaining' });
  });

  it('RA5: ties on date and creation are broken by ID', () => {
    const plan = planReconciliation([doc('inv_2', 10n), doc('inv_1', 10n)], [doc('cn_1', 15n)]);
    expect(plan.allocations).toEqual([
      { creditId: 'cn_1', debitId: 'inv_1', amount: 10n },
      { creditId: 'cn_1', debitId: 'inv_2', amount: 5n },
    ]);
  });

  it('RA5: partial amounts leave credit remaining when credits exceed debits', () => {
    const plan = planReconciliation([doc('rf_1', 250n)], [doc('cn_1', 100n), doc('cn_2', 400n)]);
    expect(plan.allocations).toEqual([
      { creditId: 'cn_1', debitId: 'rf_1', amount: 100n },
      { creditId: 'cn_2', debitId: 'rf_1', amount: 150n },
    ]);
    expect(plan).toMatchObject({ debitRemaining: 0n, creditRemaining: 250n, state: 'credit_remaining' });
  });

  it('RA1: nothing to do with only debits or only credits; zero amounts are ignored (RA6)', () => {
    expect(planReconciliation([doc('inv_1', 10n)], [])).toMatchObject({
      allocations: [],
      state: 'debit_remaining',
    });
    expect(planReconciliation([], [doc('pay_1', 10n)])).toMatchObject({
      allocations: [],
      state: 'credit_remaining',
    });
    expect(planReconciliation([doc('inv_1', 0n)], [doc('pay_1', 0n)])).toMatchObject({
      allocations: [],
      state: 'reconciled',
    });
  });

  it('RA4: equal totals reconcile completely', () => {
    const plan = planReconciliation([doc('inv_1', 70n), doc('inv_2', 30n)], [doc('pay_1', 100n)]);
    expect(plan.state).toBe('reconciled');
    expect(plan.allocations.map((a) => a.amount)).toEqual([70n, 30n]);
  });

  it('RA3: counts the unreconciled items left, so a reconciled row never shows items beside $0.00/$0.00', () => {
    expect(
      planReconciliation([doc('inv_1', 70n), doc('inv_2', 30n)], [doc('pay_1', 100n)]).itemsRemaining,
    ).toBe(0);
    // 250 of refunds against 500 of credit notes: the refund is covered, the second credit note keeps 250 open.
    expect(
      planReconciliation([doc('rf_1', 250n)], [doc('cn_1', 100n), doc('cn_2', 400n)]).itemsRemaining,
    ).toBe(1);
    expect(
      planReconciliation([doc('inv_1', 10n), doc('inv_2', 5n)], [doc('pay_1', 12n)]).itemsRemaining,
    ).toBe(1);
  });

  it('RA1–RA3 per side: what the account summary holds after the reconcile (summaryAfterReconcileSql)', () => {
    // A fully covered invoice (counted 0) takes no part and is no item; the credit note keeps 250 open.
    const plan = planReconciliation(
      [doc('rf_1', 250n), doc('inv_0', 0n)],
      [doc('cn_1', 100n), doc('cn_2', 400n)],
    );
    expect(plan).toMatchObject({
      debitItemsRemaining: 0,
      debitRemaining: 0n,
      creditItemsRemaining: 1,
      creditRemaining: 250n,
      itemsRemaining: 1,
    });
    expect(planReconciliation([doc('inv_1', 10n), doc('inv_2', 5n)], [doc('pay_1', 12n)])).toMatchObject({
      debitItemsRemaining: 1,
      debitRemaining: 3n,
      creditItemsRemaining: 0,
      creditRemaining: 0n,
    });
  });

  it('stateOf reads what is left', () => {
    expect(stateOf(0n, 0n)).toBe('reconciled');
    expect(stateOf(1n, 0n)).toBe('debit_remaining');
    expect(stateOf(0n, 1n)).toBe('credit_remaining');
  });

  it('RA5/RA8: never allocates more than any document counts, and exhausts one side', () => {
    const docs = (prefix: string) =>
      fc
        .array(
          fc.record({
            amount: fc.bigInt({ min: 0n, max: 10_000n }),
            day: fc.integer({ min: 1, max: 28 }),
            ms: fc.integer({ min: 0, max: 5 }),
          }),
          { maxLength: 12 },
        )
        .map((xs) =>
          xs.map((x, i) =>
            doc(`${prefix}_${i}`, x.amount, `2026-01-${String(x.day).padStart(2, '0')}`, x.ms),
          ),
        );
    fc.assert(
      fc.property(docs('inv'), docs('pay'), (debits, credits) => {
        const plan = planReconciliation(debits, credits);
        const used = new Map<string, bigint>();
        for (const a of plan.allocations) {
          expect(a.amount > 0n).toBe(true);
          used.set(a.debitId, (used.get(a.debitId) ?? 0n) + a.amount);
          used.set(a.creditId, (used.get(a.creditId) ?? 0n) + a.amount);
        }
        for (const d of [...debits, ...credits]) expect((used.get(d.id) ?? 0n) <= d.amount).toBe(true);
        const total = (xs: PlanDocument[]) => xs.reduce((s, x) => s + x.amount, 0n);
        const allocated = plan.allocations.reduce((s, a) => s + a.amount, 0n);
        expect(plan.debitRemaining).toBe(total(debits) - allocated);
        expect(plan.creditRemaining).toBe(total(credits) - allocated);
        expect(plan.debitRemaining === 0n || plan.creditRemaining === 0n).toBe(true);
      }),
    );
  });
});
