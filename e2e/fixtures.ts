import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { api } from './browser';

/**
 * Set-up through the public API, under the demo organization: every journey makes its own accounts with a
 * unique owner name, so nothing depends on the demo's rows or on another journey.
 */

export const CARDS = {
  ok: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  stolen: '4000000000009979',
} as const;

let serial = 0;
/** A short suffix unique to this run and call, so owner names never collide with the demo or a rerun. */
export function unique(): string {
  serial += 1;
  return `${Date.now().toString(36).slice(-5)}${serial}`;
}

export interface Account {
  id: string;
  ownerName: string;
  ownerEmail: string;
}

export async function createAccount(
  token: string,
  ownerName: string,
  locale: 'fr-CA' | 'en-CA' = 'fr-CA',
): Promise<Account> {
  const email = `${ownerName
    .normalize('NFD')
    .replace(/[^A-Za-z0-9]+/g, '.')
    .toLowerCase()}@e2e.example.ca`;
  return api<Account>(token, 'POST', '/accounts', { ownerName, ownerEmail: email, locale });
}

export async function addCard(
  token: string,
  accountId: string,
  number: string,
  opts: { expMonth?: number; expYear?: number; saveToWallet?: boolean } = {},
): Promise<{ id: string; last4: string; inWallet: boolean }> {
  return api(token, 'POST', `/accounts/${accountId}/payment-methods`, {
    type: 'card',
    number,
    expMonth: opts.expMonth ?? 12,
    expYear: opts.expYear ?? 2031,
    cvc: '123',
    saveToWallet: opts.saveToWallet ?? true,
  });
}

export async function subscribe(
  token: string,
  accountId: string,
  paymentMethodId: string,
  amount: number,
  startDate: string,
): Promise<{ id: string }> {
  return api(token, 'POST', `/accounts/${accountId}/subscriptions`, {
    amount,
    interval: 'month',
    startDate,
    paymentMethodId,
    description: 'Natation e2e',
  });
}

/** Today's date in the organization's time zone, by the sandbox clock. */
export async function orgToday(token: string, plusDays = 0): Promise<string> {
  const [{ now }, org] = await Promise.all([
    api<{ now: string }>(token, 'GET', '/sandbox/clock'),
    api<{ timezone: string }>(token, 'GET', '/organization'),
  ]);
  const day = new Date(new Date(now).getTime() + plusDays * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: org.timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(day);
}

export async function runJob(token: string, name: string) {
  return api(token, 'POST', `/sandbox/jobs/${name}`);
}

export async function drainQueue(token: string) {
  return api(token, 'POST', '/sandbox/queue/drain');
}

export interface FailedEntry {
  id: string;
  accountId: string;
  paymentId: string;
  customerName: string;
  type: string;
  status: string;
  attempts: number;
  paidElsewhere: boolean;
  reason: { code: string; message: string };
  failedAt: string;
}

export async function failedEntries(token: string, query = ''): Promise<FailedEntry[]> {
  const items: FailedEntry[] = [];
  let cursor: string | null = null;
  do {
    const qs = new URLSearchParams(query);
    qs.set('limit', '200');
    if (cursor) qs.set('cursor', cursor);
    const page: { items: FailedEntry[]; nextCursor: string | null } = await api(
      token,
      'GET',
      `/action-center/failed-transactions?${qs}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** The open failed-transaction entry of an account (there is exactly one in these journeys). */
export async function entryOf(token: string, accountId: string): Promise<FailedEntry | undefined> {
  return (await failedEntries(token)).find((entry) => entry.accountId === accountId);
}

/** A subscription on a card that fails when payments-due charges it today: one failed entry. */
export async function failingSubscription(
  token: string,
  ownerName: string,
  card: string,
  amount: number,
  opts: { locale?: 'fr-CA' | 'en-CA'; forcedOutcome?: string } = {},
) {
  const account = await createAccount(token, ownerName, opts.locale);
  const method = await addCard(token, account.id, card);
  if (opts.forcedOutcome) {
    await api(token, 'POST', `/sandbox/payment-methods/${method.id}/next-outcome`, {
      outcome: opts.forcedOutcome,
    });
  }
  const subscription = await subscribe(token, account.id, method.id, amount, await orgToday(token));
  return { account, method, subscription };
}

export async function ledger(token: string, accountId: string) {
  return (
    await api<{
      items: {
        id: string;
        kind: string;
        amount: number;
        openAmount: number;
        date: string;
        reference: string | null;
      }[];
    }>(token, 'GET', `/accounts/${accountId}/ledger?limit=200`)
  ).items;
}

/**
 * Prints, after a failed journey, the rows the page shows, what the page says (an alert, the address) and
 * the newest entries the API answers, and keeps a screenshot: enough to tell a stale page from a missing row.
 */
export async function explainListFailure(page: Page, token: string, testId: string, name: string) {
  try {
    const shown = await page
      .getByTestId(testId)
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    const alerts = await page.getByRole('alert').allTextContents();
    const answered = await failedEntries(token);
    console.error(
      `[${name}] at ${page.url()}: ${shown.length} rows shown, first ${JSON.stringify(shown.slice(0, 6))}; ` +
        `alerts ${JSON.stringify(alerts)}; the API has ${answered.length}, newest ` +
        JSON.stringify(answered.slice(0, 6).map((e) => [e.id, e.failedAt, e.status])),
    );
    mkdirSync('test-results/screenshots', { recursive: true });
    await page.screenshot({
      path: `test-results/screenshots/failure-${testId}-${Date.now()}.png`,
      fullPage: true,
    });
  } catch (err) {
    console.error(`[${name}] could not describe the page: ${String(err)}`);
  }
}

/** The row of a list whose test id and data-id match (for example the failed transaction of an account). */
export function rowById(page: Page, testId: string, id: string) {
  return page.locator(`[data-testid="${testId}"][data-id="${id}"]`);
}

/** Wait until an element is visible; a clearer failure than a bare timeout. */
export async function visible(page: Page, selector: string, timeout = 15_000) {
  await page.locator(selector).first().waitFor({ state: 'visible', timeout });
}

/** expect.poll with the journeys' usual patience for background work (workers, e-mails). */
export function eventually<T>(fn: () => Promise<T> | T, timeout = 20_000) {
  return expect.poll(fn, { timeout, interval: 250 });
}

/**
 * Remembers whether an element with this test id ever appears from now on, however briefly (the retry clock
 * and the export progress may last less than a polling interval). Read the answer with sawIt().
 */
export async function watchFor(page: Page, testId: string) {
  await page.evaluate((id) => {
    const scope = window as unknown as { e2eSeen?: Record<string, boolean> };
    scope.e2eSeen ??= {};
    const seen = scope.e2eSeen;
    seen[id] = false;
    const check = () => {
      if (document.querySelector(`[data-testid="${id}"]`)) seen[id] = true;
    };
    new MutationObserver(check).observe(document.body, { subtree: true, childList: true });
  }, testId);
}

export async function sawIt(page: Page, testId: string): Promise<boolean> {
  return page.evaluate(
    (id) => (window as unknown as { e2eSeen?: Record<string, boolean> }).e2eSeen?.[id] === true,
    testId,
  );
}
