import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiToken, baseUrl, expectAccessible, launch, newPage, screenshot, signIn } from './browser';
import { createAccount, eventually, orgToday, unique } from './fixtures';

// Issue 16 (fr-CA, administrator): the audit log reads as sentences a person knows — names, French action
// labels, money as money, labelled details, links to the subject — and filters by action, person and dates on
// the server; the billing contact's digest switch tells the truth; the e-mail log does not cut its badges.

let browser: Browser;
let page: Page;
let token: string;
const run = unique();
let accountId: string;
let me: { id: string; name: string };

beforeAll(async () => {
  browser = await launch();
  token = await apiToken();
  me = await api(token, 'GET', '/me');
  const account = await createAccount(token, `Aurèle Audit ${run}`);
  accountId = account.id;
  const invoice = await api<{ id: string }>(token, 'POST', `/accounts/${accountId}/invoices`, {
    amount: 10_000,
    date: await orgToday(token, -5),
    reference: `INV-A-${run}`,
  });
  const credit = await api<{ id: string }>(token, 'POST', `/accounts/${accountId}/credit-notes`, {
    amount: 4_000,
    date: await orgToday(token, -1),
  });
  await api(token, 'POST', `/accounts/${accountId}/allocations`, {
    creditId: credit.id,
    debitId: invoice.id,
    amount: 4_000,
  });
  ({ page } = await newPage(browser, 'fr-CA'));
  await signIn(page);
});
afterAll(async () => browser?.close());

const rowsOfAccount = () =>
  page.getByTestId('audit-row').filter({ has: page.locator(`a[href="/accounts/${accountId}/ledger"]`) });

describe('audit log and settings (fr-CA)', () => {
  it('shows who did what in French, money formatted, details labelled, linked to the account', async () => {
    await page.goto(`${baseUrl()}/settings/audit-log`);
    await page.getByTestId('audit-filter-action').selectOption('allocation.created');
    await eventually(() => rowsOfAccount().count()).toBe(1);
    const row = rowsOfAccount().first();
    expect(await row.getByTestId('audit-action').textContent()).toBe('Affectation faite');
    expect(await row.getByTestId('audit-actor').textContent()).toBe(me.name);
    const details = (await row.getByTestId('audit-details').textContent()) ?? '';
    expect(details).toContain('Montant\u00a0: 40,00\u00a0$');
    // No raw JSON, no amount in cents.
    expect(details).not.toMatch(/[{}"]|(^|\W)4000(\W|$)/);
    expect(await page.getByTestId('audit-action').allTextContents()).not.toContain('allocation.created');
    await screenshot(page, 'settings-audit-log-filtered-fr-CA');
    await expectAccessible(page, 'settings audit log fr-CA');

    await row.getByTestId('audit-subject-link').click();
    await page.waitForURL(new RegExp(`/accounts/${accountId}/ledger$`));
  });

  it('filters by dates and by person on the server', async () => {
    await page.goto(`${baseUrl()}/settings/audit-log`);
    await page.getByTestId('audit-filter-action').selectOption('account.created');
    await eventually(() => rowsOfAccount().count()).toBe(1);
    // A range that ends before today: nothing from today's set-up.
    await page.getByTestId('audit-filter-to').fill(await orgToday(token, -1));
    await eventually(() => rowsOfAccount().count()).toBe(0);
    await page.getByTestId('audit-filter-to').fill('');
    await page.getByTestId('audit-filter-from').fill(await orgToday(token));
    await eventually(() => rowsOfAccount().count()).toBe(1);

    const staff = (await api<{ items: { id: string; role: string }[] }>(token, 'GET', '/users')).items.find(
      (user) => user.role === 'staff',
    );
    expect(staff).toBeDefined();
    await page.getByTestId('audit-filter-actor').selectOption(staff!.id);
    await page.getByTestId('audit-empty').waitFor();
    expect(await page.getByTestId('audit-empty').textContent()).toBe(
      'Aucune entrée ne correspond à ces filtres.',
    );
    await page.getByTestId('audit-filter-clear').click();
    await page.getByTestId('audit-row').first().waitFor();
  });

  it('shows the billing contact’s digest as always on, and says so', async () => {
    const organization = await api<{ billingContactUserId: string | null }>(token, 'GET', '/organization');
    expect(organization.billingContactUserId).toBe(me.id);
    await page.goto(`${baseUrl()}/settings/email-preferences`);
    const digest = page.getByTestId('digest-switch');
    await digest.waitFor({ state: 'attached' });
    await eventually(() => digest.isChecked()).toBe(true);
    expect(await digest.isDisabled()).toBe(true);
    await page
      .getByText(/Vous êtes le contact principal pour la facturation\u00a0: vous le recevez toujours/)
      .waitFor();
    await screenshot(page, 'settings-email-preferences-fr-CA');
  });

  it('shows each e-mail status badge whole', async () => {
    await page.goto(`${baseUrl()}/settings/emails`);
    await page.getByTestId('email-status').first().waitFor();
    const cut = await page.getByTestId('email-status').evaluateAll(
      (badges) =>
        badges.filter((badge) => {
          const label = badge.querySelector('span') ?? badge;
          return label.scrollWidth > label.clientWidth + 1 || badge.scrollWidth > badge.clientWidth + 1;
        }).length,
    );
    expect(cut).toBe(0);
    await screenshot(page, 'settings-emails-fr-CA');
  });

  it('checks every field of the user and account forms before sending, next to the field, in French', async () => {
    const before = (await api<{ items: unknown[] }>(token, 'GET', '/users')).items.length;
    await page.goto(`${baseUrl()}/settings/users`);
    await page.getByTestId('user-email').fill('pas-une-adresse');
    await page.getByTestId('user-password').fill('court');
    await page.getByTestId('user-create').click();
    const form = page.getByTestId('user-form');
    await form.getByText('Obligatoire.').waitFor();
    await form.getByText('Doit être une adresse courriel.').waitFor();
    await form.getByText('Au moins 8 caractères.').waitFor();
    expect(await page.getByTestId('user-name').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'settings-user-form-checked-fr-CA');
    // The message follows what is typed, and goes once the value is right.
    await page.getByTestId('user-name').fill('Camille Contrôle');
    await eventually(() => form.getByText('Obligatoire.').count()).toBe(0);
    expect((await api<{ items: unknown[] }>(token, 'GET', '/users')).items.length).toBe(before);

    await page.goto(`${baseUrl()}/accounts`);
    await page.getByTestId('account-new').click();
    const account = page.getByTestId('new-account-form');
    await account.waitFor();
    await account.locator('button[type="submit"]').click();
    await eventually(() => account.getByText('Obligatoire.').count()).toBe(2);
    await page.getByTestId('new-account-email').fill('x@y');
    await account.getByText('Doit être une adresse courriel.').waitFor();
  });
});
