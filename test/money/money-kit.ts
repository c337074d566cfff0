import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { rows } from '../../src/platform/db/db';
import { createOrg, type TestOrg } from '../factories';
import { call, type TestContext } from '../harness';

/**
 * Money-safety helpers over the PUBLIC contract (HTTP through app.inject, sandbox controls, jobs run
 * through the sandbox endpoints). The only thing read below the API is a handful of read-only SQL
 * checks of invariants (MS3, MS6, the ledger's open amounts) on tables whose names are part of the
 * brief: documents, allocations, transactions, scheduled_payments, failed_transactions,
 * sandbox_gateway_operations.
 */

export const FT_LIST = '/api/v1/action-center/failed-transactions';

export interface Res {
  status: number;
  body: any;
}

export class MoneyApi {
  constructor(
    readonly t: TestContext,
    readonly org: TestOrg,
  ) {}

  get token() {
    return this.org.adminToken;
  }
  get orgId() {
    return this.org.organizationId;
  }

  /** One request; a 5xx is never an acceptable answer (API.md: never 500 for bad input). */
  async req(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Res> {
    const res = await call(this.t.app, this.token, method, url, body, headers);
    expect(res.status, `${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`).toBeLessThan(500);
    return { status: res.status, body: res.body };
  }

  /** The same request, expecting a status. */
  async ok(
    expected: number,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<any> {
    const res = await this.req(method, url, body, headers);
    expect(res.status, `${method} ${url} → ${JSON.stringify(res.body)}`).toBe(expected);
    return res.body;
  }

  setClock(now: string) {
    return this.ok(200, 'PUT', '/api/v1/sandbox/clock', { now });
  }
  async job(name: string): Promise<any> {
    const body = await this.ok(200, 'POST', `/api/v1/sandbox/jobs/${name}`);
    return body.result;
  }
  drain() {
    return this.ok(200, 'POST', '/api/v1/sandbox/queue/drain');
  }

  async account(ownerName = 'Marie Tremblay'): Promise<{ id: string; ownerEmail: string }> {
    const slug = ownerName
      .normalize('NFD')
      .toLowerCase()
      .replace(/[^a-z]+/g, '.')
      .replace(/^\.|\.$/g, '');
    return this.ok(201, 'POST', '/api/v1/accounts', {
      ownerName,
      ownerEmail: `${slug}.${Math.random().toString(36).slice(2, 8)}@example.ca`,
    });
  }
  card(accountId: string, number = '4242424242424242'): Promise<{ id: string }> {
    return this.ok(201, 'POST', `/api/v1/accounts/${accountId}/payment-methods`, {
      type: 'card',
      number,
      expMonth: 12,
      expYear: 2040,
      cvc: '123',
      saveToWallet: true,
    });
  }
  bank(accountId: string, accountNumber = '12345678'): Promise<{ id: string }> {
    return this.ok(201, 'POST', `/api/v1/accounts/${accountId}/payment-methods`, {
      type: 'echeck',
      routingNumber: '011000015',
      accountNumber,
      holderName: 'Marie Tremblay',
      saveToWallet: true,
    });
  }
  /** The sandbox's forced outcome of the method's next charge or debit ("succeed", a decline or an R code). */
  nextOutcome(paymentMethodId: string, outcome: string) {
    return this.ok(200, 'POST', `/api/v1/sandbox/payment-methods/${paymentMethodId}/next-outcome`, {
      outcome,
    });
  }
  invoice(accountId: string, amount: number, date = '2026-03-01'): Promise<{ id: string }> {
    return this.ok(201, 'POST', `/api/v1/accounts/${accountId}/invoices`, { amount, date });
  }
  pay(accountId: string, body: Record<string, unknown>, headers?: Record<string, string>) {
    return this.req(
      'POST',
      `/api/v1/accounts/${accountId}/payments`,
      { date: '2026-03-02', ...body },
      headers,
    );
  }
  refund(accountId: string, paymentId: string, amount: number, headers?: Record<string, string>) {
    return this.req('POST', `/api/v1/accounts/${accountId}/refunds`, { paymentId, amount }, headers);
  }
  subscription(
    accountId: string,
    body: { amount: number; startDate: string; paymentMethodId: string; interval?: string },
  ) {
    return this.ok(201, 'POST', `/api/v1/accounts/${accountId}/subscriptions`, {
      interval: 'month',
      ...body,
    });
  }
  plan(
    accountId: string,
    invoiceId: string,
    paymentMethodId: string,
    installments: { dueDate: string; amount: number }[],
  ): Promise<{ id: string; installments: { id: string; dueDate: string; amount: number }[] }> {
    return this.ok(201, 'POST', `/api/v1/accounts/${accountId}/installment-plans`, {
      invoiceId,
      paymentMethodId,
      installments,
    });
  }
  async ledger(accountId: string): Promise<LedgerItem[]> {
    const body = await this.ok(200, 'GET', `/api/v1/accounts/${accountId}/ledger?limit=200`);
    return body.items;
  }
  async upcoming(accountId: string): Promise<any[]> {
    const body = await this.ok(200, 'GET', `/api/v1/accounts/${accountId}/upcoming-payments?limit=200`);
    return body.items;
  }
  async entries(): Promise<any[]> {
    const body = await this.ok(200, 'GET', `${FT_LIST}?limit=200`);
    return body.items;
  }
  async entryOf(accountId: string): Promise<any> {
    const found = (await this.entries()).filter((e) => e.accountId === accountId);
    expect(found, `one Action Center entry for ${accountId}`).toHaveLength(1);
    return found[0];
  }
  retry(entryId: string, headers?: Record<string, string>) {
    return this.req('POST', `${FT_LIST}/${entryId}/retry`, undefined, headers);
  }

  /**
   * The portal link the owner received (FT11): the newest customer notice to that address, read from the
   * e-mail delivery log like an owner reads their inbox. Null when no notice was sent.
   */
  async portalToken(ownerEmail: string): Promise<string | null> {
    await this.drain();
    const log = await this.ok(200, 'GET', '/api/v1/emails?kind=customer_payment_failed&limit=200');
    const mine = (log.items as any[]).filter((e) => e.to === ownerEmail);
    if (mine.length === 0) return null;
    // The delivery log never holds a usable link; the sandbox opens the e-mail as its recipient gets it.
    const email = await this.ok(200, 'POST', `/api/v1/sandbox/emails/${mine[0].id}/open`);
    const match = /[?&]token=([^\s"'&<>)]+)/.exec(`${email.text}\n${email.html}`);
    return match ? decodeURIComponent(match[1]!) : null;
  }
  portalPay(token: string, failedTransactionId: string, paymentMethodId: string): Promise<Res> {
    return call(
      this.t.app,
      null,
      'POST',
      `/api/v1/portal/pay?token=${encodeURIComponent(token)}`,
      { failedTransactionId, paymentMethodId },
      {},
    ).then((r) => {
      expect(r.status, `portal pay → ${r.status} ${JSON.stringify(r.body)}`).toBeLessThan(500);
      return { status: r.status, body: r.body };
    });
  }
  async portalCard(token: string, number = '4242424242424242'): Promise<{ id: string }> {
    const r = await call(
      this.t.app,
      null,
      'POST',
      `/api/v1/portal/payment-methods?token=${encodeURIComponent(token)}`,
      {
        number,
        expMonth: 6,
        expYear: 2035,
        cvc: '999',
      },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  }

  // ---- read-only checks below the API ----

  /** What the sandbox gateway did for this organization (its own books). */
  gatewayOps(): Promise<GatewayOp[]> {
    return rows<GatewayOp>(
      this.t.c.db,
      sql`select kind, status, amount_minor::text as amount, gateway_ref as "gatewayRef", idempotency_key as key
            from sandbox_gateway_operations where organization_id = ${this.orgId}
           order by created_at, idempotency_key`,
    ).then((r) => r.map((o) => ({ ...o, amount: Number(o.amount) })));
  }

  /**
   * Money the customer really gave (net, at the gateway): card charges that succeeded and eCheck debits
   * not returned (pending ones are on their way), less refunds that went out.
   */
  async gatewayNet(): Promise<number> {
    let net = 0;
    for (const op of await this.gatewayOps()) {
      if (op.kind === 'charge' && op.status === 'succeeded') net += op.amount;
      if (op.kind === 'echeck_debit' && (op.status === 'settled' || op.status === 'pending'))
        net += op.amount;
      if (op.kind === 'refund' && op.status === 'succeeded') net -= op.amount;
    }
    return net;
  }

  /** Net money through the gateway as one number per kind (a short diagnostic for messages). */
  async gatewaySummary(): Promise<string> {
    return JSON.stringify((await this.gatewayOps()).map((o) => `${o.kind}:${o.status}:${o.amount}`));
  }

  /** Attempts still `processing` (a crash left them; the sweeper's work). */
  async attemptsInFlight(): Promise<string[]> {
    const found = await rows<{ id: string }>(
      this.t.c.db,
      sql`select id from transactions where organization_id = ${this.orgId} and status = 'processing'`,
    );
    return found.map((r) => r.id);
  }

  /** Every invariant of the ledger and MS3/MS6 for this organization; returns the broken ones. */
  async brokenInvariants(): Promise<string[]> {
    return brokenInvariants(this.t, this.orgId);
  }
}

export interface LedgerItem {
  id: string;
  accountId: string;
  createdAt: string;
  kind: 'invoice' | 'refund' | 'payment' | 'credit_note';
  amount: number;
  openAmount: number;
  status: 'posted' | 'pending' | 'void';
  method: string | null;
  invoiceId: string | null;
  refundedPaymentId: string | null;
  paymentMethodId: string | null;
}

export interface GatewayOp {
  kind: 'charge' | 'echeck_debit' | 'refund';
  status: string;
  amount: number;
  gatewayRef: string;
  key: string;
}

export async function moneyApi(t: TestContext): Promise<MoneyApi> {
  return new MoneyApi(t, await createOrg(t.c));
}

/** Posted payments (any method) for one invoice, less what was refunded of them. */
export function collectedFor(ledger: LedgerItem[], invoiceId: string): number {
  const payments = ledger.filter(
    (d) => d.kind === 'payment' && d.status === 'posted' && d.invoiceId === invoiceId,
  );
  const ids = new Set(payments.map((p) => p.id));
  const refunded = ledger
    .filter((d) => d.kind === 'refund' && d.status === 'posted' && ids.has(d.refundedPaymentId ?? ''))
    .reduce((s, d) => s + d.amount, 0);
  return payments.reduce((s, d) => s + d.amount, 0) - refunded;
}

/** Posted payments of the account (any method), less posted refunds. */
export function netPaid(ledger: LedgerItem[]): number {
  let net = 0;
  for (const d of ledger) {
    if (d.status !== 'posted') continue;
    if (d.kind === 'payment') net += d.amount;
    if (d.kind === 'refund') net -= d.amount;
  }
  return net;
}

/**
 * The rules that hold after every step, whatever happened (read-only SQL):
 * - ledger: open = amount − allocations, 0 ≤ open ≤ amount, allocations join a posted credit to a posted debit;
 * - MS3: the posted refunds of a payment never exceed it;
 * - MS6: each gateway operation that moved money (charge succeeded, eCheck debit pending or settled, refund
 *   succeeded) has exactly one ledger document (not void) with the same amount, and each card or eCheck
 *   payment or refund document (not void) has exactly one such gateway operation;
 * - MS1: the succeeded or in-flight collections of one scheduled payment, or of one Action Center entry,
 *   never exceed its amount.
 */
export async function brokenInvariants(t: TestContext, orgId: string): Promise<string[]> {
  const db = t.c.db;
  const broken: string[] = [];
  const open = await rows<{ id: string; amount: string; open: string; allocated: string }>(
    db,
    sql`select d.id, d.amount_minor::text as amount, d.open_minor::text as open,
               coalesce((select sum(a.amount_minor) from allocations a
                          where a.organization_id = d.organization_id and (a.credit_id = d.id or a.debit_id = d.id)), 0)::text as allocated
          from documents d where d.organization_id = ${orgId}`,
  );
  for (const d of open) {
    const [amount, o, allocated] = [BigInt(d.amount), BigInt(d.open), BigInt(d.allocated)];
    if (o !== amount - allocated || o < 0n || o > amount) {
      broken.push(`ledger: ${d.id} amount ${amount} open ${o} allocated ${allocated}`);
    }
  }
  const badAllocations = await rows<{ id: string }>(
    db,
    sql`select a.id from allocations a
          join documents c on c.organization_id = a.organization_id and c.id = a.credit_id
          join documents b on b.organization_id = a.organization_id and b.id = a.debit_id
         where a.organization_id = ${orgId}
           and (c.side <> 'credit' or b.side <> 'debit' or c.status <> 'posted' or b.status <> 'posted')`,
  );
  for (const a of badAllocations)
    broken.push(`ledger: allocation ${a.id} joins a document that is not posted`);

  const overRefunded = await rows<{ id: string; amount: string; refunded: string }>(
    db,
    sql`select p.id, p.amount_minor::text as amount, sum(r.amount_minor)::text as refunded
          from documents p join documents r
            on r.organization_id = p.organization_id and r.refunded_document_id = p.id
           and r.kind = 'refund' and r.status = 'posted'
         where p.organization_id = ${orgId} and p.kind = 'payment'
         group by p.id, p.amount_minor having sum(r.amount_minor) > p.amount_minor`,
  );
  for (const p of overRefunded) broken.push(`MS3: payment ${p.id} of ${p.amount} refunded ${p.refunded}`);

  const opsWithoutOneDocument = await rows<{ kind: string; ref: string; amount: string; docs: string }>(
    db,
    sql`select o.kind, o.gateway_ref as ref, o.amount_minor::text as amount,
               (select count(*) from documents d join transactions x
                   on x.organization_id = d.organization_id and x.id = d.transaction_id
                 where d.organization_id = o.organization_id and x.gateway_ref = o.gateway_ref
                   and d.status <> 'void' and d.amount_minor = o.amount_minor)::text as docs
          from sandbox_gateway_operations o
         where o.organization_id = ${orgId}
           -- an operation whose attempt a crash left unanswered is the sweeper's (MS5), checked after it runs
           and not exists (select 1 from transactions x where x.organization_id = o.organization_id
                              and x.idempotency_key = o.idempotency_key and x.status = 'processing')
           and ((o.kind = 'charge' and o.status = 'succeeded')
             or (o.kind = 'echeck_debit' and o.status in ('pending', 'settled'))
             or (o.kind = 'refund' and o.status = 'succeeded'))`,
  );
  for (const o of opsWithoutOneDocument) {
    if (o.docs !== '1')
      broken.push(`MS6: gateway ${o.kind} ${o.ref} of ${o.amount} has ${o.docs} ledger documents`);
  }
  const documentsWithoutOneOp = await rows<{ id: string; kind: string; ops: string }>(
    db,
    sql`select d.id, d.kind,
               (select count(*) from transactions x join sandbox_gateway_operations o
                   on o.organization_id = x.organization_id and o.gateway_ref = x.gateway_ref
                 where x.organization_id = d.organization_id and x.id = d.transaction_id
                   and o.amount_minor = d.amount_minor
                   and o.status in ('succeeded', 'pending', 'settled'))::text as ops
          from documents d
         where d.organization_id = ${orgId} and d.kind in ('payment', 'refund')
           and d.method in ('card', 'echeck') and d.status <> 'void'`,
  );
  for (const d of documentsWithoutOneOp) {
    if (d.ops !== '1') broken.push(`MS6: ${d.kind} ${d.id} has ${d.ops} gateway operations`);
  }

  // MS1: what was collected (or is on its way) for one obligation never exceeds it.
  const perScheduled = await rows<{ id: string; amount: string; collected: string }>(
    db,
    sql`select sp.id, sp.amount_minor::text as amount, sum(x.amount_minor)::text as collected
          from scheduled_payments sp join transactions x
            on x.organization_id = sp.organization_id and x.scheduled_payment_id = sp.id
           and x.kind in ('charge', 'echeck_debit') and x.status in ('succeeded', 'pending', 'settled')
         where sp.organization_id = ${orgId}
         group by sp.id, sp.amount_minor having sum(x.amount_minor) > sp.amount_minor`,
  );
  for (const s of perScheduled)
    broken.push(`MS1: scheduled payment ${s.id} of ${s.amount} collected ${s.collected}`);
  const perEntry = await rows<{ id: string; amount: string; collected: string }>(
    db,
    sql`select f.id, f.amount_minor::text as amount, sum(x.amount_minor)::text as collected
          from failed_transactions f join transactions x
            on x.organization_id = f.organization_id and x.failed_transaction_id = f.id
           and x.kind in ('charge', 'echeck_debit') and x.status in ('succeeded', 'pending', 'settled')
         where f.organization_id = ${orgId} and f.type <> 'refund'
         group by f.id, f.amount_minor having sum(x.amount_minor) > f.amount_minor`,
  );
  for (const e of perEntry) broken.push(`MS1: entry ${e.id} of ${e.amount} collected ${e.collected}`);
  return broken;
}

export interface Crashes {
  arm(when: 'before' | 'after'): void;
  disarm(): void;
}

/**
 * MS5 drills: the next gateway call throws as a killed worker would see it — before the gateway was
 * reached, or after it answered (the answer lost). Wraps the container's gateway object in place, so
 * every money path (due charges, retries, refunds, portal) goes through it.
 */
export function crashInjector(gateway: object): Crashes {
  let next: 'before' | 'after' | null = null;
  const g = gateway as Record<string, (req: unknown) => Promise<unknown>>;
  for (const name of ['charge', 'echeckDebit', 'refund']) {
    const real = g[name]!.bind(gateway);
    g[name] = async (req: unknown) => {
      const fault = next;
      next = null;
      if (fault === 'before') throw new Error('crash: the worker died before the gateway was reached');
      const answer = await real(req);
      if (fault === 'after') throw new Error('crash: the worker died after the gateway answered');
      return answer;
    };
  }
  return {
    arm: (when) => {
      next = when;
    },
    disarm: () => {
      next = null;
    },
  };
}
