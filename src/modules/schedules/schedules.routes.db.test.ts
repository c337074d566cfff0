import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  apiAccount,
  apiBank,
  apiCard,
  apiInvoice,
  ledgerOf,
  setClock,
  settleEChecksAt,
} from '../../../test/billing';
import { createOrg } from '../../../test/factories';
import { ftOfAccount } from '../../../test/failed-transaction-fixtures';
import { call } from '../../../test/harness';
import { org, other, setUpOrgs, t, token } from '../../../test/suite';
import { findSummaryMismatches } from '../reconciliation/summary';
import { scheduledPayments } from './schedules.table';

setUpOrgs({ clock: '2026-03-02T15:00:00Z' }); // a Monday

const url = (accountId: string, path: string) => `/api/v1/accounts/${accountId}/${path}`;

async function plan(accountId: string, invoiceId: string, paymentMethodId: string, installments: object[]) {
  return call(t.app, token, 'POST', url(accountId, 'installment-plans'), {
    invoiceId,
    paymentMethodId,
    installments,
  });
}

describe('happy', () => {
  it('creates a plan and lists upcoming payments by due date with their method; RA2 covers the invoice', async () => {
    const account = await apiAccount(t.app, token);
    const card = await apiCard(t.app, token, account.id);
    const invoice = await apiInvoice(t.app, token, account.id, 9_000);
    const res = await plan(account.id, invoice.id, card.id, [
      { dueDate: '2026-04-01', amount: 3_000 },
      { dueDate: '2026-05-01', amount: 3_000 },
      { dueDate: '2026-06-01', amount: 3_000 },
    ]);
    expect(res.status).toBe(201);
    expect(res.body.installments.map((i: { status: string }) => i.status)).toEqual([
      'scheduled',
      'scheduled',
      'scheduled',
    ]);
    const sub = await call(t.app, token, 'POST', url(account.id, 'subscriptions'), {
      amount: 2_000,
      interval: 'week',
      startDate: '2026-03-20',
      paymentMethodId: card.id,
    });
    expect(sub.status).toBe(201);
    const upcoming = await call(t.app, token, 'GET', url(account.id, 'upcoming-payments'));
    expect(
      upcoming.body.items.map((u: { dueDate: string; source: string }) => [u.dueDate, u.source]),
    ).toEqual([
      ['2026-03-20', 'subscription'],
      ['2026-04-01', 'installment'],
      ['2026-05-01', 'installment'],
      ['2026-06-01', 'installment'],
    ]);
    expect(upcoming.body.items[1]).toMatchObject({
      amount: 3_000,
      sourceId: res.body.id,
      invoiceId: invoice.id,
      paymentMethod: { id: card.id, type: 'card', brand: 'visa', last4: '4242' },
    });
    const ledger = await ledgerOf(t.app, token, account.id);
    expect(ledger[0]).toMatchObject({ id: invoice.id, reconciliationStatus: 'covered' });
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);
  });

  it('FT8: changes the method of a plan and of a subscription (audited payment_method.changed)', async () => {
    const account = await apiAccount(t.app, token);
    const card = await apiCard(t.app, token, account.id);
    const next = await apiCard(t.app, token, account.id, '5555555555554444');
    const invoice = await apiInvoice(t.app, token, account.id, 1_000);
    const p = await plan(account.id, invoice.id, card.id, [{ dueDate: '2026-04-01', amount: 1_000 }]);
    const changed = await call(t.app, token, 'PATCH', `/api/v1/installment-plans/${p.body.id}`, {
      paymentMethodId: next.id,
    });
    expect(changed.status).toBe(200);
    expect(changed.body.paymentMethodId).toBe(next.id);
    const upcoming = await call(t.app, token, 'GET', url(account.id, 'upcoming-payments'));
    expect(upcoming.body.items[0].paymentMethod.last4).toBe('4444');
    const audit = await call(t.app, token, 'GET', `/api/v1/audit-log?subjectId=${p.body.id}`);
    expect(audit.body.items.map((a: { action: string }) => a.action)).toContain('payment_method.changed');
  });

  it('MS2: each upcoming charge says where its schedule stands (paused, cancelling at period end, cancelled)', async () => {
    const account = await apiAccount(t.app, token);
    const card = await apiCard(t.app, token, account.id);
    const subscribe = async () =>
      (
        await call(t.app, token, 'POST', url(account.id, 'subscriptions'), {
          amount: 2_000,
          interval: 'month',
          startDate: '2026-04-01',
          paymentMethodId: card.id,
        })
      ).body.id as string;
    const [paused, ending, invoice] = [
      await subscribe(),
      await subscribe(),
      await apiInvoice(t.app, token, account.id, 900),
    ];
    const p = await plan(account.id, invoice.id, card.id, [{ dueDate: '2026-04-10', amount: 900 }]);
    const scheduleOf = async (sourceId: string) =>
      (await call(t.app, token, 'GET', url(account.id, 'upcoming-payments'))).body.items
        .filter((u: { sourceId: string }) => u.sourceId === sourceId)
        .map((u: { status: string; schedule: object }) => ({ status: u.status, schedule: u.schedule }));

    expect(await scheduleOf(paused)).toEqual([
      { status: 'scheduled', schedule: { status: 'active', endsOn: null } },
    ]);
    expect((await call(t.app, token, 'POST', `/api/v1/subscriptions/${paused}/pause`)).status).toBe(200);
    expect(await scheduleOf(paused)).toEqual([
      { status: 'cancelled', schedule: { status: 'paused', endsOn: null } },
    ]);

    expect(
      (await call(t.app, token, 'POST', `/api/v1/subscriptions/${ending}/cancel`, { at: 'period_end' }))
        .status,
    ).toBe(200);
    const [end] = await scheduleOf(ending);
    expect(end.schedule).toMatchObject({ status: 'cancelled', endsOn: expect.stringMatching(/^2026-/) });

    expect((await call(t.app, token, 'POST', `/api/v1/installment-plans/${p.body.id}/cancel`)).status).toBe(
      200,
    );
    expect(await scheduleOf(p.body.id)).toEqual([
      { status: 'cancelled', schedule: { status: 'cancelled', endsOn: null } },
    ]);
  });

  it('payments-due charges what is due today in the organization zone; success is allocated, the plan completes', async () => {
    const account = await apiAccount(t.app, token);
    const card = await apiCard(t.app, token, account.id);
    const invoice = await apiInvoice(t.app, token, account.id, 5_000);
    const p = await plan(account.id, invoice.id, card.id, [
      { dueDate: '2026-03-03', amount: 2_000 },
      { dueDate: '2026-03-10', amount: 3_000 },
    ]);
    // 2026-03-03 02:00 UTC is still March 2 in Toronto: nothing is due yet.
    await setClock(t.app, token, '2026-03-03T02:00:00Z');
    let run = await call(t.app, token, 'POST', '/api/v1/sandbox/jobs/payments-due');
    expect(run.body.result).toMatchObject({ charged: 0 });
    await setClock(t.app, token, '2026-03-10T15:00:00Z');
    run = await call(t.app, token, 'POST', '/api/v1/sandbox/jobs/payments-due');
    expect(run.body.result).toMatchObject({ succeeded: 2 });
    run = await call(t.app, token, 'POST', '/api/v1/sandbox/jobs/payments-due');
    expect(run.body.result).toMatchObject({ charged: 0 });
    const ledger = await ledgerOf(t.app, token, account.id);
    expect(ledger.find((d) => d.id === invoice.id)).toMatchObject({ openAmount: 0 });
    expect(ledger.filter((d) => d.kind === 'payment').map((d) => d.openAmount)).toEqual([0, 0]);
    const { plan: done } = await t.c.schedules.getInstallmentPlan(org.organizationId, p.body.id);
    expect(done.status).toBe('completed');
  });

  it('FT1: an installment paid by eCheck that comes back returned opens an installment entry with its R code', async () => {
    await setClock(t.app, token, '2026-03-02T15:00:00Z');
    const account = await apiAccount(t.app, token);
    const bank = await apiBank(t.app, token, account.id, '999009');
    const invoice = await apiInvoice(t.app, token, account.id, 2_000);
    const p = await plan(account.id, invoice.id, bank.id, [{ dueDate: '2026-03-02', amount: 2_000 }]);
    const run = await call(t.app, token, 'POST', '/api/v1/sandbox/jobs/payments-due');
    expect(run.body.result).toMatchObject({ pending: 1 });
    let ledger = await ledgerOf(t.app, token, account.id);
    expect(ledger.find((d) => d.kind === 'payment')).toMatchObject({
      status: 'pending',
      invoiceId: invoice.id,
    });
    expect(await settleEChecksAt(t.app, token, '2026-03-04T15:00:00Z')).toMatchObject({ returned: 1 });
    ledger = await ledgerOf(t.app, token, account.id);
    expect(ledger.find((d) => d.kind === 'payment')).toMatchObject({ status: 'void' });
    const [entry] = await ftOfAccount(t.c, org.organizationId, account.id);
    expect(entry).toMatchObject({
      type: 'installment',
      reasonCode: 'R09',
      paymentMethodType: 'echeck',
      invoiceId: invoice.id,
    });
    const [sp] = await t.c.db
      .select()
      .from(scheduledPayments)
      .where(eq(scheduledPayments.id, p.body.installments[0].id));
    expect(sp!.status).toBe('failed');
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);
  });

  it('exactly once: two concurrent payments-due runs never charge a scheduled payment twice', async () => {
    const runOrg = await createOrg(t.c);
    // The shared sandbox clock: runOrg never moved its own, and the runs below are called outside any request.
    await t.c.sandboxClock!.set(new Date('2026-03-02T15:00:00Z'));
    const due = 12;
    for (let i = 0; i < due; i++) {
      const account = await apiAccount(t.app, runOrg.adminToken, `Owner ${i}`);
      const card = await apiCard(t.app, runOrg.adminToken, account.id);
      const sub = await call(t.app, runOrg.adminToken, 'POST', url(account.id, 'subscriptions'), {
        amount: 1_000 + i,
        interval: 'month',
        startDate: '2026-03-01',
        paymentMethodId: card.id,
      });
      expect(sub.status).toBe(201);
    }
    const [a, b] = await Promise.all([
      t.c.schedules.runPaymentsDue(runOrg.organizationId),
      t.c.schedules.runPaymentsDue(runOrg.organizationId),
    ]);
    expect(a.charged + b.charged).toBe(due);
    expect(a.errors + b.errors).toBe(0);
    expect(await t.c.sandboxGateway!.chargeCount(runOrg.organizationId)).toBe(due);
    // Running again (and re-running one charge) moves no money.
    await t.c.schedules.runPaymentsDue(runOrg.organizationId);
    expect(await t.c.sandboxGateway!.chargeCount(runOrg.organizationId)).toBe(due);
    const paid = await t.c.db
      .select()
      .from(scheduledPayments)
      .where(
        and(
          eq(scheduledPayments.organizationId, runOrg.organizationId),
          eq(scheduledPayments.status, 'paid'),
        ),
      );
    expect(paid).toHaveLength(due);
    const again = await t.c.payments.runScheduledCharge(runOrg.organizationId, paid[0]!.id);
    expect(again.status).toBe('succeeded');
    expect(await t.c.sandboxGateway!.chargeCount(runOrg.organizationId)).toBe(due);
    const upcoming = await t.c.db
      .select()
      .from(scheduledPayments)
      .where(
        and(
          eq(scheduledPayments.organizationId, runOrg.organizationId),
          eq(scheduledPayments.status, 'scheduled'),
        ),
      );
    expect(upcoming.map((u) => u.dueDate)).toEqual(Array(due).fill('2026-04-01'));
  });
});

