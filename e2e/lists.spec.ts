import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, baseUrl, expectAccessible, launch, newPage, ready, screenshot, signIn } from './browser';
import {
  addCard,
  CARDS,
  entryOf,
  eventually,
  type FailedEntry,
  failedEntries,
  failingSubscription,
  rowById,
  runJob,
  unique,
} from './fixtures';

// Journey (issue 16, fr-CA): the lists as a new administrator uses them — the failed list's filters live in the
// address (reload, share, Back), its reasons narrow with the other filters and say how many rows each leaves,
// a customer's name opens the account file; names sort as a French-Canadian reader expects; times read in the
// organization's zone (America/Toronto) from a browser set to Tokyo; the Upcoming payments tab pauses, resumes,
// cancels and edits with confirmations; after Change payment method the failed row shows the new card.

let browser: Browser;
let context: BrowserContext;
let page: Page;
let token: string;
const run = unique();
let emilie: Awaited<ReturnType<typeof failingSubscription>>;
let zoe: Awaited<ReturnType<typeof failingSubscription>>;
let emilieEntry: FailedEntry;
let zoeEntry: FailedEntry;

const BROWSER_ZONE = 'Asia/Tokyo';
const ORG_ZONE = 'America/Toronto';

beforeAll(async () => {
  browser = await launch();
  token = await apiToken();
  zoe = await failingSubscription(token, `Zoé Liste ${run}`, CARDS.insufficientFunds, 4_100);
  emilie = await failingSubscription(token, `Émilie Liste ${run}`, CARDS.declined, 5_300);
  await runJob(token, 'payments-due');
  emilieEntry = (await entryOf(token, emilie.account.id))!;
  zoeEntry = (await entryOf(token, zoe.account.id))!;
  expect(emilieEntry.reason.code).not.toBe(zoeEntry.reason.code);
  ({ context, page } = await newPage(browser, 'fr-CA', { timezoneId: BROWSER_ZONE }));
  await signIn(page);
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
});

const failedRow = (entry: FailedEntry) => rowById(page, 'ft-row', entry.id);

describe('the failed list (fr-CA)', () => {
  it('keeps its filters in the address: reload and Back give the same filters and rows', async () => {
    await page.goto(`${baseUrl()}/action-center/failed-transactions`);
    await failedRow(zoeEntry).waitFor();
    await page.getByTestId('filter-method-card').click();
    await page.waitForURL(/[?&]method=card/);
    const reasonChip = page.getByTestId(`filter-reason-${zoeEntry.reason.code}`);
    // FT9: each reason offered says how many rows it leaves under the other filters.
    await expect.poll(() => reasonChip.textContent()).toMatch(/\(\d+\)$/);
    await reasonChip.click();
    await page.waitForURL(new RegExp(`reason=${zoeEntry.reason.code}`));
    await failedRow(emilieEntry).waitFor({ state: 'detached' });
    await failedRow(zoeEntry).waitFor();
    const shown = () =>
      page.getByTestId('ft-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    const expected = (await failedEntries(token, `paymentMethod=card&reason=${zoeEntry.reason.code}`)).slice(
      0,
      50,
    );
    await eventually(shown).toEqual(expected.map((entry) => entry.id));
    const before = await shown();

    await page.reload();
    await failedRow(zoeEntry).waitFor();
    await eventually(shown).toEqual(before);
    // The chips render from the address once the reasons facet has answered: poll rather than read once.
    await expect.poll(() => reasonChip.locator('input').isChecked()).toBe(true);
    await expect.poll(() => page.getByTestId('filter-method-card').locator('input').isChecked()).toBe(true);

    // The address alone (as shared) opens the same list in a new tab.
    const shared = await context.newPage();
    await shared.goto(page.url());
    await rowById(shared, 'ft-row', zoeEntry.id).waitFor();
    expect(await rowById(shared, 'ft-row', emilieEntry.id).count()).toBe(0);
    await shared.close();

    await page.goBack();
    await page.waitForURL((url) => !url.search.includes('reason='));
    await failedRow(emilieEntry).waitFor();
    expect(page.url()).toMatch(/method=card/);
  });

  it('offers only the reasons the other filters leave rows for', async () => {
    await page.goto(`${baseUrl()}/action-center/failed-transactions?method=echeck`);
    await ready(page, 'ft-table');
    await page.waitForLoadState('networkidle').catch(() => undefined);
    // Card declines cannot be among the eCheck failures: their chips are not offered at all.
    expect(await page.getByTestId(`filter-reason-${zoeEntry.reason.code}`).count()).toBe(0);
    expect(await page.getByTestId(`filter-reason-${emilieEntry.reason.code}`).count()).toBe(0);
    const chips = await page.locator('[data-testid^="filter-reason-"]').allTextContents();
    for (const chip of chips) expect(chip).toMatch(/\(([1-9]\d*)\)$/);
    await expectAccessible(page, 'failed list filtered by eCheck');
  });

  it("opens the account file from the customer's name; the row itself does not pretend to be a link", async () => {
    await page.goto(`${baseUrl()}/action-center/failed-transactions?method=card`);
    await failedRow(emilieEntry).waitFor();
    expect(await page.getByTestId('ft-table').getAttribute('data-hover')).toBeNull();
    await failedRow(emilieEntry).getByTestId('ft-customer').click();
    await page.waitForURL(new RegExp(`/accounts/${emilie.account.id}/ledger`));
    await page.getByTestId('account-owner').waitFor();
    expect(await page.getByTestId('account-owner').textContent()).toContain('Émilie Liste');
  });

  it("shows the failure time in the organization's zone, not the browser's", async () => {
    await page.goto(`${baseUrl()}/action-center/failed-transactions?method=card`);
    await failedRow(zoeEntry).waitFor();
    const failedAt = (await entryOf(token, zoe.account.id))!;
    const { org, browserZone } = await page.evaluate(
      ({ at, zone }) => {
        const options = { dateStyle: 'medium', timeStyle: 'short' } as const;
        return {
          org: new Intl.DateTimeFormat('fr-CA', { ...options, timeZone: zone }).format(new Date(at)),
          browserZone: new Intl.DateTimeFormat('fr-CA', options).format(new Date(at)),
        };
      },
      { at: (failedAt as unknown as { failedAt: string }).failedAt, zone: ORG_ZONE },
    );
    expect(org).not.toBe(browserZone);
    const text = await failedRow(zoeEntry).textContent();
    expect(text).toContain(org);
    expect(text).not.toContain(browserZone);
  });
});

