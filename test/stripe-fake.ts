import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/**
 * A local HTTP server answering the Stripe endpoints Recoup calls, with Stripe's documented response shapes
 * (objects, lists, errors, idempotent replays), so that the official SDK can be pointed at it
 * (`STRIPE_API_BASE=http://127.0.0.1:<port>` → host/port/protocol). It is NOT Stripe: it knows only what the
 * tests below need — customers, payment methods (created by the test, as Stripe.js would), PaymentIntents
 * confirmed off-session, refunds, SetupIntents — plus fault injection: a status (429, 500…) for the next
 * requests, or a connection reset before or after the request is processed.
 */

type Json = Record<string, any>;
export type Fault =
  | { status: number; type?: string; code?: string; shouldRetry?: boolean }
  | 'reset-before'
  | 'reset-after';

export interface FakeCard {
  decline?: string; // a decline_code: the charge answers 402
  requiresAction?: boolean;
}
export interface FakeBank {
  kind: 'acss_debit' | 'us_bank_account';
  /** refused at confirmation with this last_payment_error code */
  refuse?: string;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

/** Stripe's form encoding (`a[b][c]=v`, `a[0]=v`) back into objects. */
export function parseForm(body: string): Json {
  const out: Json = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const parts = rawKey.replace(/\]/g, '').split('[');
    let node: any = out;
    parts.forEach((p, i) => {
      if (i === parts.length - 1) node[p] = value;
      else node = node[p] ??= {};
    });
  }
  return out;
}

