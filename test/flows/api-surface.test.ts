/**
 * Checks that hold for EVERY endpoint of the OpenAPI document, so that a new endpoint cannot skip them:
 * the permission matrix (role × endpoint), tenant isolation (another organization's IDs are 404s), and
 * bad input (malformed JSON, wrong types, huge strings, unknown IDs) never giving a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Permission } from '../../src/modules/users/permissions';
import { localToday } from '../billing';
import { createOrg, type TestOrg } from '../factories';
import { call, createTestContext, type TestContext } from '../harness';

type Access = Permission | 'signed-in' | 'public' | 'portal';

/** What each operation needs. Adding an endpoint without classifying it here fails the first test. */
const ACCESS: Record<string, Access> = {
  health: 'public',
  ready: 'public',
  getOpenApi: 'public',
  login: 'public',
  createToken: 'public',
  getLogo: 'public',
  logout: 'signed-in',
  getMe: 'signed-in',
  getEmailPreferences: 'signed-in',
  updateEmailPreferences: 'signed-in',
  createUser: 'settings.manage',
  listUsers: 'settings.manage',
  updateUser: 'settings.manage',
  deactivateUser: 'settings.manage',
  reactivateUser: 'settings.manage',
  listUserTokens: 'settings.manage',
  listMyTokens: 'signed-in',
  revokeToken: 'signed-in',
  changeMyPassword: 'signed-in',
  getOrganization: 'signed-in',
  updateOrganization: 'settings.manage',
  uploadLogo: 'settings.manage',
  listAuditLog: 'settings.manage',
  listEmails: 'settings.manage',
  getEmail: 'settings.manage',
  getActionCenterSummary: 'action_center.view',
  getActionCenterCharts: 'action_center.view',
  listFailedTransactions: 'action_center.view',
  listFailedTransactionReasons: 'action_center.view',
  exportFailedTransactions: 'action_center.view',
  retryFailedTransaction: 'transactions.manage',
  ignoreFailedTransaction: 'transactions.manage',
  getPortalSession: 'portal',
  savePortalCard: 'portal',
  createPortalSetupIntent: 'portal',
  payPortalFailedPayment: 'portal',
  revokeAccountPortalLinks: 'transactions.manage',
  resendPortalPaymentLink: 'transactions.manage',
  listReconcilableAccounts: 'reconciliations.manage',
  reconcileAccount: 'reconciliations.manage',
  undoReconciliation: 'reconciliations.manage',
  reconcileAllAccounts: 'reconciliations.manage',
  getZeroBalanceSummary: 'reconciliations.manage',
  getJob: 'reconciliations.manage',
  listExpiringCards: 'action_center.view',
  remindExpiringCard: 'transactions.manage',
  getSandboxClock: 'settings.manage',
  setSandboxClock: 'settings.manage',
  runSandboxJob: 'settings.manage',
  drainSandboxQueue: 'settings.manage',
  openSandboxEmail: 'settings.manage',
  getSandboxMerchantBalance: 'settings.manage',
  setSandboxMerchantBalance: 'settings.manage',
  setSandboxNextOutcome: 'settings.manage',
  createAccount: 'billing.write',
  listAccounts: 'action_center.view',
  getAccount: 'action_center.view',
  updateAccount: 'billing.write',
  listLedger: 'action_center.view',
  createInvoice: 'billing.write',
  createCreditNote: 'billing.write',
  createPayment: 'billing.write',
  createRefund: 'billing.write',
  createAllocation: 'billing.write',
  listAllocations: 'action_center.view',
  listPaymentAttempts: 'action_center.view',
  deleteAllocation: 'billing.write',
  createPaymentMethod: 'billing.write',
  listPaymentMethods: 'action_center.view',
  removePaymentMethodFromWallet: 'billing.write',
  createSubscription: 'billing.write',
  createInstallmentPlan: 'billing.write',
  listUpcomingPayments: 'action_center.view',
  changeSubscriptionPaymentMethod: 'transactions.manage',
  changeInstallmentPlanPaymentMethod: 'transactions.manage',
  cancelSubscription: 'billing.write',
  pauseSubscription: 'billing.write',
  resumeSubscription: 'billing.write',
  cancelInstallmentPlan: 'billing.write',
  updateScheduledPayment: 'billing.write',
  getRetryPolicy: 'action_center.view',
  updateRetryPolicy: 'settings.manage',
  setDunningPause: 'transactions.manage',
  clearDunningPause: 'transactions.manage',
  rescheduleFailedTransaction: 'transactions.manage',
  getGatewayStatus: 'billing.write',
  createPaymentMethodSetupIntent: 'billing.write',
  // signed by Stripe, not by a person: checked in src/modules/gateway/stripe/stripe-webhooks.db.test.ts
  receiveStripeWebhook: 'public',
  previewDunningEmail: 'action_center.view',
  getRecoveryAnalytics: 'action_center.view',
  getDunningPause: 'action_center.view',
};

interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  operationId: string;
  bodySchema?: {
    type?: string;
    properties?: Record<string, { type?: string | string[] }>;
    required?: string[];
  };
  querySchema: { name: string; schema: { type?: string | string[] } }[];
}

let t: TestContext;
let a: TestOrg;
let b: TestOrg;
let operations: Operation[];
/** IDs of real objects of organization B, by path parameter meaning. */
const bIds: Record<string, string> = {};
/** IDs of organization A's own objects, to build otherwise valid bodies. */
const aIds: Record<string, string> = {};

async function ok(org: TestOrg, method: Operation['method'], url: string, body?: unknown) {
  const res = await call(t.app, org.adminToken, method, url, body);
  if (res.status >= 400) throw new Error(`${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A complete little world in an organization, built through the API. */
async function world(org: TestOrg, ids: Record<string, string>) {
  const account = await ok(org, 'POST', '/api/v1/accounts', {
    ownerName: 'Léa Côté',
    ownerEmail: 'lea@example.ca',
  });
  ids.account = account.id;
  const invoice = await ok(org, 'POST', `/api/v1/accounts/${account.id}/invoices`, {
    amount: 10_000,
    date: '2026-11-01',
  });
  ids.invoice = invoice.id;
  const payment = await ok(org, 'POST', `/api/v1/accounts/${account.id}/payments`, {
    amount: 3_000,
    date: '2026-11-02',
    method: 'cash',
  });
  ids.payment = payment.id;
  const allocation = await ok(org, 'POST', `/api/v1/accounts/${account.id}/allocations`, {
    creditId: payment.id,
    debitId: invoice.id,
    amount: 1_000,
  });
  ids.allocation = allocation.id;
  const good = await ok(org, 'POST', `/api/v1/accounts/${account.id}/payment-methods`, {
    type: 'card',
    number: '4242424242424242',
    expMonth: 12,
    expYear: 2030,
    cvc: '123',
    saveToWallet: true,
  });
  ids.paymentMethod = good.id;
  const declining = await ok(org, 'POST', `/api/v1/accounts/${account.id}/payment-methods`, {
    type: 'card',
    number: '4000000000000002',
    expMonth: 12,
    expYear: 2030,
    cvc: '123',
    saveToWallet: true,
  });
  const plan = await ok(org, 'POST', `/api/v1/accounts/${account.id}/installment-plans`, {
    invoiceId: invoice.id,
    paymentMethodId: good.id,
    installments: [{ dueDate: '2030-01-01', amount: 1_000 }],
  });
  ids.installmentPlan = plan.id;
  ids.scheduledPayment = plan.installments[0].id;
  const today = await localToday(t.app, org.adminToken);
  const sub = await ok(org, 'POST', `/api/v1/accounts/${account.id}/subscriptions`, {
    amount: 2_500,
    interval: 'month',
    startDate: today,
    paymentMethodId: declining.id,
  });
  ids.subscription = sub.id;
  await ok(org, 'POST', '/api/v1/sandbox/jobs/payments-due');
  await t.c.queue.drain();
  const failed = await ok(org, 'GET', '/api/v1/action-center/failed-transactions');
  ids.failedTransaction = failed.items[0].id;
  const other = await ok(org, 'POST', '/api/v1/accounts', {
    ownerName: 'Zoé Roy',
    ownerEmail: 'zoe@example.ca',
  });
  ids.reconcilableAccount = other.id;
  await ok(org, 'POST', `/api/v1/accounts/${other.id}/invoices`, { amount: 500, date: '2026-11-01' });
  await ok(org, 'POST', `/api/v1/accounts/${other.id}/credit-notes`, { amount: 500, date: '2026-11-02' });
  const reconciled = await ok(
    org,
    'POST',
    `/api/v1/action-center/reconcilable-accounts/${other.id}/reconcile`,
  );
  ids.batch = reconciled.batchId;
  const job = await ok(org, 'POST', '/api/v1/action-center/reconcilable-accounts/reconcile-all', {
    zeroBalanceOnly: true,
  });
  ids.job = job.jobId;
  const emails = await ok(org, 'GET', '/api/v1/emails');
  ids.email = emails.items[0].id;
  const user = await ok(org, 'POST', '/api/v1/users', {
    email: `u-${Date.now()}${Math.random()}@example.ca`,
    name: 'U',
    password: 'long-enough-1',
    role: 'staff',
  });
  ids.user = user.id;
  // A token of its own for DELETE /me/tokens/:id, so that no check revokes the admin's.
  await t.c.auth.issue({ organizationId: org.organizationId, id: org.adminId }, 'bearer');
  const tokens = await ok(org, 'GET', '/api/v1/me/tokens');
  ids.token = tokens.items.find((x: { current: boolean }) => !x.current).id;
}

/** Fills a path template with the IDs of `ids`, choosing by the path's meaning. */
function fill(path: string, ids: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (name === 'name') return 'payments-due';
    if (name === 'kind') return 'failure-notice';
    if (name === 'batchId') return ids.batch!;
    if (name === 'accountId') return ids.reconcilableAccount!;
    if (name === 'paymentMethodId') return ids.paymentMethod!;
    const seg = path.split('/{')[0]!.split('/').pop()!;
    const byCollection: Record<string, string> = {
      accounts: 'account',
      users: 'user',
      emails: 'email',
      'failed-transactions': 'failedTransaction',
      jobs: 'job',
      allocations: 'allocation',
      'payment-methods': 'paymentMethod',
      subscriptions: 'subscription',
      'installment-plans': 'installmentPlan',
      'scheduled-payments': 'scheduledPayment',
      organizations: 'organization',
      tokens: 'token',
    };
    return ids[byCollection[seg] ?? seg]!;
  });
}

/** A body that passes validation, built from A's own objects (so a 404 can only come from the path). */
function validBody(op: Operation): unknown {
  const byOp: Record<string, unknown> = {
    updateUser: { role: 'staff' },
    retryFailedTransaction: undefined,
    ignoreFailedTransaction: { note: 'x' },
    reconcileAccount: undefined,
    remindExpiringCard: undefined,
    updateAccount: { ownerName: 'Nom' },
    createInvoice: { amount: 100, date: '2026-11-01' },
    createCreditNote: { amount: 100, date: '2026-11-01' },
    createPayment: { amount: 100, date: '2026-11-01', method: 'cash' },
    createRefund: { amount: 100, paymentId: aIds.payment },
    createAllocation: { creditId: aIds.payment, debitId: aIds.invoice, amount: 1 },
    createPaymentMethod: {
      type: 'card',
      number: '4242424242424242',
      expMonth: 12,
      expYear: 2030,
      cvc: '123',
      saveToWallet: false,
    },
    createSubscription: {
      amount: 100,
      interval: 'month',
      startDate: '2030-01-01',
      paymentMethodId: aIds.paymentMethod,
    },
    createInstallmentPlan: {
      invoiceId: aIds.invoice,
      paymentMethodId: aIds.paymentMethod,
      installments: [{ dueDate: '2030-02-01', amount: 1 }],
    },
    changeSubscriptionPaymentMethod: { paymentMethodId: aIds.paymentMethod },
    changeInstallmentPlanPaymentMethod: { paymentMethodId: aIds.paymentMethod },
    cancelSubscription: { at: 'period_end' },
    updateScheduledPayment: { dueDate: '2030-01-02' },
    setSandboxNextOutcome: { outcome: 'succeed' },
    createPaymentMethodSetupIntent: { type: 'card' },
    changeMyPassword: { current: 'not-the-password', new: 'a-new-long-password' },
    updateRetryPolicy: {
      card: { offsetsDays: [1, 3, 5, 7], localHour: 10, preferPaydays: true },
      echeck: { maxRepresentments: 2, minBusinessDaysApart: 3, returnFeeAmount: 0 },
      afterLastRetry: 'leave_open',
      emails: { failureNotice: true, reminderBeforeRetry: false, finalNotice: true },
    },
    setDunningPause: { until: '2030-01-01', reason: 'Famille parrainée' },
    rescheduleFailedTransaction: { mode: 'next_installment' },
    resendPortalPaymentLink: { failedTransactionId: aIds.failedTransaction },
  };
  if (op.operationId in byOp) return byOp[op.operationId];
  return op.method === 'GET' || op.method === 'DELETE' ? undefined : {};
}

beforeAll(async () => {
  t = await createTestContext();
  a = await createOrg(t.c);
  b = await createOrg(t.c);
  await world(a, aIds);
  await world(b, bIds);
  bIds.organization = b.organizationId;
  const doc = (await call(t.app, null, 'GET', '/api/v1/openapi.json')).body as {
    paths: Record<string, Record<string, { operationId: string; requestBody?: any; parameters?: any[] }>>;
  };
  operations = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      operations.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        operationId: op.operationId,
        bodySchema: op.requestBody?.content?.['application/json']?.schema,
        querySchema: (op.parameters ?? []).filter((p) => p.in === 'query'),
      });
    }
  }
}, 180_000);
afterAll(async () => t?.close());

describe('authz: the permission matrix', () => {
  it('classifies every operation of the OpenAPI document', () => {
    const unclassified = operations.map((o) => o.operationId).filter((id) => !(id in ACCESS));
    expect(unclassified).toEqual([]);
  });

  it('refuses every non-public operation without credentials (401 problem+json)', async () => {
    for (const op of operations.filter(
      (o) => ACCESS[o.operationId] !== 'public' && ACCESS[o.operationId] !== 'portal',
    )) {
      const res = await call(t.app, null, op.method, fill(op.path, aIds), validBody(op));
      expect(res.status, `${op.method} ${op.path}`).toBe(401);
      expect(res.headers['content-type'], op.operationId).toContain('application/problem+json');
    }
  });

  it('refuses the portal operations without a valid link (401)', async () => {
    for (const op of operations.filter((o) => ACCESS[o.operationId] === 'portal')) {
      const res = await call(
        t.app,
        null,
        op.method,
        `${op.path}?token=forged.token`,
        op.method === 'GET' ? undefined : {},
      );
      expect([400, 401], `${op.method} ${op.path}`).toContain(res.status);
    }
  });

  it('lets staff (action_center.view only) do exactly what that permission allows', async () => {
    const staff = await a.tokenFor('staff');
    for (const op of operations) {
      const access = ACCESS[op.operationId]!;
      if (access === 'public' || access === 'portal' || op.operationId === 'logout') continue;
      const res = await call(t.app, staff.token, op.method, fill(op.path, aIds), validBody(op));
      if (access === 'signed-in' || access === 'action_center.view') {
        expect(res.status, `${op.method} ${op.path} (${access})`).not.toBe(403);
        expect(res.status, `${op.method} ${op.path}`).not.toBe(401);
      } else {
        expect(res.status, `${op.method} ${op.path} needs ${access}`).toBe(403);
      }
    }
  });

  it('lets an accountant do what an administrator does', async () => {
    const accountant = await a.tokenFor('accountant');
    for (const op of operations.filter((o) => op_is_read(o))) {
      const res = await call(t.app, accountant.token, op.method, fill(op.path, aIds));
      expect([401, 403], `${op.method} ${op.path}`).not.toContain(res.status);
    }
  });
});

function op_is_read(op: Operation) {
  const access = ACCESS[op.operationId];
  return op.method === 'GET' && access !== 'public' && access !== 'portal';
}

describe('tenant isolation: another organization’s IDs are 404 on every endpoint', () => {
  it('answers 404 for B’s objects in A’s paths', async () => {
    const withIds = operations.filter(
      (o) => o.path.includes('{') && !['public', 'portal'].includes(ACCESS[o.operationId]!),
    );
    expect(withIds.length).toBeGreaterThan(20);
    for (const op of withIds) {
      // Their path parameter is a name, not an ID (a job; a dunning e-mail to preview).
      if (op.operationId === 'runSandboxJob' || op.operationId === 'previewDunningEmail') continue;
      const res = await call(t.app, a.adminToken, op.method, fill(op.path, bIds), validBody(op));
      expect(res.status, `${op.method} ${fill(op.path, bIds)}`).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('answers 404 for B’s objects referenced in A’s bodies', async () => {
    const cases: [Operation['method'], string, unknown][] = [
      [
        'POST',
        `/api/v1/accounts/${aIds.account}/allocations`,
        { creditId: bIds.payment, debitId: aIds.invoice, amount: 1 },
      ],
      [
        'POST',
        `/api/v1/accounts/${aIds.account}/allocations`,
        { creditId: aIds.payment, debitId: bIds.invoice, amount: 1 },
      ],
      [
        'POST',
        `/api/v1/accounts/${aIds.account}/payments`,
        { amount: 100, date: '2026-11-01', method: 'card', paymentMethodId: bIds.paymentMethod },
      ],
      [
        'POST',
        `/api/v1/accounts/${aIds.account}/payments`,
        { amount: 100, date: '2026-11-01', method: 'cash', invoiceId: bIds.invoice },
      ],
      ['POST', `/api/v1/accounts/${aIds.account}/refunds`, { amount: 100, paymentId: bIds.payment }],
      [
        'POST',
        `/api/v1/accounts/${aIds.account}/subscriptions`,
        { amount: 100, interval: 'month', startDate: '2030-01-01', paymentMethodId: bIds.paymentMethod },
      ],
      [
        'POST',
        `/api/v1/accounts/${aIds.account}/installment-plans`,
        {
          invoiceId: bIds.invoice,
          paymentMethodId: aIds.paymentMethod,
          installments: [{ dueDate: '2030-02-01', amount: 1 }],
        },
      ],
      ['PATCH', `/api/v1/subscriptions/${aIds.subscription}`, { paymentMethodId: bIds.paymentMethod }],
      ['PATCH', `/api/v1/installment-plans/${aIds.installmentPlan}`, { paymentMethodId: bIds.paymentMethod }],
    ];
    for (const [method, url, body] of cases) {
      const res = await call(t.app, a.adminToken, method, url, body);
      expect(res.status, `${method} ${url} ${JSON.stringify(body)}`).toBe(404);
    }
  });

  it('lists only A’s own rows', async () => {
    for (const url of [
      '/api/v1/accounts',
      '/api/v1/action-center/failed-transactions',
      '/api/v1/action-center/reconcilable-accounts',
      '/api/v1/emails',
      '/api/v1/users',
      '/api/v1/audit-log',
    ]) {
      const res = await call(t.app, a.adminToken, 'GET', url);
      expect(res.status, url).toBe(200);
      const text = JSON.stringify(res.body);
      for (const id of Object.values(bIds)) expect(text.includes(id), `${url} shows ${id}`).toBe(false);
    }
  });

  it('filters A’s audit log by B’s person or B’s subject to nothing', async () => {
    for (const query of [`actorId=${b.adminId}`, `subjectId=${bIds.account}`]) {
      const res = await call(t.app, a.adminToken, 'GET', `/api/v1/audit-log?${query}`);
      expect(res.status, query).toBe(200);
      expect(res.body.items, query).toEqual([]);
    }
    const own = await call(t.app, b.adminToken, 'GET', `/api/v1/audit-log?actorId=${b.adminId}`);
    expect(own.body.items.length).toBeGreaterThan(0);
  });
});

describe('bad input never gives a 500', () => {
  const wrongValue = (type: string | string[] | undefined) => {
    const kind = Array.isArray(type) ? type.find((x) => x !== 'null') : type;
    switch (kind) {
      case 'string':
        return 12345;
      case 'integer':
      case 'number':
        return 'twelve';
      case 'boolean':
        return 'yes';
      case 'array':
        return 7;
      case 'object':
        return 'x';
      default:
        return { nested: [1, 2, 3] };
    }
  };

  it('survives malformed JSON, wrong types, huge strings and unknown IDs on every operation', async () => {
    const failures: string[] = [];
    const check = async (op: Operation, url: string, body?: unknown, raw?: string) => {
      const res = raw
        ? await t.app.inject({
            method: op.method,
            url,
            headers: { authorization: `Bearer ${a.adminToken}`, 'content-type': 'application/json' },
            payload: raw,
          })
        : (await call(t.app, a.adminToken, op.method, url, body)).raw;
      if (res.statusCode >= 500)
        failures.push(
          `${op.method} ${url} ${raw ?? JSON.stringify(body)?.slice(0, 80)} → ${res.statusCode} ${res.body.slice(0, 200)}`,
        );
      else if (
        res.statusCode >= 400 &&
        !String(res.headers['content-type']).includes('application/problem+json')
      ) {
        failures.push(`${op.method} ${url} → ${res.statusCode} without problem+json`);
      }
    };
    for (const op of operations) {
      if (
        op.operationId === 'logout' ||
        op.operationId === 'drainSandboxQueue' ||
        op.operationId === 'setSandboxClock'
      )
        continue;
      const url = fill(op.path, aIds);
      // unknown and absurd IDs in the path
      if (op.path.includes('{')) {
        await check(op, op.path.replace(/\{\w+\}/g, 'acc_00000000000000000000000000'), validBody(op));
        await check(
          op,
          op.path.replace(/\{\w+\}/g, encodeURIComponent(`'; drop table accounts; -- ${'x'.repeat(300)}`)),
          validBody(op),
        );
      }
      for (const q of op.querySchema) {
        await check(op, `${url}?${q.name}=${encodeURIComponent(String(wrongValue(q.schema.type)))}`);
        await check(op, `${url}?${q.name}=${'z'.repeat(5000)}`);
      }
      if (op.method === 'GET' || op.method === 'DELETE') continue;
      await check(op, url, undefined, '{"amount": ');
      await check(op, url, undefined, '[]');
      await check(op, url, undefined, 'null');
      for (const [name, schema] of Object.entries(op.bodySchema?.properties ?? {})) {
        const base = (validBody(op) as Record<string, unknown> | undefined) ?? {};
        await check(op, url, { ...base, [name]: wrongValue(schema.type) });
        await check(op, url, { ...base, [name]: 'é'.repeat(20_000) });
      }
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
