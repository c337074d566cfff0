import { describe, expect, it } from 'vitest';
import type { FailedTransaction } from './api';
import { retryOutcomes } from './retryOutcomes';

const entry = (id: string, status: 'open' | 'retrying', attempts = 1) =>
  ({
    id,
    status,
    attempts,
    type: 'subscription',
    paymentMethod: { type: 'card', last4: '0002' },
    reason: { code: 'card_declined', message: 'Declined' },
  }) as FailedTransaction;
const asked = (...entries: FailedTransaction[]) => new Map(entries.map((e) => [e.id, e]));
const all = { complete: true, filters: {} };

describe('retry outcomes', () => {
  it('an entry retried that left the list was recovered', () => {
    expect(retryOutcomes(asked(entry('a', 'open')), [], all)).toMatchObject([
      { kind: 'recovered', entry: { id: 'a' } },
    ]);
  });

  it('one back open with another attempt was declined again, even if the clock was never seen', () => {
    expect(retryOutcomes(asked(entry('a', 'open', 1)), [entry('a', 'open', 2)], all)).toMatchObject([
      { kind: 'failed', entry: { id: 'a', attempts: 2 } },
    ]);
  });

  it('says nothing while it runs, nor of an entry missing from an incomplete or other view', () => {
    expect(retryOutcomes(asked(entry('a', 'open')), [entry('a', 'retrying')], all)).toEqual([]);
    expect(retryOutcomes(asked(entry('a', 'open')), [entry('a', 'open', 1)], all)).toEqual([]);
    expect(retryOutcomes(asked(entry('a', 'open')), [], { complete: false, filters: {} })).toEqual([]);
    expect(
      retryOutcomes(asked(entry('a', 'open')), [], { complete: true, filters: { type: 'refund' } }),
    ).toEqual([]);
    expect(
      retryOutcomes(asked(entry('a', 'open')), [], { complete: true, filters: { reason: 'card_declined' } }),
    ).toEqual([]);
  });
});