export class StripeFake {
  readonly customers = new Map<string, Json>();
  readonly paymentMethods = new Map<string, Json>();
  readonly paymentIntents = new Map<string, Json>();
  readonly refunds = new Map<string, Json>();
  readonly setupIntents = new Map<string, Json>();
  /** idempotency key → the recorded answer (Stripe replays it for 24 h) */
  private readonly replies = new Map<string, { status: number; body: Json; path: string }>();
  private readonly faults: { match: RegExp; fault: Fault }[] = [];
  private readonly holds: { match: RegExp; reached: () => void; released: Promise<void> }[] = [];
  /** every request that reached the server, in order */
  readonly requests: { method: string; path: string; idempotencyKey?: string }[] = [];
  balance = 1_000_000;
  private server!: Server;
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }
  async stop() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
  get apiBase() {
    return { host: '127.0.0.1', port: this.port, protocol: 'http' as const };
  }

  /** The next request whose `METHOD /path` matches gets this fault (once per call). */
  failNext(match: RegExp, fault: Fault, times = 1) {
    for (let i = 0; i < times; i++) this.faults.push({ match, fault });
  }

  /**
   * The next request whose `METHOD /path` matches waits, once it has reached the server, until `release()`:
   * `reached` resolves when it arrives (an interleaving test does something else in between).
   */
  holdNext(match: RegExp): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((r) => {
      reached = r;
    });
    const released = new Promise<void>((r) => {
      release = r;
    });
    this.holds.push({ match, reached, released });
    return { reached: arrived, release };
  }

  /** Drops the faults no request consumed. */
  clearFaults() {
    this.faults.length = 0;
  }

  /** What Stripe.js + a confirmed SetupIntent leave behind: a PaymentMethod attached to the customer. */
  addCard(customer: string, opts: FakeCard & { last4?: string; expMonth?: number; expYear?: number } = {}) {
    const pm = {
      id: id('pm'),
      object: 'payment_method',
      type: 'card',
      customer,
      created: now(),
      livemode: false,
      metadata: {},
      billing_details: { name: 'Jeanne Roy', email: null, phone: null, address: null },
      card: {
        brand: 'visa',
        last4: opts.last4 ?? '4242',
        exp_month: opts.expMonth ?? 12,
        exp_year: opts.expYear ?? 2030,
        funding: 'credit',
        country: 'CA',
      },
      _fake: opts,
    };
    this.paymentMethods.set(pm.id, pm);
    return pm.id;
  }
  addBank(customer: string, opts: FakeBank) {
    const details =
      opts.kind === 'acss_debit'
        ? {
            bank_name: 'TD Canada Trust',
            institution_number: '004',
            transit_number: '12345',
            last4: '6789',
            fingerprint: 'fp',
          }
        : {
            bank_name: 'STRIPE TEST BANK',
            routing_number: '110000000',
            account_type: 'checking',
            last4: '6789',
            account_holder_type: 'individual',
          };
    const pm = {
      id: id('pm'),
      object: 'payment_method',
      type: opts.kind,
      customer,
      created: now(),
      livemode: false,
      metadata: {},
      billing_details: { name: 'Jeanne Roy', email: 'jeanne@example.test', phone: null, address: null },
      [opts.kind]: details,
      _fake: opts,
    };
    this.paymentMethods.set(pm.id, pm);
    return pm.id;
  }
  /**
   * What Stripe.js `confirmSetup` does in the browser: the details typed in the Payment Element become a
   * PaymentMethod attached to the SetupIntent's customer, the SetupIntent succeeds, and a bank account gets a
   * Mandate (the online acceptance Stripe collected). Answers the pm_… ID the browser then sends to Recoup.
   */
  confirmSetup(setupIntentId: string, opts: (FakeCard & { last4?: string }) | FakeBank = {}) {
    const si = this.setupIntents.get(setupIntentId)!;
    const customer = si.customer as string;
    const pm = 'kind' in opts ? this.addBank(customer, opts) : this.addCard(customer, opts);
    si.status = 'succeeded';
    si.payment_method = pm;
    if ('kind' in opts) si.mandate = id('mandate');
    return pm;
  }

  /** How many PaymentIntents were really created (replays not counted): money that moved. */
  get paymentIntentsCreated() {
    return this.paymentIntents.size;
  }
  /** What a bank debit becomes days later at Stripe (then its webhook is sent). */
  settle(piId: string, outcome: { status: 'succeeded' } | { status: 'failed'; code: string }) {
    const pi = this.paymentIntents.get(piId)!;
    if (outcome.status === 'succeeded') pi.status = 'succeeded';
    else {
      pi.status = 'requires_payment_method';
      pi.last_payment_error = {
        type: 'invalid_request_error',
        code: outcome.code,
        message: `Bank debit failed: ${outcome.code}`,
      };
    }
    return pi;
  }

  /** What a refund Stripe accepted may become days later (then `refund.failed` is sent). */
  failRefund(refundId: string, reason = 'expired_or_canceled_card') {
    const r = this.refunds.get(refundId)!;
    r.status = 'failed';
    r.failure_reason = reason;
    this.balance += r.amount;
    return r;
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const line = `${req.method} ${url.pathname}`;
      const idempotencyKey = (req.headers['idempotency-key'] as string | undefined) ?? undefined;
      this.requests.push({ method: req.method!, path: url.pathname, idempotencyKey });
      const holdAt = this.holds.findIndex((h) => h.match.test(line));
      const hold = holdAt >= 0 ? this.holds.splice(holdAt, 1)[0]! : null;
      if (!hold) return this.answer(req, res, url, line, body, idempotencyKey);
      hold.reached();
      void hold.released.then(() => this.answer(req, res, url, line, body, idempotencyKey));
    });
  }

  private answer(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    line: string,
    body: string,
    idempotencyKey: string | undefined,
  ) {
    const faultAt = this.faults.findIndex((f) => f.match.test(line));
    const fault = faultAt >= 0 ? this.faults.splice(faultAt, 1)[0]!.fault : null;
    if (fault === 'reset-before') return req.socket.destroy();
    if (fault && typeof fault === 'object') {
      const headers: Record<string, string> = {};
      if (fault.shouldRetry !== undefined) headers['stripe-should-retry'] = String(fault.shouldRetry);
      return this.send(
        res,
        fault.status,
        {
          error: {
            type: fault.type ?? (fault.status === 429 ? 'invalid_request_error' : 'api_error'),
            code: fault.code ?? (fault.status === 429 ? 'rate_limit' : undefined),
            message: `injected ${fault.status}`,
          },
        },
        headers,
      );
    }
    let status: number;
    let answer: Json;
    const replay = idempotencyKey && req.method === 'POST' ? this.replies.get(idempotencyKey) : undefined;
    if (replay) {
      if (replay.path !== url.pathname) {
        status = 400;
        answer = {
          error: {
            type: 'idempotency_error',
            message:
              'Keys for idempotent requests can only be used with the same parameters they were first used with.',
          },
        };
      } else {
        status = replay.status;
        answer = replay.body;
      }
    } else {
      [status, answer] = this.route(req.method!, url, parseForm(body));
      if (idempotencyKey && req.method === 'POST' && status !== 429 && status < 500) {
        this.replies.set(idempotencyKey, { status, body: answer, path: url.pathname });
      }
    }
    if (fault === 'reset-after') return req.socket.destroy();
    this.send(res, status, answer, replay ? { 'idempotent-replayed': 'true' } : {});
  }

  private send(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req'), ...headers });
    res.end(JSON.stringify(body, (k, v) => (k === '_fake' ? undefined : v)));
  }

  private route(method: string, url: URL, p: Json): [number, Json] {
    const path = url.pathname;
    const pmMatch = path.match(/^\/v1\/payment_methods\/([^/]+)$/);
    const piMatch = path.match(/^\/v1\/payment_intents\/([^/]+)$/);
    if (method === 'POST' && path === '/v1/customers') {
      const c = {
        id: id('cus'),
        object: 'customer',
        created: now(),
        livemode: false,
        name: p.name ?? null,
        email: p.email ?? null,
        metadata: p.metadata ?? {},
      };
      this.customers.set(c.id, c);
      return [200, c];
    }
    if (method === 'GET' && pmMatch) {
      const pm = this.paymentMethods.get(pmMatch[1]!);
      return pm ? [200, pm] : missing('payment_method', pmMatch[1]!);
    }
    if (method === 'POST' && path === '/v1/setup_intents') {
      const si = {
        id: id('seti'),
        object: 'setup_intent',
        customer: p.customer ?? null,
        status: 'requires_payment_method',
        usage: p.usage ?? 'off_session',
        payment_method_types: Object.values(p.allowed_payment_method_types ?? { 0: 'card' }),
        // as received: what the adapter test asserts (e.g. the PAD mandate options)
        payment_method_options: p.payment_method_options ?? {},
        payment_method: null,
        mandate: null,
        metadata: p.metadata ?? {},
        livemode: false,
        created: now(),
      } as Json;
      si.client_secret = `${si.id}_secret_${randomBytes(8).toString('hex')}`;
      this.setupIntents.set(si.id, si);
      return [200, si];
    }
    const siMatch = path.match(/^\/v1\/setup_intents\/([^/]+)$/);
    if (method === 'GET' && siMatch) {
      const si = this.setupIntents.get(siMatch[1]!);
      return si ? [200, si] : missing('setup_intent', siMatch[1]!);
    }
    if (method === 'POST' && path === '/v1/payment_intents') return this.createPaymentIntent(p);
    if (method === 'GET' && piMatch) {
      const pi = this.paymentIntents.get(piMatch[1]!);
      return pi ? [200, pi] : missing('payment_intent', piMatch[1]!);
    }
    if (method === 'GET' && path === '/v1/payment_intents') {
      const customer = url.searchParams.get('customer');
      const gte = Number(url.searchParams.get('created[gte]') ?? 0);
      const data = [...this.paymentIntents.values()]
        .filter((pi) => (!customer || pi.customer === customer) && pi.created >= gte)
        .reverse();
      return [200, { object: 'list', url: '/v1/payment_intents', has_more: false, data }];
    }
    if (method === 'POST' && path === '/v1/refunds') return this.createRefund(p);
    const reMatch = path.match(/^\/v1\/refunds\/([^/]+)$/);
    if (method === 'GET' && reMatch) {
      const r = this.refunds.get(reMatch[1]!);
      return r ? [200, r] : missing('refund', reMatch[1]!);
    }
    if (method === 'GET' && path === '/v1/refunds') {
      const pi = url.searchParams.get('payment_intent');
      const data = [...this.refunds.values()].filter((r) => !pi || r.payment_intent === pi).reverse();
      return [200, { object: 'list', url: '/v1/refunds', has_more: false, data }];
    }
    return [
      404,
      { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` } },
    ];
  }

  private createPaymentIntent(p: Json): [number, Json] {
    const pm = this.paymentMethods.get(p.payment_method);
    if (!pm) return missing('payment_method', p.payment_method);
    if (pm.customer !== p.customer) {
      return [
        400,
        {
          error: {
            type: 'invalid_request_error',
            code: 'payment_method_invalid_parameter',
            message: 'The provided PaymentMethod is attached to another Customer.',
          },
        },
      ];
    }
    const pi: Json = {
      id: id('pi'),
      object: 'payment_intent',
      amount: Number(p.amount),
      amount_received: 0,
      currency: p.currency,
      customer: p.customer,
      payment_method: pm.id,
      payment_method_types: Object.values(p.allowed_payment_method_types ?? {}),
      confirmation_method: 'automatic',
      capture_method: 'automatic',
      created: now(),
      livemode: false,
      metadata: p.metadata ?? {},
      last_payment_error: null,
      latest_charge: null,
      status: 'requires_confirmation',
    };
    this.paymentIntents.set(pi.id, pi);
    const fake = pm._fake as FakeCard & Partial<FakeBank>;
    if (pm.type === 'card') {
      if (fake.decline) {
        pi.status = 'requires_payment_method';
        const error = {
          type: 'card_error',
          code: 'card_declined',
          decline_code: fake.decline,
          message: 'Your card was declined.',
          payment_method: pm,
        };
        pi.last_payment_error = error;
        return [402, { error: { ...error, payment_intent: pi, charge: id('ch') } }];
      }
      if (fake.requiresAction) {
        pi.status = 'requires_action';
        return [200, pi];
      }
      pi.status = 'succeeded';
      pi.amount_received = pi.amount;
      pi.latest_charge = id('ch');
      this.balance += pi.amount;
      return [200, pi];
    }
    if (fake.refuse) {
      pi.status = 'requires_payment_method';
      pi.last_payment_error = {
        type: 'invalid_request_error',
        code: fake.refuse,
        message: 'The bank account could not be debited.',
      };
      return [400, { error: { ...pi.last_payment_error, payment_intent: pi } }];
    }
    pi.status = 'processing';
    return [200, pi];
  }

  private createRefund(p: Json): [number, Json] {
    const pi = this.paymentIntents.get(p.payment_intent);
    if (!pi) return missing('payment_intent', p.payment_intent);
    const amount = Number(p.amount ?? pi.amount);
    if (amount > this.balance) {
      return [
        400,
        {
          error: {
            type: 'invalid_request_error',
            code: 'balance_insufficient',
            message: 'You have insufficient funds in your Stripe account.',
          },
        },
      ];
    }
    this.balance -= amount;
    const r = {
      id: id('re'),
      object: 'refund',
      amount,
      currency: pi.currency,
      payment_intent: pi.id,
      charge: pi.latest_charge,
      status: 'succeeded',
      failure_reason: null,
      metadata: p.metadata ?? {},
      created: now(),
    };
    this.refunds.set(r.id, r);
    return [200, r];
  }
}

function missing(kind: string, value: string): [number, Json] {
  return [
    404,
    {
      error: {
        type: 'invalid_request_error',
        code: 'resource_missing',
        param: kind,
        message: `No such ${kind}: '${value}'`,
      },
    },
  ];
}

let eventSeq = 0;
const signer = new Stripe('sk_test_signer00000000');

/** A Stripe event as Stripe sends it (the Event object's documented shape) about `object`. */
export function stripeEvent(type: string, object: unknown, id = `evt_${Date.now()}_${++eventSeq}`) {
  return {
    id,
    object: 'event',
    api_version: '2026-10-28',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

/** The `Stripe-Signature` header Stripe would send, made by the SDK's own test helper. */
export function stripeSignature(payload: string, secret: string): string {
  return signer.webhooks.generateTestHeaderString({ payload, secret });
}
