import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { todayIn } from '../src/lib/dates';
import { call } from './harness';

/** Billing-core helpers over the public API (the same calls an integrator makes). */
export async function apiAccount(app: FastifyInstance, token: string, ownerName = 'Marie Tremblay') {
  const res = await call(app, token, 'POST', '/api/v1/accounts', {
    ownerName,
    ownerEmail: `${ownerName
      .normalize('NFD')
      .toLowerCase()
      .replace(/[^a-z]+/g, '.')
      .replace(/^\.|\.$/g, '')}@example.ca`,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; ownerName: string; locale: string };
}

export async function apiCard(
  app: FastifyInstance,
  token: string,
  accountId: string,
  number = '4242424242424242',
  opts: { saveToWallet?: boolean; expYear?: number; expMonth?: number } = {},
) {
  const res = await call(app, token, 'POST', `/api/v1/accounts/${accountId}/payment-methods`, {
    type: 'card',
    number,
    expMonth: opts.expMonth ?? 12,
    expYear: opts.expYear ?? 2040,
    cvc: '123',
    saveToWallet: opts.saveToWallet ?? true,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; type: 'card'; brand: string; last4: string };
}

export async function apiBank(
  app: FastifyInstance,
  token: string,
  accountId: string,
  accountNumber = '12345678',
) {
  const res = await call(app, token, 'POST', `/api/v1/accounts/${accountId}/payment-methods`, {
    type: 'echeck',
    routingNumber: '011000015',
    accountNumber,
    holderName: 'Marie Tremblay',
    saveToWallet: true,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; type: 'echeck'; last4: string };
}

export async function apiInvoice(
  app: FastifyInstance,
  token: string,
  accountId: string,
  amount: number,
  date = '2026-03-01',
) {
  const res = await call(app, token, 'POST', `/api/v1/accounts/${accountId}/invoices`, { amount, date });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; amount: number; openAmount: number };
}

export async function apiPayment(
  app: FastifyInstance,
  token: string,
  accountId: string,
  body: Record<string, unknown>,
) {
  const res = await call(app, token, 'POST', `/api/v1/accounts/${accountId}/payments`, {
    date: '2026-03-02',
    ...body,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; status: string; openAmount: number; allocatedAmount: number };
}

export async function ledgerOf(app: FastifyInstance, token: string, accountId: string) {
  const res = await call(app, token, 'GET', `/api/v1/accounts/${accountId}/ledger?limit=200`);
  expect(res.status).toBe(200);
  return res.body.items as {
    id: string;
    kind: string;
    amount: number;
    openAmount: number;
    status: string;
    reconciliationStatus: string;
    invoiceId: string | null;
  }[];
}

export async function setClock(app: FastifyInstance, token: string, now: string) {
  const res = await call(app, token, 'PUT', '/api/v1/sandbox/clock', { now });
  expect(res.status).toBe(200);
}

/**
 * Moves the organization's clock to `now` and runs the eCheck settlement job through the sandbox; answers
 * what it did (`{ settled, returned }`). A sandbox eCheck settles or comes back two business days after.
 */
export async function settleEChecksAt(app: FastifyInstance, token: string, now: string) {
  await setClock(app, token, now);
  const run = await call(app, token, 'POST', '/api/v1/sandbox/jobs/echeck-settlement');
  expect(run.status).toBe(200);
  return run.body.result as { settled: number; returned: number };
}

/**
 * The organization's local date now by its sandbox clock: what a schedule's "today" is. Not the UTC date of
 * the clock — from 00:00 UTC to local midnight west of Greenwich the two differ, and a subscription started on
 * the UTC date would not be due yet.
 */
export async function localToday(app: FastifyInstance, token: string): Promise<string> {
  const [clock, org] = await Promise.all([
    call(app, token, 'GET', '/api/v1/sandbox/clock'),
    call(app, token, 'GET', '/api/v1/organization'),
  ]);
  expect(clock.status).toBe(200);
  expect(org.status).toBe(200);
  return todayIn(org.body.timezone as string, new Date(clock.body.now as string));
}
