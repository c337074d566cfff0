import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, baseUrl, expectAccessible, launch, newPage, screenshot, signIn } from './browser';
import {
  CARDS,
  type FailedEntry,
  failedEntries,
  failingSubscription,
  orgToday,
  rowById,
  runJob,
  unique,
} from './fixtures';

// Journey (fr-CA then en-CA): recovery automation — each row says when it is retried automatically and how many
// retries are left, the "will be retried automatically / needs you" filter, a dunning pause set on the account
// file and shown on the row, the retry policy form in Settings with a field error and an e-mail preview, and the
// recovery chart on the Action Center. Screenshots at 1440 and 390 px in both languages.

let browser: Browser;
let token: string;
const run = unique();
let soft: Awaited<ReturnType<typeof failingSubscription>>;
let hard: Awaited<ReturnType<typeof failingSubscription>>;
let softEntry: FailedEntry;
let hardEntry: FailedEntry;

async function shots(page: Page, name: string) {
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await screenshot(page, `${name}-${width}`);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

beforeAll(async () => {
  browser = await launch();
  token = await apiToken();
  [soft, hard] = await Promise.all([
    failingSubscription(token, `Rosalie Relance ${run}`, CARDS.declined, 4200),
    failingSubscription(token, `Hector Perdu ${run}`, CARDS.stolen, 3100),
  ]);
  await runJob(token, 'payments-due');
  const entries = await failedEntries(token);
  softEntry = entries.find((e) => e.accountId === soft.account.id)!;
  hardEntry = entries.find((e) => e.accountId === hard.account.id)!;
});
afterAll(async () => browser?.close());

describe('recovery automation (fr-CA)', () => {
  let page: Page;
  beforeAll(async () => {
    ({ page } = await newPage(browser, 'fr-CA'));
    await signIn(page);
  });

  it('shows the next automatic retry, or that the entry needs you, and filters on it', async () => {
    await page.goto(`${baseUrl()}/action-center/failed-transactions`);
    const softRow = rowById(page, 'ft-row', softEntry.id);
    const hardRow = rowById(page, 'ft-row', hardEntry.id);
    await softRow.waitFor();
    expect(await softRow.getByTestId('ft-next-retry').textContent()).toContain('Relance auto');
    expect(await softRow.getByTestId('ft-retries-left').textContent()).toMatch(/\d+ restantes?/);
    expect(await hardRow.getByTestId('ft-needs-you').textContent()).toContain('À traiter');
    await page.getByTestId('filter-retry-manual').click();
    await softRow.waitFor({ state: 'detached' });
    await hardRow.waitFor();
    await page.getByTestId('filter-retry-automatic').click();
    await hardRow.waitFor({ state: 'detached' });
    await softRow.waitFor();
    await shots(page, 'recovery-failed-transactions-fr-CA');
    await page.getByTestId('filter-retry-automatic').click();
  });

  it('pauses dunning from the account file; the row shows the badge', async () => {
    await page.goto(`${baseUrl()}/accounts/${soft.account.id}/ledger`);
    await page.getByTestId('dunning-pause-open').click();
    const until = await orgToday(token, 20);
    await page.getByTestId('dunning-until').fill(until);
    await page.getByTestId('dunning-save').click();
    // The reason is required: the field says so.
    await page.locator('[data-testid="dunning-pause-form"] [id$="-error"]').first().waitFor();
    await page.getByTestId('dunning-reason').fill('Entente de paiement');
    await page.getByTestId('dunning-save').click();
    await page.getByTestId('account-dunning-paused').waitFor();
    expect(await page.getByTestId('account-dunning-paused').textContent()).toContain('Relances suspendues');
    await shots(page, 'recovery-account-paused-fr-CA');
    await page.goto(`${baseUrl()}/action-center/failed-transactions`);
    const softRow = rowById(page, 'ft-row', softEntry.id);
    await softRow.getByTestId('ft-dunning-paused').waitFor();
    await expectAccessible(page, 'failed transactions with recovery fr-CA');
  });

  it('shows the recovery chart on the Action Center', async () => {
    await page.goto(`${baseUrl()}/action-center/failed-transactions`);
    await page.getByTestId('chart-recovery').waitFor();
    expect(await page.getByTestId('chart-recovery').textContent()).toContain('Recouvrement par semaine');
  });
});

describe('recovery automation (en-CA)', () => {
  let page: Page;
  beforeAll(async () => {
    ({ page } = await newPage(browser, 'en-CA'));
    await signIn(page);
  });

  it('edits the retry policy: a field error, then saved; previews an e-mail', async () => {
    await page.goto(`${baseUrl()}/settings/retry-policy`);
    await page.getByTestId('retry-policy-form').waitFor();
    await page.getByTestId('policy-offsets').fill('3, 1');
    await page.getByTestId('policy-save').click();
    // Caught before sending (fieldChecks), worded for the whole field.
    await page
      .getByText(/^At most 8 retries, each a number of days from 1 to 60, in increasing order/)
      .waitFor();
    await shots(page, 'recovery-settings-error-en-CA');
    await page.getByTestId('policy-offsets').fill('1, 3, 5, 7');
    await page.getByTestId('policy-save').click();
    await page.getByText('Saved.').waitFor();
    expect(await page.getByText(/^At most 8 retries/).count()).toBe(0);
    await page.getByTestId('policy-preview-final-notice').click();
    await page.getByTestId('dunning-preview-html').waitFor();
    await shots(page, 'recovery-settings-preview-en-CA');
    await page.keyboard.press('Escape');
    await expectAccessible(page, 'retry policy en-CA');
  });

  it('lists the entries with their recovery status in English; the chart in English', async () => {
    await page.goto(`${baseUrl()}/action-center/failed-transactions`);
    const softRow = rowById(page, 'ft-row', softEntry.id);
    await softRow.waitFor();
    expect(await softRow.getByTestId('ft-dunning-paused').textContent()).toBe('Dunning paused');
    await page.getByTestId('chart-recovery').waitFor();
    expect(await page.getByTestId('chart-recovery').textContent()).toContain('Recovery by failure week');
    await shots(page, 'recovery-failed-transactions-en-CA');
  });
});
