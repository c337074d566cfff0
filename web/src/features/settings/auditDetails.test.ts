import { describe, expect, it } from 'vitest';
import { describeDetails, subjectLink } from './auditDetails';

describe('audit details as labelled fields', () => {
  it('shows amounts as money, never as raw cents, and hides bookkeeping', () => {
    expect(
      describeDetails('refund.paid_out', {
        accountId: 'acc_1',
        paymentId: 'doc_2',
        amount: 1250,
        method: 'card',
        idempotencyKey: 'k',
      }),
    ).toEqual([
      { key: 'paymentId', kind: 'text', value: 'doc_2' },
      { key: 'amount', kind: 'money', minor: 1250 },
      { key: 'method', kind: 'text', value: 'card' },
    ]);
  });

  it('sums a reconcile’s allocations and reads from/to as amounts only where they are amounts', () => {
    expect(
      describeDetails('reconciliation.reconciled', {
        batchId: 'rb_1',
        state: 'reconciled',
        allocations: [
          { creditId: 'c', debitId: 'd', amount: 1000 },
          { creditId: 'c', debitId: 'e', amount: 234 },
        ],
      }),
    ).toContainEqual({ key: 'allocations', kind: 'allocations', count: 2, totalMinor: 1234 });
    expect(describeDetails('scheduled_payment.reduced', { from: 5000, to: 1200 })).toEqual([
      { key: 'from', kind: 'money', minor: 5000 },
      { key: 'to', kind: 'money', minor: 1200 },
    ]);
    expect(describeDetails('failed_transaction.resolved', { attempts: 3 })).toEqual([
      { key: 'attempts', kind: 'count', value: 3 },
    ]);
  });

  it('renders nested changes as groups with their own money and dates', () => {
    expect(
      describeDetails('scheduled_payment.changed', {
        from: { dueDate: '2026-03-01', amount: 5000 },
        to: { dueDate: '2026-03-15', amount: 5000 },
      })[0],
    ).toEqual({
      key: 'from',
      kind: 'group',
      fields: [
        { key: 'dueDate', kind: 'date', value: '2026-03-01' },
        { key: 'amount', kind: 'money', minor: 5000 },
      ],
    });
  });

  it('links each subject to the page where a person finds it', () => {
    expect(subjectLink({ subjectType: 'account', subjectId: 'acc_1', details: {} })).toBe(
      '/accounts/acc_1/ledger',
    );
    expect(
      subjectLink({ subjectType: 'subscription', subjectId: 'sub_1', details: { accountId: 'acc_2' } }),
    ).toBe('/accounts/acc_2/upcoming-payments');
    expect(
      subjectLink({ subjectType: 'payment_method', subjectId: 'pm_1', details: { accountId: 'acc_3' } }),
    ).toBe('/accounts/acc_3/wallet');
    expect(subjectLink({ subjectType: 'user', subjectId: 'usr_1', details: {} })).toBe('/settings/users');
    expect(subjectLink({ subjectType: 'job', subjectId: 'job_1', details: {} })).toBeNull();
  });
});
