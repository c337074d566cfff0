import { and, count, eq, sql } from 'drizzle-orm';
import { buildApp } from '../../app/app';
import type { Container } from '../../app/container';
import { addDays, todayIn } from '../../lib/dates';
import { newId } from '../../lib/ids';
import { allocate } from '../../lib/money';
import { accounts } from '../../modules/accounts/accounts.table';
import { allocations, documents } from '../../modules/ledger/ledger.table';
import { refreshAllReconciliationSummaries } from '../../modules/reconciliation/summary';
import { users } from '../../modules/users/users.table';
import { ACTIVITIES, FIRST_NAMES, LAST_NAMES, prng } from './names';
import { recoveryDemo } from './recovery-demo';

export const DEMO_EMAIL = 'admin@demo.recoup.local';
export const DEMO_PASSWORD = 'recoup-demo';
export const DEMO_ORG_NAME = 'Centre récréatif des Érables';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Loads the demo organization: about 2,000 customer accounts of a recreation centre, with subscriptions and
 * installment plans, a few dozen failed transactions of every type and many reasons (spread over the last
 * weeks, some recovered), a dozen expiring cards and a few hundred reconcilable accounts. Everything that
 * moves money goes through the public API and the real jobs on the sandbox gateway; only the fully settled
 * bulk of the customer base is inserted directly. Running it again reuses the organization.
 */
export async function loadDemo(c: Container) {
  const [existing] = await c.db
    .select({ id: users.id, organizationId: users.organizationId })
    .from(users)
    .where(eq(sql`lower(${users.email})`, DEMO_EMAIL))
    .limit(1);
  const organizationId = existing
    ? existing.organizationId
    : (
        await c.organizations.createWithAdmin({
          name: DEMO_ORG_NAME,
          currency: 'CAD',
          timezone: 'America/Toronto',
          locale: 'fr-CA',
          admin: { email: DEMO_EMAIL, password: DEMO_PASSWORD, name: 'Isabelle Gagnon', locale: 'fr-CA' },
        })
      ).organizationId;
  const [{ n } = { n: 0 }] = await c.db
    .select({ n: count() })
    .from(accounts)
    .where(eq(accounts.organizationId, organizationId));
  if (Number(n) === 0) await populate(c, organizationId);
  return { organizationId, email: DEMO_EMAIL, password: DEMO_PASSWORD, organizationName: DEMO_ORG_NAME };
}

/** How to sign in to the demo; `url` is where the product answers (the listen address when serving). */
export function demoBanner(
  url: string,
  demo: { email: string; password: string; organizationName: string },
): string {
  return [
    `Demo organization "${demo.organizationName}" is ready.`,
    `Open ${url} and sign in with:`,
    `  e-mail:   ${demo.email}`,
    `  password: ${demo.password}`,
  ].join('\n');
}

/** True when the database has no organization yet: the first `npm start` loads the demo. */
export async function isEmpty(c: Container): Promise<boolean> {
  return (await c.organizations.listIds()).length === 0;
}

type Api = <T = any>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
) => Promise<T>;