describe('errors', () => {
  it('refuses plans larger than the open amount, unordered dates, and bad input', async () => {
    const account = await apiAccount(t.app, token);
    const card = await apiCard(t.app, token, account.id);
    const invoice = await apiInvoice(t.app, token, account.id, 5_000);
    expect(
      (await plan(account.id, invoice.id, card.id, [{ dueDate: '2026-04-01', amount: 5_001 }])).status,
    ).toBe(422);
    const unordered = await plan(account.id, invoice.id, card.id, [
      { dueDate: '2026-05-01', amount: 1_000 },
      { dueDate: '2026-05-01', amount: 1_000 },
    ]);
    expect(unordered.status).toBe(422);
    expect((await plan(account.id, invoice.id, card.id, [])).status).toBe(400);
    expect((await plan(account.id, invoice.id, card.id, [{ dueDate: '2026-02-30', amount: 1 }])).status).toBe(
      400,
    );
    expect((await plan(account.id, invoice.id, card.id, [{ dueDate: '2026-04-01', amount: 0 }])).status).toBe(
      400,
    );
    // A first plan takes 4,000: a second may only schedule the remaining 1,000 (RA2 coverage).
    expect(
      (await plan(account.id, invoice.id, card.id, [{ dueDate: '2026-04-01', amount: 4_000 }])).status,
    ).toBe(201);
    expect(
      (await plan(account.id, invoice.id, card.id, [{ dueDate: '2026-04-01', amount: 1_001 }])).status,
    ).toBe(422);
    const badSub = await call(t.app, token, 'POST', url(account.id, 'subscriptions'), {
      amount: 100,
      interval: 'day',
      startDate: '2026-04-01',
      paymentMethodId: card.id,
    });
    expect(badSub.status).toBe(400);
  });

  it('a method or invoice of another account is a 404, for plans, subscriptions and PATCH', async () => {
    const account = await apiAccount(t.app, token);
    const second = await apiAccount(t.app, token);
    const card = await apiCard(t.app, token, account.id);
    const theirCard = await apiCard(t.app, token, second.id);
    const invoice = await apiInvoice(t.app, token, account.id, 1_000);
    const theirInvoice = await apiInvoice(t.app, token, second.id, 1_000);
    expect(
      (await plan(account.id, theirInvoice.id, card.id, [{ dueDate: '2026-04-01', amount: 1 }])).status,
    ).toBe(404);
    expect(
      (await plan(account.id, invoice.id, theirCard.id, [{ dueDate: '2026-04-01', amount: 1 }])).status,
    ).toBe(404);
    const sub = await call(t.app, token, 'POST', url(account.id, 'subscriptions'), {
      amount: 100,
      interval: 'month',
      startDate: '2026-04-01',
      paymentMethodId: theirCard.id,
    });
    expect(sub.status).toBe(404);
    const ok = await call(t.app, token, 'POST', url(account.id, 'subscriptions'), {
      amount: 100,
      interval: 'month',
      startDate: '2026-04-01',
      paymentMethodId: card.id,
    });
    expect(
      (
        await call(t.app, token, 'PATCH', `/api/v1/subscriptions/${ok.body.id}`, {
          paymentMethodId: theirCard.id,
        })
      ).status,
    ).toBe(404);
    expect(
      (await call(t.app, token, 'PATCH', '/api/v1/subscriptions/sub_unknown', { paymentMethodId: card.id }))
        .status,
    ).toBe(404);
  });
});

