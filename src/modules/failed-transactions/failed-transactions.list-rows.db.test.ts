/**
 * The failed list's page is one statement built once per shape and mapped by a function compiled once
 * (platform/db/compiled-rows.ts), for speed (bench/failed-transactions.ts). This checks that it answers
 * exactly what Drizzle's own mapping of the same statement answers, on rows with every kind of null: no
 * payment method left, no invoice (a refund), a subscription's method changed, a dunning pause, a cursor,
 * each filter, and with the policy in force.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import {
  ftAccount,
  ftBank,
  ftCard,
  ftEntry,
  ftInvoice,
  ftSchedule,
} from '../../../test/failed-transaction-fixtures';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import { FailedTransactionsRepository, type ListFilters } from './failed-transactions.repository';

let t: TestContext;
let org: TestOrg;
const MINUTE = 60_000;

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c);
  const O = org.organizationId;
  const now = t.c.clock.now().getTime();
  const at = (i: number) => new Date(now - i * MINUTE);
  // A subscription charge on a card, and the subscription's card since replaced (FT5).
  const a1 = await ftAccount(t.c, O, { name: 'Émile Roy' });
  const card = await ftCard(t.c, O, a1);
  const invoice = await ftInvoice(t.c, O, a1, 12_500n);
  const s = await ftSchedule(t.c, O, a1, 'subscription', card, invoice, 12_500n);
  await ftEntry(t.c, O, {
    accountId: a1,
    paymentMethodId: card,
    invoiceId: invoice,
    scheduledPaymentId: s.scheduledPaymentId,
    failedAt: at(1),
  });
  // An eCheck return with re-presentments, on an account under a dunning pause (RC5).
  const a2 = await ftAccount(t.c, O, { name: 'Zoé Tremblay' });
  const bank = await ftBank(t.c, O, a2);
  await ftEntry(t.c, O, {
    accountId: a2,
    paymentMethodId: bank,
    methodType: 'echeck',
    type: 'echeck_payment',
    reasonCode: 'R01',
    representments: 1,
    failedAt: at(2),
  });
  const paused = await call(t.app, org.adminToken, 'PUT', `/api/v1/accounts/${a2}/dunning-pause`, {
    until: new Date(now + 10 * 86_400_000).toISOString().slice(0, 10),
    reason: 'En discussion',
  });
  expect(paused.status, JSON.stringify(paused.body)).toBe(200);
  // A refund that failed: no invoice, no scheduled payment.
  for (let i = 0; i < 6; i++) {
    await ftEntry(t.c, O, {
      accountId: a1,
      paymentMethodId: card,
      type: 'refund',
      reasonCode: i % 2 ? 'expired_card' : 'insufficient_funds',
      failedAt: at(3 + i),
    });
  }
  const put = await call(t.app, org.adminToken, 'PUT', '/api/v1/organization/retry-policy', {
    card: { offsetsDays: [1, 3], localHour: 10, preferPaydays: false },
    echeck: { maxRepresentments: 2, minBusinessDaysApart: 3, returnFeeAmount: 700 },
    afterLastRetry: 'pause',
    emails: { failureNotice: true, reminderBeforeRetry: false, finalNotice: true },
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
});
afterAll(async () => t?.close());

describe('the failed list page, compiled row mapping', () => {
  it('answers what Drizzle’s own mapping answers, for every shape', async () => {
    const compiled = new FailedTransactionsRepository(t.c.db);
    const reference = new FailedTransactionsRepository(t.c.db, { compiledRows: false });
    const O = org.organizationId;
    const now = t.c.clock.now();
    const shapes: ListFilters[] = [
      {},
      { paymentMethod: 'echeck' },
      { type: 'refund', reason: 'expired_card' },
      { retry: 'manual' },
      { paidElsewhere: true },
    ];
    let rowsSeen = 0;
    for (const filters of shapes) {
      const first = await compiled.pageWithPolicy(O, filters, { limit: 3, pausesAt: now });
      expect(first).toEqual(await reference.pageWithPolicy(O, filters, { limit: 3, pausesAt: now }));
      rowsSeen += first.entries.length;
      const last = first.entries.at(-1);
      if (last) {
        const after = { at: last.entry.failedAt, id: last.entry.id };
        const next = await compiled.page(O, filters, { limit: 50, after });
        expect(next).toEqual(await reference.page(O, filters, { limit: 50, after }));
        rowsSeen += next.length;
      }
    }
    // The comparison saw real rows, with their nulls and their types.
    expect(rowsSeen).toBeGreaterThanOrEqual(10);
    const [top] = (await compiled.pageWithPolicy(O, {}, { limit: 50, pausesAt: now })).entries;
    expect(top?.entry.failedAt).toBeInstanceOf(Date);
    expect(typeof top?.entry.amountMinor).toBe('bigint');
    const all = await compiled.pageWithPolicy(O, {}, { limit: 50, pausesAt: now });
    expect(all.policy).toEqual({ afterLastRetry: 'pause', returnFeeMinor: 700n });
    expect(all.entries.some((e) => e.pause !== null)).toBe(true);
    expect(all.entries.some((e) => e.invoiceOpenMinor === null)).toBe(true);
    expect(all.entries.some((e) => typeof e.invoiceOpenMinor === 'bigint')).toBe(true);
  });
});