async function populate(c: Container, organizationId: string) {
  const sandboxClock = c.sandboxClock;
  if (!sandboxClock) {
    throw new Error(
      'the demo needs the sandbox (RECOUP_SANDBOX=true): it uses the sandbox gateway and clock',
    );
  }
  const app = await buildApp(c, { serveWeb: false, authRateLimit: { max: 1_000_000, timeWindow: 60_000 } });
  const [admin] = await c.db
    .select()
    .from(users)
    .where(and(eq(users.organizationId, organizationId), eq(sql`lower(${users.email})`, DEMO_EMAIL)));
  const { token } = await c.auth.issue(admin!, 'bearer', 60 * 60 * 1000);
  const api: Api = async (method, url, body) => {
    const res = await app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    if (res.statusCode >= 400) throw new Error(`demo: ${method} ${url} → ${res.statusCode} ${res.body}`);
    return (res.body ? res.json() : null) as never;
  };

  const realOffset = sandboxClock.clock.getOffset();
  const start = sandboxClock.clock.now();
  const org = await c.organizations.get(organizationId);
  const kit = demoKit(api, prng(20261125), todayIn(org.timezone, start));
  // The owner's failure notice of each failure a run made is written (and delivered to the log) before the
  // clock moves on, at the sandbox instant of the failure, as a worker does it moments after the run. Left
  // to the workers, most wait in the queue until the load ends and are all dated today in the e-mail log;
  // and a notice whose entry was recovered meanwhile is never sent at all.
  const runJob = async (name: 'payments-due' | 'echeck-settlement' | 'automatic-retries') => {
    const result = await c.queue.runNow(name, { organizationId });
    await c.queue.drain({ timeoutMs: 120_000, only: ['customer-notice', 'email-delivery'] });
    return result;
  };

  await api('PATCH', '/organization', { contactEmail: 'facturation@erables.example.ca' });
  await peopleOfTheOrganization(api);
  await settledCustomers(c, organizationId, org.currency, kit.today, 1650, kit.rnd);
  try {
    await reconcilableCustomers(kit);
    await scheduledCustomers(kit);
    await expiringCards(kit);
    await failedTransactions(c, kit, {
      at: (instant) => sandboxClock.set(instant),
      daysAgo: (d) => new Date(start.getTime() - d * DAY_MS),
      runJob,
      timeZone: org.timezone,
    });
    await recoveryDemo(kit, {
      at: (instant) => sandboxClock.set(instant),
      daysAgo: (d) => new Date(start.getTime() - d * DAY_MS),
      runJob,
      timeZone: org.timezone,
    });
  } finally {
    await sandboxClock.set(new Date(Date.now() + realOffset));
    await app.close();
  }
  await refreshAllReconciliationSummaries(c.db, organizationId, c.clock.now());
}

type Kit = ReturnType<typeof demoKit>;

/** What every section of the demo does again and again, through the public API. */
function demoKit(api: Api, rnd: ReturnType<typeof prng>, today: string) {
  let serial = 0;
  const person = () => {
    const first = rnd.pick(FIRST_NAMES);
    const last = rnd.pick(LAST_NAMES);
    serial++;
    const email = `${first}.${last}.${serial}`
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^A-Za-z0-9.]/g, '')
      .toLowerCase();
    return {
      ownerName: `${first} ${last}`,
      ownerEmail: `${email}@example.ca`,
      locale: rnd.next() < 0.8 ? 'fr-CA' : 'en-CA',
    };
  };
  const kit = {
    api,
    rnd,
    today,
    /** a round amount in cents between min and max */
    amount: (min: number, max: number) => rnd.int(min / 5, max / 5) * 5,
    account: async () => (await api<{ id: string }>('POST', '/accounts', person())).id,
    card: async (
      accountId: string,
      number: string,
      opts: { exp?: [number, number]; wallet?: boolean } = {},
    ) =>
      (
        await api<{ id: string }>('POST', `/accounts/${accountId}/payment-methods`, {
          type: 'card',
          number,
          expMonth: opts.exp?.[0] ?? rnd.int(1, 12),
          expYear: opts.exp?.[1] ?? rnd.int(2028, 2031),
          cvc: number.startsWith('3') ? '1234' : '123',
          saveToWallet: opts.wallet ?? true,
        })
      ).id,
    invoice: async (accountId: string, amount: number, date: string) =>
      (
        await api<{ id: string }>('POST', `/accounts/${accountId}/invoices`, {
          amount,
          date,
          description: rnd.pick(ACTIVITIES),
        })
      ).id,
    subscribe: (
      accountId: string,
      paymentMethodId: string,
      startDate: string,
      amount: number,
      interval = 'month',
    ) =>
      api('POST', `/accounts/${accountId}/subscriptions`, {
        amount,
        interval,
        startDate,
        paymentMethodId,
        description: rnd.pick(ACTIVITIES),
      }),
    /** an invoice paid in three installments, `spacing` days apart from `firstDue` (split by allocate()) */
    installmentPlan: async (
      accountId: string,
      paymentMethodId: string,
      total: number,
      date: string,
      firstDue: string,
      spacing: number,
    ) => {
      const invoiceId = await kit.invoice(accountId, total, date);
      const parts = allocate(BigInt(total), [1n, 1n, 1n]);
      await api('POST', `/accounts/${accountId}/installment-plans`, {
        invoiceId,
        paymentMethodId,
        installments: parts.map((part, k) => ({
          dueDate: addDays(firstDue, spacing * k),
          amount: Number(part),
        })),
      });
      return invoiceId;
    },
  };
  return kit;
}

