import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildCardSummary } from '../../src/modules/expiring-cards/card-summary';
import { findSummaryMismatches } from '../../src/modules/reconciliation/summary';
import { rows } from '../../src/platform/db/db';
import { createTestContext, type TestContext } from '../harness';
import { type Crashes, crashInjector, FT_LIST, type LedgerItem, type MoneyApi, moneyApi } from './money-kit';

/**
 * Model-based money test: fast-check draws random sequences of money operations — due-charge runs,
 * retries, portal payments, card changes, cash/cheque/card/eCheck payments, refunds, allocations and their
 * undo, reconcile and its undo, eCheck settlement and returns (the clock moves), cancellations and pauses,
 * currency changes —
 * some of them issued together (Promise.all) so that PostgreSQL sees real races, all through the public API.
 * After every step the money rules must hold:
 * - no answer is a 5xx;
 * - ledger: open = amount − allocations ≥ 0 for every document (money-kit brokenInvariants);
 * - MS3: the refunds of a payment never exceed it;
 * - MS6: every gateway operation that moved money has exactly one ledger document and every card or eCheck
 *   document exactly one gateway operation;
 * - MS1: net of refunds, what was collected for one scheduled payment or one Action Center entry never
 *   exceeds its amount;
 * - MS1/MS2 per invoice: when money the product collected by itself (due charges, retries, portal payments:
 *   every payment that is not one the admin recorded in this run, nor the re-collection of an admin's
 *   returned one-off eCheck) grows for an invoice, the invoice is not
 *   paid beyond its amount afterwards (payments for it, net of refunds, plus credits allocated to it). An
 *   overpayment the admin records is the admin's business, not a defect.
 *
 * Budget: MONEY_RUNS runs (default 25 on PostgreSQL, 8 on PGlite) of up to MONEY_STEPS (default 24) steps.
 * `npm run test:money -- --runs 500` runs longer; a failure prints its seed and path, and
 * `npm run test:money -- --seed S --path P` replays it (MONEY_SHRINK=1 shrinks it first: slower).
 */

const onPg = process.env.TEST_DB === 'pg';
const RUNS = Number(process.env.MONEY_RUNS ?? (onPg ? 25 : 8));
const MAX_STEPS = Number(process.env.MONEY_STEPS ?? 24);
const SEED = process.env.MONEY_SEED ? Number(process.env.MONEY_SEED) : undefined;
const PATH = process.env.MONEY_PATH || undefined;
const SHRINK = process.env.MONEY_SHRINK === '1';
/**
 * By hand only, to look for further defects while known ones are being fixed: rule prefixes whose breaks are
 * reported but do not stop the run (e.g. MONEY_IGNORE=MS2,MS3). CI never sets it: every rule is checked.
 */
const IGNORE = (process.env.MONEY_IGNORE ?? '').split(',').filter(Boolean);
const ignored: string[] = [];
/** MONEY_VERBOSE=1 prints what every run did (to see what the random steps reach). */
const VERBOSE = process.env.MONEY_VERBOSE === '1';

// ---- the steps ----

const CARD_OUTCOMES = ['succeed', 'card_declined', 'insufficient_funds', 'processing_error'] as const;
const BANK_OUTCOMES = ['succeed', 'R01', 'R01', 'R02'] as const;
const AMOUNTS = [1000, 2500, 4500, 5000, 6000, 10_000] as const;

type Part =
  | { op: 'due' }
  | { op: 'settle' }
  | { op: 'drain' }
  | { op: 'retry'; pick: number; drain: boolean }
  | { op: 'portal'; pick: number; card: number }
  | { op: 'refund'; pick: number; share: 'full' | 'half' | 'small' }
  | { op: 'reconcile'; account: number }
  | { op: 'undoAllocation'; pick: number }
  | { op: 'ignore'; pick: number };

