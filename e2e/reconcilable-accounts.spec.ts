import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiToken, baseUrl, expectAccessible, launch, newPage, screenshot, signIn } from './browser';
import { createAccount, eventually, ledger, orgToday, rowById, unique } from './fixtures';

// Journey 3 (en-CA, administrator): an invoice and an equal credit note make a zero-balance reconcilable
// account; Reconcile previews the allocation, the reconciled row stays until the page is reloaded (RA9);
// Undo on another row just reconciled; "Reconcile all zero-balance accounts" runs to completion.

let browser: Browser;
let page: Page;
let token: string;
const run = unique();
let first: string;
let second: string;

/** A zero-balance account with two items; "Aab…" sorts it onto the first page in RA4 order. */
async function zeroBalanceAccount(name: string, amount: number) {
  const account = await createAccount(token, name, 'en-CA');
  await api(token, 'POST', `/accounts/${account.id}/invoices`, {
    amount,
    date: await orgToday(token, -10),
    reference: `INV-${run}`,
  });
  await api(token, 'POST', `/accounts/${account.id}/credit-notes`, {
    amount,
    date: await orgToday(token, -3),
    reason: 'Cours annulé',
  });
  return account.id;
}

const row = (accountId: string) => rowById(page, 'ra-row', accountId);
const state = (accountId: string) => row(accountId).getByTestId('ra-state').getAttribute('data-state');

beforeAll(async () => {
  browser = await launch();
  token = await apiToken();
  [first, second] = await Promise.all([
    zeroBalanceAccount(`Aabel Conciliation ${run}`, 12_000),
    zeroBalanceAccount(`Aabert Annulation ${run}`, 8_000),
  ]);
  ({ page } = await newPage(browser, 'en-CA'));
  await signIn(page);
});
afterAll(async () => browser?.close());

describe('reconcilable accounts (en-CA)', () => {
  it('lists the zero-balance account, its owner opening the account file in a new tab', async () => {
    await page.goto(`${baseUrl()}/action-center/reconcilable-accounts`);
    await row(first).waitFor();
    const text = await row(first).textContent();
    expect(text).toContain(`Aabel Conciliation ${run}`);
    expect(text).toContain('$120.00');
    const owner = row(first).getByTestId('ra-owner');
    expect(await owner.getAttribute('target')).toBe('_blank');
    expect(await owner.getAttribute('href')).toBe(`/accounts/${first}/ledger`);
    await screenshot(page, 'reconcilable-accounts-en-CA');
    await expectAccessible(page, 'reconcilable accounts en-CA');
  });

  it('previews, reconciles, and keeps the reconciled row until the page is reloaded (RA9)', async () => {
    await row(first).getByTestId('ra-reconcile').click();
    const allocations = page.getByTestId('reconcile-preview-allocations');
    await allocations.waitFor();
    expect(await allocations.locator('tbody tr').count()).toBe(1);
    expect(await allocations.textContent()).toContain('$120.00');
    // The documents as people read them (kind, reference, date), not their IDs.
    const allocation = await allocations.locator('tbody tr').textContent();
    expect(allocation).toContain('Credit note');
    expect(allocation).toContain(`Invoice INV-${run}`);
    expect(allocation).not.toMatch(/\b(cn|inv)_/);
    await screenshot(page, 'reconcile-preview-en-CA');
    await expectAccessible(page, 'reconcile preview en-CA');
    await page.getByTestId('reconcile-confirm').click();
    await allocations.waitFor({ state: 'detached' });
    await eventually(() => state(first)).toBe('reconciled');
    expect(await row(first).getByTestId('ra-debit').textContent()).toBe('$0.00');
    // Issue 16: the count agrees with the amounts once reconciled, and the reconcile says what it did.
    expect(await row(first).getByTestId('ra-items').textContent()).toBe('0');
    await page.getByText(`Aabel Conciliation ${run} is reconciled (1 allocation).`).waitFor();
    expect((await ledger(token, first)).map((document) => document.openAmount)).toEqual([0, 0]);
  });

  it('undoes the reconcile of another row just reconciled', async () => {
    await row(second).getByTestId('ra-reconcile').click();
    await page.getByTestId('reconcile-preview-allocations').waitFor();
    await page.getByTestId('reconcile-confirm').click();
    await eventually(() => state(second)).toBe('reconciled');
    await row(second).getByTestId('ra-undo').click();
    await eventually(() => state(second)).toBe('undone');
    await page.getByText(`The reconciliation of Aabert Annulation ${run} is undone.`).waitFor();
    expect((await ledger(token, second)).map((document) => document.openAmount)).toEqual([8_000, 8_000]);
    // Both rows still on screen with their status until the reload.
    expect(await state(first)).toBe('reconciled');
    await screenshot(page, 'reconcilable-accounts-after-undo-en-CA');

    await page.reload();
    await row(second).waitFor();
    expect(await row(first).count()).toBe(0);
    expect(await row(second).getByTestId('ra-state').count()).toBe(0);
  });

  it('reconciles every zero-balance account in a bulk job with a progress bar', async () => {
    // Issue 16: a destructive bulk action says how many accounts and how much before it runs.
    const expected = await api<{ accounts: number; amount: number }>(
      token,
      'GET',
      '/action-center/reconcilable-accounts/zero-balance-summary',
    );
    expect(expected.accounts).toBeGreaterThan(0);
    await page.getByTestId('reconcile-all').click();
    const summary = page.getByTestId('reconcile-all-summary');
    await summary.waitFor();
    const amount = new Intl.NumberFormat('en-CA', { style: 'currency', currency: 'CAD' }).format(
      expected.amount / 100,
    );
    expect(await summary.textContent()).toMatch(
      new RegExp(`^${expected.accounts} accounts? whose .* for ${amount.replace(/[$.]/g, '\\$&')} in all\\.`),
    );
    expect(await page.getByTestId('reconcile-all-progress').count()).toBe(0);
    await screenshot(page, 'reconcile-all-confirm-en-CA');
    await expectAccessible(page, 'reconcile all confirmation en-CA');
    await page.getByTestId('reconcile-all-go').click();
    await page.getByTestId('reconcile-all-progress').waitFor();
    const status = page.getByTestId('reconcile-all-status');
    await eventually(() => status.textContent(), 60_000).toMatch(
      /^Done: (\d+) of \1 accounts reconciled, 0 failed/,
    );
    expect(
      await page.getByTestId('reconcile-all-progress').getByRole('progressbar').getAttribute('aria-valuenow'),
    ).toBe('100');
    expect((await ledger(token, second)).map((document) => document.openAmount)).toEqual([0, 0]);
    // The bulk job is not RA9's single-row reconcile: once it is over the list reloads by itself, and the
    // accounts it reconciled leave it instead of still offering their Reconcile button.
    await eventually(() => row(second).count()).toBe(0);
    await screenshot(page, 'reconcile-all-done-en-CA');
    await page.reload();
    await page.getByTestId('ra-table').waitFor();
    expect(await row(second).count()).toBe(0);
  });
});