async function peopleOfTheOrganization(api: Api) {
  await api('POST', '/users', {
    email: 'comptable@demo.recoup.local',
    name: 'Marc Lapointe',
    password: DEMO_PASSWORD,
    role: 'accountant',
    locale: 'fr-CA',
  });
  await api('POST', '/users', {
    email: 'accueil@demo.recoup.local',
    name: 'Julie Fortin',
    password: DEMO_PASSWORD,
    role: 'staff',
    locale: 'fr-CA',
  });
}

/** The bulk of the customer base: invoiced, paid and fully reconciled. Inserted directly for speed. */
async function settledCustomers(
  c: Container,
  organizationId: string,
  currency: string,
  today: string,
  howMany: number,
  rnd: ReturnType<typeof prng>,
) {
  const now = c.clock.now();
  for (let offset = 0; offset < howMany; offset += 250) {
    const accountRows: (typeof accounts.$inferInsert)[] = [];
    const documentRows: (typeof documents.$inferInsert)[] = [];
    const allocationRows: (typeof allocations.$inferInsert)[] = [];
    for (let i = offset; i < Math.min(howMany, offset + 250); i++) {
      const first = rnd.pick(FIRST_NAMES);
      const last = rnd.pick(LAST_NAMES);
      const accountId = newId('account');
      accountRows.push({
        organizationId,
        id: accountId,
        ownerName: `${first} ${last}`,
        ownerEmail: `client${i}@example.ca`,
        locale: rnd.next() < 0.8 ? 'fr-CA' : 'en-CA',
        createdAt: now,
      });
      const amountMinor = BigInt(rnd.int(20, 400) * 500);
      const date = addDays(today, -rnd.int(5, 300));
      const invoiceId = newId('invoice');
      const paymentId = newId('payment');
      const base = { organizationId, accountId, amountMinor, openMinor: 0n, currency, date, createdAt: now };
      documentRows.push(
        {
          ...base,
          id: invoiceId,
          kind: 'invoice',
          side: 'debit',
          description: rnd.pick(ACTIVITIES),
          reference: `F-${10000 + i}`,
        },
        {
          ...base,
          id: paymentId,
          kind: 'payment',
          side: 'credit',
          method: rnd.next() < 0.5 ? 'cheque' : 'cash',
        },
      );
      allocationRows.push({
        organizationId,
        id: newId('allocation'),
        accountId,
        creditId: paymentId,
        debitId: invoiceId,
        amountMinor,
        source: 'manual',
        createdAt: now,
      });
    }
    await c.db.transaction(async (tx) => {
      await tx.insert(accounts).values(accountRows);
      await tx.insert(documents).values(documentRows);
      await tx.insert(allocations).values(allocationRows);
    });
  }
}

/** RA: unapplied credit notes and payments beside open invoices — cancellations, overpayments, oversights. */
async function reconcilableCustomers({ api, account, amount, invoice, today, rnd }: Kit) {
  for (let i = 0; i < 260; i++) {
    const accountId = await account();
    const date = addDays(today, -rnd.int(10, 120));
    const credit = (kind: 'credit-notes' | 'payments', body: Record<string, unknown>) =>
      api('POST', `/accounts/${accountId}/${kind}`, body);
    const kind = i % 5;
    if (kind <= 1) {
      // Zero balance: a cancelled service credited for exactly its invoice.
      const value = amount(2000, 40000);
      await invoice(accountId, value, date);
      await credit('credit-notes', {
        amount: value,
        date: addDays(date, rnd.int(1, 20)),
        reason: 'Annulation de services',
      });
    } else if (kind === 2) {
      const value = amount(5000, 60000);
      await invoice(accountId, value, date);
      await credit('payments', {
        amount: Math.round(value / 10) * 5,
        date: addDays(date, 3),
        method: 'cheque',
      });
    } else if (kind === 3) {
      await invoice(accountId, amount(3000, 20000), date);
      await invoice(accountId, amount(3000, 20000), addDays(date, 30));
      await credit('credit-notes', {
        amount: amount(1000, 15000),
        date: addDays(date, 35),
        reason: 'Annulation partielle du contrat',
      });
    } else {
      const value = amount(2000, 30000);
      await invoice(accountId, value, date);
      await credit('payments', { amount: value + amount(500, 5000), date: addDays(date, 2), method: 'cash' });
    }
  }
}