describe('the accounts list (fr-CA)', () => {
  it('sorts "Émilie" before "Zoé" and keeps its search in the address', async () => {
    await page.goto(`${baseUrl()}/accounts`);
    await page.getByTestId('accounts-search').fill(`Liste ${run}`);
    await page.waitForURL(/[?&]q=/);
    await eventually(() => page.getByTestId('account-row').count()).toBe(2);
    const names = await page.getByTestId('account-row').allTextContents();
    expect(names[0]).toContain('Émilie Liste');
    expect(names[1]).toContain('Zoé Liste');
    await page.reload();
    await eventually(() => page.getByTestId('account-row').count()).toBe(2);
    expect(await page.getByTestId('accounts-search').inputValue()).toBe(`Liste ${run}`);
  });
});

describe('the Upcoming payments tab (fr-CA)', () => {
  const upcomingRow = (sourceId: string) =>
    page.locator(`[data-testid="upcoming-row"][data-source-id="${sourceId}"]`).first();

  async function act(sourceId: string, action: string, expectText: RegExp) {
    await upcomingRow(sourceId).getByTestId('upcoming-actions').click();
    await page.getByTestId(`upcoming-action-${action}`).click();
    const confirm = page.getByTestId('schedule-confirm-text');
    await confirm.waitFor();
    expect(await confirm.textContent()).toMatch(expectText);
    // The actions menu closes with a transition: checked while it fades, its emptied dropdown is a menu
    // without items (axe aria-required-children). The confirmation is what a person sees now.
    await page.locator('[role="menu"]').waitFor({ state: 'detached' });
    await expectAccessible(page, `confirm ${action}`);
    await page.getByTestId('schedule-confirm-ok').click();
    await confirm.waitFor({ state: 'detached' });
  }

  it('pauses and resumes a subscription, cancels it at period end, each confirmed with what happens', async () => {
    await page.goto(`${baseUrl()}/accounts/${zoe.account.id}/upcoming-payments`);
    const row = upcomingRow(zoe.subscription.id);
    await row.waitFor();
    expect(await row.getByTestId('upcoming-status').getAttribute('data-schedule')).toBe('active');
    await screenshot(page, `upcoming-actions-fr-CA-${run}`);

    // The confirmation names the amount withdrawn (41,00 $).
    await act(zoe.subscription.id, 'pause', /41,00\s\$/);
    await eventually(() => row.getByTestId('upcoming-status').getAttribute('data-schedule')).toBe('paused');
    expect(await row.getByTestId('upcoming-status').textContent()).toMatch(/En pause/);

    await act(zoe.subscription.id, 'resume', /reprennent/);
    await eventually(() =>
      page
        .locator(
          `[data-testid="upcoming-row"][data-source-id="${zoe.subscription.id}"] [data-schedule="active"]`,
        )
        .count(),
    ).toBeGreaterThan(0);

    await act(zoe.subscription.id, 'cancelAtPeriodEnd', /période en cours/);
    await eventually(() =>
      page
        .locator(
          `[data-testid="upcoming-row"][data-source-id="${zoe.subscription.id}"] [data-schedule="cancelled"]`,
        )
        .count(),
    ).toBeGreaterThan(0);
    await expectAccessible(page, 'upcoming payments after the lifecycle');
  });

  it('edits one scheduled payment and, after Change payment method, the failed row shows the new card', async () => {
    const newCard = await addCard(token, emilie.account.id, CARDS.ok);
    await page.goto(`${baseUrl()}/action-center/failed-transactions?method=card`);
    await failedRow(emilieEntry).waitFor();
    expect(await failedRow(emilieEntry).getByTestId('ft-next-method').count()).toBe(0);
    await failedRow(emilieEntry).getByTestId('ft-change-method').click();
    await page.waitForURL(new RegExp(`/accounts/${emilie.account.id}/upcoming-payments`));

    const row = upcomingRow(emilie.subscription.id);
    await row.waitFor();
    await row.getByTestId('upcoming-actions').click();
    await page.getByTestId('upcoming-action-edit').click();
    await page.getByTestId('schedule-edit-amount').fill('57,25');
    await page.getByTestId('schedule-edit-save').click();
    await page.getByTestId('schedule-edit').waitFor({ state: 'detached' });
    await eventually(() => row.textContent()).toMatch(/57,25\s\$/);

    await row.getByTestId('upcoming-method-select').click();
    await page.getByRole('option', { name: new RegExp(newCard.last4) }).click();
    await page
      .getByText(/mode de paiement a été modifié|payment method was changed/i)
      .first()
      .waitFor();

    await page.goBack();
    await page.waitForURL(/failed-transactions/);
    const next = failedRow(emilieEntry).getByTestId('ft-next-method');
    await next.waitFor();
    expect(await next.textContent()).toContain(newCard.last4);
    await screenshot(page, `failed-row-next-card-fr-CA-${run}`);
  });
});
