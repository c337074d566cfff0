import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAccount, apiBank, apiCard, apiInvoice, ledgerOf } from '../../../test/billing';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import type {
  ChargeRequest,
  EcheckDebitRequest,
  PaymentGateway,
  RefundRequest,
} from '../gateway/gateway.port';
import { transactions } from '../gateway/gateway.table';
import { PaymentsService } from '../ledger/payments.service';
import { findSummaryMismatches } from '../reconciliation/summary';
import { SchedulesService } from './schedules.service';
import { scheduledPayments } from './schedules.table';

/**
 * Crash recovery of `payments-due` (exactly once): a charge claimed by a run that
 * stopped before recording its answer is finished by a later run with the same idempotency key, so
 * the gateway replays what it did and no money moves twice.
 */

type Failure = 'before' | 'after';

/** The real (sandbox) gateway, made to throw on the next calls: before it is reached, or after it answered. */
class FlakyGateway implements PaymentGateway {
  readonly failures: Failure[] = [];
  constructor(private readonly real: PaymentGateway) {}
  charge(req: ChargeRequest) {
    return this.flaky(() => this.real.charge(req));
  }
  echeckDebit(req: EcheckDebitRequest) {
    return this.flaky(() => this.real.echeckDebit(req));
  }
  refund(req: RefundRequest) {
    return this.real.refund(req);
  }
  echeckOutcome(req: { organizationId: string; gatewayRef: string }) {
    return this.real.echeckOutcome(req);
  }
  private async flaky<T>(call: () => Promise<T>): Promise<T> {
    const failure = this.failures.shift();
    if (failure === 'before') throw new Error('connect ECONNREFUSED (the gateway was not reached)');
    const answer = await call();
    if (failure === 'after') throw new Error('socket hang up (the gateway answered, the answer was lost)');
    return answer;
  }
}

let t: TestContext;
let gateway: FlakyGateway;
let schedules: SchedulesService;

beforeAll(async () => {
  t = await createTestContext();
  gateway = new FlakyGateway(t.c.gateway);
  const { db, clock, ledger, documents, audit, queue, organizations, accounts, paymentMethods } = t.c;
  const payments = new PaymentsService({
    db,
    clock,
    gateway,
    ledger,
    documents,
    audit,
    queue,
    organizations,
    accounts,
    paymentMethods,
  });
  schedules = new SchedulesService({
    db,
    clock,
    audit,
    ledger,
    documents,
    accounts,
    paymentMethods,
    organizations,
    payments,
  });
});
afterAll(async () => t?.close());

const setClock = (iso: string) => t.c.sandboxClock!.set(new Date(iso));
const url = (accountId: string, path: string) => `/api/v1/accounts/${accountId}/${path}`;

/** An organization whose one installment (3,000 on a 3,000 invoice) is due today, 2026-03-02. */
async function dueInstallment(method: 'card' | 'echeck' = 'card') {
  await setClock('2026-03-02T15:00:00Z');
  const org = await createOrg(t.c);
  const token = org.adminToken;
  const account = await apiAccount(t.app, token);
  const pm =
    method === 'card' ? await apiCard(t.app, token, account.id) : await apiBank(t.app, token, account.id);
  const invoice = await apiInvoice(t.app, token, account.id, 3_000);
  const plan = await call(t.app, token, 'POST', url(account.id, 'installment-plans'), {
    invoiceId: invoice.id,
    paymentMethodId: pm.id,
    installments: [{ dueDate: '2026-03-02', amount: 3_000 }],
  });
  expect(plan.status).toBe(201);
  const spId: string = plan.body.installments[0].id;
  return { org, token, account, pm, invoice, plan: plan.body, spId };
}

async function scheduled(org: TestOrg, id: string) {
  const [sp] = await t.c.db
    .select()
    .from(scheduledPayments)
    .where(and(eq(scheduledPayments.organizationId, org.organizationId), eq(scheduledPayments.id, id)));
  return sp!;
}

async function attemptsOf(org: TestOrg, spId: string) {
  return t.c.db
    .select()
    .from(transactions)
    .where(
      and(eq(transactions.organizationId, org.organizationId), eq(transactions.scheduledPaymentId, spId)),
    );
}

const charges = (org: TestOrg) => t.c.sandboxGateway!.chargeCount(org.organizationId);