describe('authz', () => {
  it('staff reads upcoming payments but cannot create or change schedules', async () => {
    const account = await apiAccount(t.app, token);
    const card = await apiCard(t.app, token, account.id);
    const invoice = await apiInvoice(t.app, token, account.id, 1_000);
    const p = await plan(account.id, invoice.id, card.id, [{ dueDate: '2026-04-01', amount: 1_000 }]);
    const staff = await org.tokenFor('staff');
    expect((await call(t.app, staff.token, 'GET', url(account.id, 'upcoming-payments'))).status).toBe(200);
    const body = { amount: 100, interval: 'month', startDate: '2026-04-01', paymentMethodId: card.id };
    expect((await call(t.app, staff.token, 'POST', url(account.id, 'subscriptions'), body)).status).toBe(403);
    expect(
      (
        await call(t.app, staff.token, 'POST', url(account.id, 'installment-plans'), {
          invoiceId: invoice.id,
          paymentMethodId: card.id,
          installments: [{ dueDate: '2026-04-01', amount: 1 }],
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await call(t.app, staff.token, 'PATCH', `/api/v1/installment-plans/${p.body.id}`, {
          paymentMethodId: card.id,
        })
      ).status,
    ).toBe(403);
  });

  it("answers 404 for another organization's accounts, subscriptions and plans", async () => {
    const account = await apiAccount(t.app, token);
    const card = await apiCard(t.app, token, account.id);
    const invoice = await apiInvoice(t.app, token, account.id, 1_000);
    const p = await plan(account.id, invoice.id, card.id, [{ dueDate: '2026-04-01', amount: 1_000 }]);
    const sub = await call(t.app, token, 'POST', url(account.id, 'subscriptions'), {
      amount: 100,
      interval: 'year',
      startDate: '2026-04-01',
      paymentMethodId: card.id,
    });
    const theirs = other.adminToken;
    const theirAccount = await apiAccount(t.app, theirs);
    const theirCard = await apiCard(t.app, theirs, theirAccount.id);
    expect((await call(t.app, theirs, 'GET', url(account.id, 'upcoming-payments'))).status).toBe(404);
    expect(
      (
        await call(t.app, theirs, 'POST', url(account.id, 'subscriptions'), {
          amount: 100,
          interval: 'month',
          startDate: '2026-04-01',
          paymentMethodId: card.id,
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await call(t.app, theirs, 'POST', url(theirAccount.id, 'installment-plans'), {
          invoiceId: invoice.id,
          paymentMethodId: theirCard.id,
          installments: [{ dueDate: '2026-04-01', amount: 1 }],
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await call(t.app, theirs, 'PATCH', `/api/v1/subscriptions/${sub.body.id}`, {
          paymentMethodId: theirCard.id,
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await call(t.app, theirs, 'PATCH', `/api/v1/installment-plans/${p.body.id}`, {
          paymentMethodId: theirCard.id,
        })
      ).status,
    ).toBe(404);
  });
});