/** Subscriptions and installment plans on good cards: the accounts' upcoming payments (and RA2's cover). */
async function scheduledCustomers({
  api,
  account,
  card,
  amount,
  subscribe,
  installmentPlan,
  today,
  rnd,
}: Kit) {
  for (let i = 0; i < 50; i++) {
    const accountId = await account();
    const methodId = await card(
      accountId,
      rnd.pick(['4242424242424242', '5555555555554444', '378282246310005']),
    );
    if (i % 2 === 0) {
      const interval = rnd.pick(['month', 'month', 'week', 'year']);
      await subscribe(accountId, methodId, addDays(today, rnd.int(1, 25)), amount(2500, 9000), interval);
      continue;
    }
    await installmentPlan(accountId, methodId, amount(15000, 60000), today, addDays(today, 7), 30);
    if (i % 5 === 1) {
      // A credit beside an invoice the plan fully covers: not reconcilable (RA2).
      await api('POST', `/accounts/${accountId}/credit-notes`, {
        amount: amount(1000, 5000),
        date: today,
        reason: 'Rabais familial',
      });
    }
  }
}

/** EC: cards saved in the wallet that expire next month while they still pay upcoming payments. */
async function expiringCards({ account, card, amount, subscribe, installmentPlan, today, rnd }: Kit) {
  const [year, month] = today.split('-').map(Number) as [number, number];
  const next: [number, number] = month === 12 ? [1, year + 1] : [month + 1, year];
  for (let i = 0; i < 15; i++) {
    const accountId = await account();
    // Three of them are not in the wallet: they never appear (EC2).
    const methodId = await card(accountId, rnd.pick(['4242424242424242', '5555555555554444']), {
      exp: next,
      wallet: i >= 3,
    });
    if (i % 2 === 0) await subscribe(accountId, methodId, addDays(today, rnd.int(2, 20)), amount(3000, 8000));
    else await installmentPlan(accountId, methodId, amount(20000, 45000), today, addDays(today, 10), 31);
  }
}

const DECLINING_CARDS: Record<string, string> = {
  card_declined: '4000000000000002',
  insufficient_funds: '4000000000009995',
  expired_card: '4000000000000069',
  processing_error: '4000000000000119',
  lost_card: '4000000000009987',
  stolen_card: '4000000000009979',
};
const FORCED_DECLINES = [
  'do_not_honor',
  'try_again_later',
  'incorrect_cvc',
  'card_velocity_exceeded',
  'generic_decline',
];
const RETURN_ACCOUNTS = ['999001', '999002', '999003', '999004', '999007', '999009', '999010', '999016'];

interface DemoTime {
  at(instant: Date): Promise<Date>;
  daysAgo(days: number): Date;
  runJob(name: 'payments-due' | 'echeck-settlement'): Promise<unknown>;
  timeZone: string;
}