describe('happy', () => {
  it('exactly once: a card charge whose answer was lost after the gateway charged is finished by a later run, charged once', async () => {
    const { org, token, account, pm, invoice, spId } = await dueInstallment();
    gateway.failures.push('after');
    const crashed = await schedules.runPaymentsDue(org.organizationId);
    expect(crashed).toMatchObject({ charged: 0, errors: 1, recovered: 0 });
    expect(await charges(org)).toBe(1); // the money moved…
    expect(await attemptsOf(org, spId)).toEqual([]); // …but nothing was recorded
    expect((await scheduled(org, spId)).status).toBe('processing');

    // A run a minute later leaves a fresh claim alone (its run may still be at work).
    await setClock('2026-03-02T15:01:00Z');
    expect(await schedules.runPaymentsDue(org.organizationId)).toMatchObject({ charged: 0, recovered: 0 });

    // Past the stale delay, two concurrent runs: one finishes it, with the same key; nothing is charged again.
    await setClock('2026-03-02T15:06:00Z');
    const [a, b] = await Promise.all([
      schedules.runPaymentsDue(org.organizationId),
      schedules.runPaymentsDue(org.organizationId),
    ]);
    expect(a.recovered + b.recovered).toBe(1);
    expect(a.succeeded + b.succeeded).toBe(1);
    expect(a.errors + b.errors).toBe(0);
    expect(await charges(org)).toBe(1);
    const recorded = await attemptsOf(org, spId);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ idempotencyKey: `sp:${spId}:1`, status: 'succeeded' });
    expect((await scheduled(org, spId)).status).toBe('paid');
    const ledger = await ledgerOf(t.app, token, account.id);
    expect(ledger.find((d) => d.id === invoice.id)).toMatchObject({ openAmount: 0 });
    expect(ledger.filter((d) => d.kind === 'payment')).toEqual([
      expect.objectContaining({ amount: 3_000, openAmount: 0, paymentMethodId: pm.id }),
    ]);
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);

    // Later runs find nothing to do.
    await setClock('2026-03-02T16:00:00Z');
    expect(await schedules.runPaymentsDue(org.organizationId)).toMatchObject({ charged: 0, recovered: 0 });
    expect(await charges(org)).toBe(1);
  });

  it('a charge that threw before reaching the gateway is charged once when finished', async () => {
    const { org, spId } = await dueInstallment();
    gateway.failures.push('before');
    expect(await schedules.runPaymentsDue(org.organizationId)).toMatchObject({ errors: 1 });
    expect(await charges(org)).toBe(0);
    await setClock('2026-03-02T15:10:00Z');
    expect(await schedules.runPaymentsDue(org.organizationId)).toMatchObject({
      recovered: 1,
      succeeded: 1,
    });
    expect(await charges(org)).toBe(1);
    expect((await scheduled(org, spId)).status).toBe('paid');
  });

  it('FT5: the card changed after the crash — the attempt is finished with the card it started with, the next charge uses the new one', async () => {
    const { org, token, account, pm, plan, spId } = await dueInstallment();
    gateway.failures.push('after');
    await schedules.runPaymentsDue(org.organizationId);
    const newCard = await apiCard(t.app, token, account.id, '5555555555554444');
    const patched = await call(t.app, token, 'PATCH', `/api/v1/installment-plans/${plan.id}`, {
      paymentMethodId: newCard.id,
    });
    expect(patched.status).toBe(200);
    await setClock('2026-03-02T15:06:00Z');
    expect(await schedules.runPaymentsDue(org.organizationId)).toMatchObject({
      recovered: 1,
      succeeded: 1,
      errors: 0,
    });
    expect(await charges(org)).toBe(1);
    const [attempt] = await attemptsOf(org, spId);
    expect(attempt).toMatchObject({ paymentMethodId: pm.id, status: 'succeeded' });
    expect((await scheduled(org, spId)).attemptPaymentMethodId).toBe(pm.id);
  });
});

describe('errors', () => {
  it('a charge that keeps failing is tried again once per run, never in a loop, until it goes through', async () => {
    const { org, spId } = await dueInstallment();
    gateway.failures.push('before', 'before');
    expect(await schedules.runPaymentsDue(org.organizationId)).toMatchObject({ errors: 1 });
    await setClock('2026-03-02T15:06:00Z');
    expect(await schedules.runPaymentsDue(org.organizationId)).toMatchObject({
      errors: 1,
      recovered: 0,
    });
    expect((await scheduled(org, spId)).status).toBe('processing');
    await setClock('2026-03-02T15:12:00Z');
    expect(await schedules.runPaymentsDue(org.organizationId)).toMatchObject({
      errors: 0,
      recovered: 1,
      succeeded: 1,
    });
    expect(await charges(org)).toBe(1);
    expect((await scheduled(org, spId)).attempts).toBe(1);
  });

  it('a pending eCheck is `processing` with its attempt recorded: never presented again', async () => {
    const { org, spId } = await dueInstallment('echeck');
    expect(await schedules.runPaymentsDue(org.organizationId)).toMatchObject({ pending: 1 });
    await setClock('2026-03-02T18:00:00Z');
    expect(await schedules.runPaymentsDue(org.organizationId)).toMatchObject({ charged: 0, recovered: 0 });
    expect(await charges(org)).toBe(1);
    expect(await attemptsOf(org, spId)).toHaveLength(1);
    expect((await scheduled(org, spId)).status).toBe('processing');
  });

  it('a declined charge whose answer was lost is recorded as the decline it was, once (FT1)', async () => {
    const { org, token, pm, spId } = await dueInstallment();
    await call(t.app, token, 'POST', `/api/v1/sandbox/payment-methods/${pm.id}/next-outcome`, {
      outcome: 'card_declined',
    });
    gateway.failures.push('after');
    await schedules.runPaymentsDue(org.organizationId);
    await setClock('2026-03-02T15:06:00Z');
    expect(await schedules.runPaymentsDue(org.organizationId)).toMatchObject({ recovered: 1, failed: 1 });
    expect(await charges(org)).toBe(1);
    const [attempt] = await attemptsOf(org, spId);
    expect(attempt).toMatchObject({ status: 'failed', failureCode: 'card_declined' });
    expect((await scheduled(org, spId)).status).toBe('failed');
    const list = await call(t.app, token, 'GET', '/api/v1/action-center/failed-transactions');
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ type: 'installment', attempts: 1 });
  });
});