type Step =
  | Part
  | { op: 'advance'; days: number }
  | { op: 'outcome'; account: number; method: number; outcome: number }
  | { op: 'changeMethod'; schedule: number; method: number }
  | {
      op: 'pay';
      account: number;
      method: 'cash' | 'cheque' | 'card' | 'echeck';
      amount: number;
      invoice: number | null;
    }
  | { op: 'allocate'; account: number; credit: number; debit: number; whole: boolean }
  | { op: 'undoReconcile'; pick: number }
  | { op: 'lifecycle'; schedule: number; action: 'cancel_now' | 'cancel_period_end' | 'pause' | 'resume' }
  | { op: 'newPlan'; account: number; method: number }
  | { op: 'currency'; code: 'USD' | 'CAD' }
  | { op: 'together'; parts: Part[] }
  | { op: 'refundRace'; pick: number; n: number; share: 'full' | 'half' }
  | { op: 'crash'; when: 'before' | 'after'; during: 'due' | 'retry'; pick: number }
  | { op: 'sweep' };

const pick = fc.nat({ max: 50 });
const share = fc.constantFrom('full' as const, 'half' as const, 'small' as const);
const partArb: fc.Arbitrary<Part> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ op: 'due' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'settle' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'drain' as const }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('retry' as const), pick, drain: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('portal' as const), pick, card: fc.nat({ max: 1 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('refund' as const), pick, share }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('reconcile' as const), account: fc.nat({ max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('undoAllocation' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('ignore' as const), pick }) },
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  // MS5: the worker dies in the middle of a money movement, before the gateway was reached or after it
  // answered; later the sweeper (past the attempts' lease) finishes or releases what it left.
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('crash' as const),
      when: fc.constantFrom('before' as const, 'after' as const),
      during: fc.constantFrom('due' as const, 'retry' as const),
      pick,
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'sweep' as const }) },
  { weight: 10, arbitrary: partArb },
  {
    weight: 5,
    arbitrary: fc.record({ op: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 16 }) }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('outcome' as const),
      account: fc.nat({ max: 1 }),
      method: fc.nat({ max: 2 }),
      outcome: fc.nat({ max: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('changeMethod' as const),
      schedule: pick,
      method: fc.nat({ max: 2 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('pay' as const),
      account: fc.nat({ max: 1 }),
      method: fc.constantFrom('cash' as const, 'cheque' as const, 'card' as const, 'echeck' as const),
      amount: fc.constantFrom(...AMOUNTS),
      invoice: fc.option(pick, { nil: null }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('allocate' as const),
      account: fc.nat({ max: 1 }),
      credit: pick,
      debit: pick,
      whole: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('undoReconcile' as const), pick }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('lifecycle' as const),
      schedule: pick,
      action: fc.constantFrom(
        'cancel_now' as const,
        'cancel_period_end' as const,
        'pause' as const,
        'resume' as const,
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('newPlan' as const),
      account: fc.nat({ max: 1 }),
      method: fc.nat({ max: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('currency' as const),
      code: fc.constantFrom('USD' as const, 'CAD' as const),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('together' as const),
      parts: fc.array(partArb, { minLength: 2, maxLength: 4 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('refundRace' as const),
      pick,
      n: fc.integer({ min: 2, max: 6 }),
      share: fc.constantFrom('full' as const, 'half' as const),
    }),
  },
);

// ---- the world of one run ----

interface Owner {
  id: string;
  ownerEmail: string;
  /** card A, card B, bank account */
  methods: [string, string, string];
}
interface Schedule {
  kind: 'subscription' | 'plan';
  id: string;
  accountId: string;
}

class World {
  accounts: Owner[] = [];
  schedules: Schedule[] = [];
  /** payments the admin recorded or charged through POST /payments (their overpayments are theirs) */
  adminPayments = new Set<string>();
  /** Invoices the admin paid beyond what was open less what was being collected for them. */
  adminOverpaid = new Set<string>();
  batches: string[] = [];
  day = '2026-03-02';
  trace: string[] = [];
  /** per invoice: what the product collected by itself, after the previous step */
  autoBefore = new Map<string, number>();

  constructor(readonly m: MoneyApi) {}

  /** `first`: the forced outcome of each method's first charge, [account][card A, card B, bank] (0 = none). */
  async setUp(first: number[][]) {
    const m = this.m;
    await this.clock();
    for (const name of ['Émile Roy', 'Nadia Bouchard']) {
      const a = await m.account(name);
      const cardA = await m.card(a.id);
      const cardB = await m.card(a.id, '5555555555554444');
      const bank = await m.bank(a.id);
      this.accounts.push({ id: a.id, ownerEmail: a.ownerEmail, methods: [cardA.id, cardB.id, bank.id] });
    }
    for (const [i, a] of this.accounts.entries()) {
      for (const [j, method] of a.methods.entries()) {
        const o = first[i]?.[j] ?? 0;
        if (o > 0) await m.nextOutcome(method, j === 2 ? BANK_OUTCOMES[o]! : CARD_OUTCOMES[o]!);
      }
    }
    const [a0, a1] = this.accounts as [Owner, Owner];
    const sub0 = await m.subscription(a0.id, {
      amount: 4500,
      startDate: '2026-03-02',
      paymentMethodId: a0.methods[0],
    });
    const sub1 = await m.subscription(a1.id, {
      amount: 6000,
      startDate: '2026-03-03',
      paymentMethodId: a1.methods[2],
    });
    this.schedules.push({ kind: 'subscription', id: sub0.id, accountId: a0.id });
    this.schedules.push({ kind: 'subscription', id: sub1.id, accountId: a1.id });
    const inv0 = await m.invoice(a0.id, 10_000, '2026-03-01');
    const plan0 = await m.plan(a0.id, inv0.id, a0.methods[0], [
      { dueDate: '2026-03-10', amount: 5000 },
      { dueDate: '2026-04-10', amount: 5000 },
    ]);
    this.schedules.push({ kind: 'plan', id: plan0.id, accountId: a0.id });
    const inv1 = await m.invoice(a1.id, 8000, '2026-03-01');
    const plan1 = await m.plan(a1.id, inv1.id, a1.methods[1], [
      { dueDate: '2026-03-05', amount: 4000 },
      { dueDate: '2026-03-20', amount: 4000 },
    ]);
    this.schedules.push({ kind: 'plan', id: plan1.id, accountId: a1.id });
    await m.invoice(a0.id, 3000, '2026-03-02');
    await m.invoice(a1.id, 3000, '2026-03-02');
    this.autoBefore = await this.autoCollected();
  }

  clock() {
    return this.m.setClock(`${this.day}T15:00:00Z`);
  }

  /** The sweeper past the attempts' lease (ATTEMPT_LEASE_MS is 5 minutes), then the clock back. */
  async sweep() {
    await this.m.setClock(`${this.day}T15:06:00Z`);
    const swept = await this.m.job('payments-sweeper');
    await this.m.drain();
    await this.clock();
    return swept;
  }

  async ledgerOf(accountId: string): Promise<LedgerItem[]> {
    const items = await this.m.ledger(accountId);
    return items.sort((a, b) =>
      a.createdAt === b.createdAt
        ? a.amount - b.amount || a.kind.localeCompare(b.kind)
        : a.createdAt < b.createdAt
          ? -1
          : 1,
    );
  }
  async allLedger(): Promise<LedgerItem[]> {
    return (await Promise.all(this.accounts.map((a) => this.ledgerOf(a.id)))).flat();
  }
  async openEntries(): Promise<any[]> {
    return (await this.m.entries()).filter((e) => e.status === 'open');
  }
  accountOf(accountId: string): Owner {
    return this.accounts.find((a) => a.id === accountId)!;
  }

  /** One part (also used inside `together`); `tokens` are the portal links read before a group starts. */
  async part(p: Part, tokens?: Map<string, string | null>): Promise<string> {
    const m = this.m;
    switch (p.op) {
      case 'due':
        return `due ${JSON.stringify(await m.job('payments-due'))}`;
      case 'settle':
        return `settle ${JSON.stringify(await m.job('echeck-settlement'))}`;
      case 'drain':
        await m.drain();
        return 'drain';
      case 'retry': {
        const entries = await this.openEntries();
        const e = entries[p.pick % Math.max(1, entries.length)];
        if (!e) return 'retry: no open entry';
        const r = await m.retry(e.id);
        if (p.drain) await m.drain();
        return `retry ${e.type} ${e.amount} → ${r.status}${p.drain ? ' (drained)' : ''}`;
      }
      case 'portal': {
        const entries = (await m.entries()).filter((e) => e.type !== 'refund');
        const e = entries[p.pick % Math.max(1, entries.length)];
        if (!e) return 'portal: no entry';
        const owner = this.accountOf(e.accountId);
        const token = tokens ? tokens.get(owner.id) : await m.portalToken(owner.ownerEmail);
        if (!token) return 'portal: no link received yet';
        const r = await m.portalPay(token, e.id, owner.methods[p.card]!);
        return `portal pay ${e.type} ${e.amount} (${e.status}) → ${r.status} ${r.body?.status ?? ''}`;
      }
      case 'refund': {
        const payments = (await this.allLedger()).filter(
          (d) => d.kind === 'payment' && d.status === 'posted',
        );
        const pay = payments[p.pick % Math.max(1, payments.length)];
        if (!pay) return 'refund: no payment';
        const amount =
          p.share === 'full'
            ? pay.amount
            : p.share === 'half'
              ? Math.max(1, Math.floor(pay.amount / 2))
              : 700;
        const r = await m.refund(pay.accountId, pay.id, amount);
        return `refund ${amount} of ${pay.method} ${pay.amount} → ${r.status} ${r.body?.status ?? ''}`;
      }
      case 'reconcile': {
        const a = this.accounts[p.account]!;
        const r = await m.req('POST', `/api/v1/action-center/reconcilable-accounts/${a.id}/reconcile`);
        if (r.status === 200 && r.body.batchId) this.batches.push(r.body.batchId);
        return `reconcile → ${r.status} ${r.body?.allocations?.length ?? ''}`;
      }
      case 'undoAllocation': {
        const all = (
          await Promise.all(
            this.accounts.map((a) => m.ok(200, 'GET', `/api/v1/accounts/${a.id}/allocations?limit=200`)),
          )
        ).flatMap((b) => b.items as any[]);
        const a = all[p.pick % Math.max(1, all.length)];
        if (!a) return 'undo allocation: none';
        const r = await m.req('DELETE', `/api/v1/allocations/${a.id}`);
        return `undo allocation ${a.source} ${a.amount} → ${r.status}`;
      }
      case 'ignore': {
        const entries = await this.openEntries();
        const e = entries[p.pick % Math.max(1, entries.length)];
        if (!e) return 'ignore: no open entry';
        const r = await m.req('POST', `${FT_LIST}/${e.id}/ignore`, { note: 'model' });
        return `ignore ${e.type} → ${r.status}`;
      }
    }
  }

  async step(s: Step): Promise<string> {
    const m = this.m;
    switch (s.op) {
      case 'crash': {
        if (s.during === 'retry') {
          const entries = await this.openEntries();
          const e = entries[s.pick % Math.max(1, entries.length)];
          if (!e) return 'crash: no open entry to retry';
          const r = await m.retry(e.id);
          crashes.arm(s.when);
          await m.drain();
          crashes.disarm();
          return `crash ${s.when} the gateway during the retry of ${e.id} (${r.status})`;
        }
        crashes.arm(s.when);
        const due = await m.job('payments-due');
        crashes.disarm();
        return `crash ${s.when} the gateway during payments-due ${JSON.stringify(due)}`;
      }
      case 'sweep':
        return `sweep ${JSON.stringify(await this.sweep())}`;
      case 'advance': {
        const d = new Date(`${this.day}T12:00:00Z`);
        d.setUTCDate(d.getUTCDate() + s.days);
        this.day = d.toISOString().slice(0, 10);
        await this.clock();
        const due = await m.job('payments-due');
        const settled = await m.job('echeck-settlement');
        await m.drain();
        return `advance to ${this.day}: due ${JSON.stringify(due)} settle ${JSON.stringify(settled)}`;
      }
      case 'outcome': {
        const a = this.accounts[s.account]!;
        const outcome = s.method === 2 ? BANK_OUTCOMES[s.outcome]! : CARD_OUTCOMES[s.outcome]!;
        await m.nextOutcome(a.methods[s.method]!, outcome);
        return `next outcome of ${['card A', 'card B', 'bank'][s.method]} of ${s.account}: ${outcome}`;
      }
      case 'changeMethod': {
        const sc = this.schedules[s.schedule % this.schedules.length]!;
        const method = this.accountOf(sc.accountId).methods[s.method]!;
        const url =
          sc.kind === 'subscription'
            ? `/api/v1/subscriptions/${sc.id}`
            : `/api/v1/installment-plans/${sc.id}`;
        const r = await m.req('PATCH', url, { paymentMethodId: method });
        return `change method of ${sc.kind} to ${['card A', 'card B', 'bank'][s.method]} → ${r.status}`;
      }
      case 'pay': {
        const a = this.accounts[s.account]!;
        const invoices = (await this.ledgerOf(a.id)).filter((d) => d.kind === 'invoice');
        const invoice = s.invoice === null ? undefined : invoices[s.invoice % Math.max(1, invoices.length)];
        const method =
          s.method === 'card'
            ? { paymentMethodId: a.methods[0] }
            : s.method === 'echeck'
              ? { paymentMethodId: a.methods[2] }
              : {};
        // Money the product is collecting for the invoice right now (an attempt in flight, e.g. one a crash
        // left for the sweeper): an admin payment beyond what is open LESS that is the admin's overpayment,
        // visible to them (the entry shows `retrying`), not the product's.
        const inFlight = invoice
          ? Number(
              (
                await rows<{ total: string }>(
                  t.c.db,
                  sql`select coalesce(sum(amount_minor), 0)::text as total from transactions
                       where organization_id = ${m.orgId} and for_invoice_id = ${invoice.id}
                         and status in ('processing', 'pending') and kind <> 'refund'`,
                )
              )[0]?.total ?? 0,
            )
          : 0;
        const r = await m.pay(a.id, {
          amount: s.amount,
          method: s.method,
          date: this.day,
          ...method,
          ...(invoice ? { invoiceId: invoice.id } : {}),
        });
        if (r.status === 201) this.adminPayments.add(r.body.id);
        if (r.status === 201 && invoice && inFlight > 0 && s.amount > invoice.openAmount - inFlight) {
          this.adminOverpaid.add(invoice.id);
        }
        return `admin ${s.method} ${s.amount}${invoice ? ` for invoice ${invoice.amount}` : ''} → ${r.status}`;
      }
      case 'allocate': {
        const a = this.accounts[s.account]!;
        const ledger = await this.ledgerOf(a.id);
        const credits = ledger.filter(
          (d) => (d.kind === 'payment' || d.kind === 'credit_note') && d.openAmount > 0,
        );
        const debits = ledger.filter(
          (d) => (d.kind === 'invoice' || d.kind === 'refund') && d.openAmount > 0,
        );
        const c = credits[s.credit % Math.max(1, credits.length)];
        const d = debits[s.debit % Math.max(1, debits.length)];
        if (!c || !d) return 'allocate: nothing open';
        const amount = s.whole
          ? Math.min(c.openAmount, d.openAmount)
          : Math.max(1, Math.floor(Math.min(c.openAmount, d.openAmount) / 2));
        const r = await m.req('POST', `/api/v1/accounts/${a.id}/allocations`, {
          creditId: c.id,
          debitId: d.id,
          amount,
        });
        return `allocate ${amount} of ${c.kind} to ${d.kind} → ${r.status}`;
      }
      case 'undoReconcile': {
        const b = this.batches[s.pick % Math.max(1, this.batches.length)];
        if (!b) return 'undo reconcile: none';
        const r = await m.req('DELETE', `/api/v1/reconciliations/${b}`);
        return `undo reconcile → ${r.status}`;
      }
      case 'lifecycle': {
        const sc = this.schedules[s.schedule % this.schedules.length]!;
        let r: { status: number };
        if (sc.kind === 'plan') r = await m.req('POST', `/api/v1/installment-plans/${sc.id}/cancel`);
        else if (s.action === 'cancel_now')
          r = await m.req('POST', `/api/v1/subscriptions/${sc.id}/cancel`, { at: 'now' });
        else if (s.action === 'cancel_period_end')
          r = await m.req('POST', `/api/v1/subscriptions/${sc.id}/cancel`, { at: 'period_end' });
        else r = await m.req('POST', `/api/v1/subscriptions/${sc.id}/${s.action}`);
        return `${sc.kind === 'plan' ? 'cancel plan' : s.action} → ${r.status}`;
      }
      case 'newPlan': {
        const a = this.accounts[s.account]!;
        const inv = await m.invoice(a.id, 6000, this.day);
        const due = (days: number) => {
          const d = new Date(`${this.day}T12:00:00Z`);
          d.setUTCDate(d.getUTCDate() + days);
          return d.toISOString().slice(0, 10);
        };
        const r = await m.req('POST', `/api/v1/accounts/${a.id}/installment-plans`, {
          invoiceId: inv.id,
          paymentMethodId: a.methods[s.method],
          installments: [
            { dueDate: due(3), amount: 3000 },
            { dueDate: due(20), amount: 3000 },
          ],
        });
        if (r.status === 201) this.schedules.push({ kind: 'plan', id: r.body.id, accountId: a.id });
        return `new plan of 6000 → ${r.status}`;
      }
      case 'currency': {
        // MS4: refused (409) once money exists; where it is accepted, everything after must still hold.
        const r = await m.req('PATCH', '/api/v1/organization', { currency: s.code });
        return `currency ${s.code} → ${r.status}`;
      }
      case 'together': {
        const tokens = new Map<string, string | null>();
        if (s.parts.some((p) => p.op === 'portal')) {
          for (const a of this.accounts) tokens.set(a.id, await this.tokenWithoutDrain(a.ownerEmail));
        }
        const done = await Promise.all(s.parts.map((p) => this.part(p, tokens)));
        return `together [${done.join(' | ')}]`;
      }
      case 'refundRace': {
        const payments = (await this.allLedger()).filter(
          (d) => d.kind === 'payment' && d.status === 'posted',
        );
        const pay = payments[s.pick % Math.max(1, payments.length)];
        if (!pay) return 'refund race: no payment';
        const amount = s.share === 'full' ? pay.amount : Math.max(1, Math.floor(pay.amount / 2));
        const answers = await Promise.all(
          Array.from({ length: s.n }, () => m.refund(pay.accountId, pay.id, amount)),
        );
        return `${s.n} refunds of ${amount} of ${pay.method} ${pay.amount} → ${answers.map((a) => `${a.status}${a.body?.status ? `:${a.body.status}` : ''}`).join(',')}`;
      }
      default:
        return this.part(s);
    }
  }

  /** The newest portal link in the delivery log, without running the queue (it is part of a race). */
  async tokenWithoutDrain(ownerEmail: string): Promise<string | null> {
    const log = await this.m.ok(200, 'GET', '/api/v1/emails?kind=customer_payment_failed&limit=200');
    const mine = (log.items as any[]).filter((e) => e.to === ownerEmail);
    if (mine.length === 0) return null;
    const email = await this.m.ok(200, 'GET', `/api/v1/emails/${mine[0].id}`);
    const match = /[?&]token=([^\s"'&<>)]+)/.exec(`${email.text}\n${email.html}`);
    return match ? decodeURIComponent(match[1]!) : null;
  }

  /** Per invoice: payments for it the product collected by itself (not the admin's), net of refunds. */
  async autoCollected(): Promise<Map<string, number>> {
    const per = await this.perInvoice();
    return new Map([...per].map(([id, v]) => [id, v.auto]));
  }

  async perInvoice(): Promise<Map<string, { amount: number; auto: number; paid: number }>> {
    const found = await rows<{
      invoice: string;
      amount: string;
      payment: string | null;
      net: string;
      other: string;
      echeckEntry: boolean | null;
    }>(
      this.m.t.c.db,
      sql`select i.id as invoice, i.amount_minor::text as amount, p.id as payment,
                 coalesce(p.amount_minor - coalesce((select sum(r.amount_minor) from documents r
                    where r.organization_id = p.organization_id and r.refunded_document_id = p.id
                      and r.kind = 'refund' and r.status = 'posted'), 0), 0)::text as net,
                 coalesce((select sum(a.amount_minor) from allocations a join documents c
                     on c.organization_id = a.organization_id and c.id = a.credit_id
                   where a.organization_id = i.organization_id and a.debit_id = i.id
                     and c.for_invoice_id is distinct from i.id), 0)::text as other,
                 exists (select 1 from transactions x join failed_transactions f
                            on f.organization_id = x.organization_id and f.id = x.failed_transaction_id
                          where x.organization_id = p.organization_id and x.id = p.transaction_id
                            and f.type = 'echeck_payment') as "echeckEntry"
            from documents i
            left join documents p on p.organization_id = i.organization_id and p.for_invoice_id = i.id
                 and p.kind = 'payment' and p.status in ('posted', 'pending')
           where i.organization_id = ${this.m.orgId} and i.kind = 'invoice'`,
    );
    const per = new Map<string, { amount: number; auto: number; paid: number }>();
    for (const r of found) {
      const v = per.get(r.invoice) ?? { amount: Number(r.amount), auto: 0, paid: Number(r.other) };
      if (r.payment) {
        v.paid += Number(r.net);
        // A one-off eCheck the admin presented that came back and was paid again (portal, retry) is the admin's
        // amount too: its obligation is the entry, which MS1's per-entry check bounds.
        if (!this.adminPayments.has(r.payment) && !r.echeckEntry) v.auto += Number(r.net);
      }
      per.set(r.invoice, v);
    }
    return per;
  }

  /** Every rule after a step; the broken ones, empty when all hold. */
  async broken(): Promise<string[]> {
    const broken = await this.m.brokenInvariants();
    const per = await this.perInvoice();
    for (const [id, v] of per) {
      if (this.adminOverpaid.has(id)) continue;
      const before = this.autoBefore.get(id) ?? 0;
      if (v.auto > before && v.paid > v.amount) {
        broken.push(
          `MS2: invoice ${id} of ${v.amount} paid ${v.paid} after the product itself collected ${v.auto - before} more`,
        );
      }
    }
    this.autoBefore = new Map([...per].map(([id, v]) => [id, v.auto]));
    return broken;
  }
}

/**
 * Both stored summaries, kept by their owners' change hooks, equal a recomputation from the source tables:
 * reconciliation's (the doctor) and expiring cards' (rebuilt set-based, then compared row by row).
 */
async function summariesOff(orgId: string): Promise<string[]> {
  const off = (await findSummaryMismatches(t.c.db, orgId)).map((m) => `RA summary of ${m.accountId} is off`);
  const cards = () =>
    rows<Record<string, string>>(
      t.c.db,
      sql`select payment_method_id, upcoming_count::text as n, next_date::text as next,
                 next_amount_minor::text as next_amount, at_risk_minor::text as at_risk
            from card_upcoming_payments where organization_id = ${orgId} order by payment_method_id`,
    );
  const stored = await cards();
  await rebuildCardSummary(t.c.db, orgId);
  const rebuilt = await cards();
  if (JSON.stringify(stored) !== JSON.stringify(rebuilt)) {
    off.push(`EC summary is off: stored ${JSON.stringify(stored)} rebuilt ${JSON.stringify(rebuilt)}`);
  }
  return off;
}

// ---- the property ----

let t: TestContext;
let crashes: Crashes;
beforeAll(async () => {
  t = await createTestContext();
  crashes = crashInjector(t.c.gateway);
});
afterAll(async () => t?.close());

describe('money model: random interleavings through the public API keep MS1, MS2, MS3, MS6 and the ledger', () => {
  it(`${RUNS} random runs of up to ${MAX_STEPS} steps, some of them concurrent`, {
    timeout: Math.max(180_000, RUNS * 7_000),
  }, async () => {
    let last: World | null = null;
    const firstOutcomes = fc.array(fc.array(fc.nat({ max: 3 }), { minLength: 3, maxLength: 3 }), {
      minLength: 2,
      maxLength: 2,
    });
    const property = fc.asyncProperty(
      firstOutcomes,
      fc.array(stepArb, { minLength: Math.min(8, MAX_STEPS), maxLength: MAX_STEPS }),
      async (first, steps) => {
        const world = new World(await moneyApi(t));
        last = world;
        await world.setUp(first);
        world.trace.push(`first outcomes ${JSON.stringify(first)}`);
        for (const [i, s] of steps.entries()) {
          let what: string;
          try {
            what = await world.step(s);
          } catch (err) {
            world.trace.push(`#${i} ${JSON.stringify(s)} threw`);
            throw err;
          }
          world.trace.push(`#${i} ${what}`);
          if (VERBOSE) console.log(`#${i} ${what}`);
          const all = await world.broken();
          const broken = all.filter((b) => !IGNORE.some((rule) => b.startsWith(rule)));
          for (const b of all) if (!broken.includes(b)) ignored.push(`${b} — after ${what}`);
          if (broken.length > 0) {
            throw new Error(`after step #${i} (${JSON.stringify(s)}):\n  ${broken.join('\n  ')}`);
          }
        }
        // MS5: once the sweeper has run past the lease, nothing a crash left is still unanswered.
        world.trace.push(`final sweep ${JSON.stringify(await world.sweep())}`);
        const stuck = await world.m.attemptsInFlight();
        const after = [
          ...(await world.broken()),
          ...stuck.map((x) => `MS5: attempt ${x} still processing`),
          ...(await summariesOff(world.m.orgId)),
        ];
        if (after.length > 0) throw new Error(`after the final sweep:\n  ${after.join('\n  ')}`);
      },
    );
    const out = await fc.check(property, {
      numRuns: RUNS,
      ...(SEED !== undefined ? { seed: SEED } : {}),
      ...(PATH ? { path: PATH } : {}),
      endOnFailure: !SHRINK,
    });
    if (ignored.length > 0)
      console.warn(
        `MONEY_IGNORE=${IGNORE.join(',')}: ${ignored.length} ignored breaks, e.g.\n  ${[...new Set(ignored)].slice(0, 20).join('\n  ')}`,
      );
    if (out.failed) {
      const trace = (last as World | null)?.trace.join('\n    ') ?? '';
      const replay = `npm run test:money -- --seed ${out.seed} --path ${out.counterexamplePath}${IGNORE.length ? ` --ignore ${IGNORE.join(',')}` : ''}${onPg ? '' : ' --pglite'}`;
      const message = [
        `money model failed (seed ${out.seed}, path ${out.counterexamplePath}); replay: ${replay}`,
        `first outcomes: ${JSON.stringify(out.counterexample?.[0])}`,
        `steps: ${JSON.stringify(out.counterexample?.[1])}`,
        `what happened:\n    ${trace}`,
        `error: ${out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance)}`,
      ].join('\n');
      console.error(message);
      expect.fail(message);
    }
    expect(out.numRuns).toBeGreaterThan(0);
  });
});