/** FT: failures of every type and many reasons, spread over the last weeks; a few recovered or paid elsewhere. */
async function failedTransactions(c: Container, kit: Kit, time: DemoTime) {
  const { api, account, card, amount, invoice, subscribe, installmentPlan, rnd } = kit;
  const { at, daysAgo, runJob, timeZone } = time;
  const decliningCard = async (accountId: string) => {
    const code = rnd.pick([...Object.keys(DECLINING_CARDS), ...FORCED_DECLINES]);
    const methodId = await card(accountId, DECLINING_CARDS[code] ?? '4242424242424242');
    if (!DECLINING_CARDS[code])
      await api('POST', `/sandbox/payment-methods/${methodId}/next-outcome`, { outcome: code });
    return methodId;
  };

  // Subscriptions and installments that fail when their charge comes due.
  for (let i = 0; i < 26; i++) {
    const day = daysAgo(rnd.int(1, 26));
    await at(day);
    const date = todayIn(timeZone, day);
    const accountId = await account();
    const methodId = await decliningCard(accountId);
    if (i % 2 === 0) await subscribe(accountId, methodId, date, amount(3000, 9000));
    else await installmentPlan(accountId, methodId, amount(18000, 48000), date, date, 30);
    await runJob('payments-due');
  }

  // eCheck payments returned by the customer's bank two business days later.
  for (const accountNumber of RETURN_ACCOUNTS) {
    const presented = rnd.int(6, 24);
    await at(daysAgo(presented));
    const accountId = await account();
    const date = todayIn(timeZone, daysAgo(presented));
    const value = amount(5000, 30000);
    const invoiceId = await invoice(accountId, value, date);
    const bank = await api<{ id: string }>('POST', `/accounts/${accountId}/payment-methods`, {
      type: 'echeck',
      routingNumber: '021000021',
      accountNumber,
      holderName: 'Titulaire du compte',
      saveToWallet: true,
    });
    await api('POST', `/accounts/${accountId}/payments`, {
      amount: value,
      date,
      method: 'echeck',
      paymentMethodId: bank.id,
      invoiceId,
    });
    await at(daysAgo(presented - 4));
    await runJob('echeck-settlement');
  }

  // Card refunds refused because the merchant account lacked funds.
  for (let i = 0; i < 6; i++) {
    const day = daysAgo(rnd.int(1, 20));
    await at(day);
    const date = todayIn(timeZone, day);
    const accountId = await account();
    const methodId = await card(accountId, '4242424242424242');
    const value = amount(5000, 20000);
    const invoiceId = await invoice(accountId, value, date);
    const payment = await api<{ id: string }>('POST', `/accounts/${accountId}/payments`, {
      amount: value,
      date,
      method: 'card',
      paymentMethodId: methodId,
      invoiceId,
    });
    await api('PUT', '/sandbox/merchant-balance', { amount: 0 });
    await api('POST', `/accounts/${accountId}/refunds`, {
      amount: Math.round(value / 10) * 5,
      paymentId: payment.id,
      date,
    });
    await api('PUT', '/sandbox/merchant-balance', { amount: 5_000_000 });
  }

  // A few recoveries (the customer gave a new card; the retry succeeded) and payments made elsewhere (FT7).
  await at(daysAgo(0));
  const entries = await api<{
    items: { id: string; accountId: string; type: string; actions: { retry: boolean } }[];
  }>('GET', '/action-center/failed-transactions?limit=200');
  const retryable = entries.items.filter(
    (e) => e.actions.retry && (e.type === 'subscription' || e.type === 'installment'),
  );
  for (const entry of retryable.slice(0, 5)) {
    const methodId = await card(entry.accountId, '4242424242424242');
    const upcoming = await api<{ items: { source: string; sourceId: string }[] }>(
      'GET',
      `/accounts/${entry.accountId}/upcoming-payments`,
    );
    if (upcoming.items.length === 0) continue;
    for (const u of upcoming.items) {
      const path =
        u.source === 'subscription' ? `/subscriptions/${u.sourceId}` : `/installment-plans/${u.sourceId}`;
      await api('PATCH', path, { paymentMethodId: methodId });
    }
    // RC2: a new method already retried an entry that needed one (409 then: nothing more to do).
    await api('POST', `/action-center/failed-transactions/${entry.id}/retry`).catch((err: Error) => {
      if (!err.message.includes('→ 409')) throw err;
    });
  }
  await c.queue.drain({ timeoutMs: 120_000 });
  for (const entry of retryable.slice(5, 8)) {
    const ledger = await api<{ items: { id: string; kind: string; openAmount: number }[] }>(
      'GET',
      `/accounts/${entry.accountId}/ledger`,
    );
    const openInvoice = ledger.items.find((d) => d.kind === 'invoice' && d.openAmount > 0);
    if (!openInvoice) continue;
    await api('POST', `/accounts/${entry.accountId}/payments`, {
      amount: openInvoice.openAmount,
      date: todayIn(timeZone, daysAgo(0)),
      method: 'cheque',
      invoiceId: openInvoice.id,
    });
  }
}
