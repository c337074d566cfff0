import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiToken, baseUrl, expectAccessible, launch, newPage, screenshot, signIn } from './browser';
import {
  addCard,
  CARDS,
  createAccount,
  drainQueue,
  eventually,
  orgToday,
  rowById,
  subscribe,
  unique,
} from './fixtures';

// Journey 2 (fr-CA): a wallet card that expires next month under a subscription is listed; "send the reminder
// again" sends it, a second click gets the 24-hour limit in French; the owner's name opens the account in a
// new tab. A card outside the wallet is never listed (EC2).

let browser: Browser;
let context: BrowserContext;
let page: Page;
let token: string;
const run = unique();
let accountId: string;
let ownerEmail: string;
let expiring: { id: string; last4: string };
let notInWallet: { id: string };

beforeAll(async () => {
  browser = await launch();
  token = await apiToken();
  const today = await orgToday(token);
  const [year, month] = today.split('-').map(Number) as [number, number];
  const next = month === 12 ? { expMonth: 1, expYear: year + 1 } : { expMonth: month + 1, expYear: year };
  const account = await createAccount(token, `Émile Expiration ${run}`);
  accountId = account.id;
  ownerEmail = account.ownerEmail;
  expiring = await addCard(token, accountId, CARDS.ok, next);
  notInWallet = await addCard(token, accountId, CARDS.ok, { ...next, saveToWallet: false });
  const start = await orgToday(token, 5);
  await subscribe(token, accountId, expiring.id, 6500, start);
  await subscribe(token, accountId, notInWallet.id, 3000, start);
  ({ context, page } = await newPage(browser, 'fr-CA'));
  await signIn(page);
});
afterAll(async () => browser?.close());

describe('expiring cards (fr-CA)', () => {
  it('lists the wallet card that expires next month, not the one outside the wallet', async () => {
    await page.goto(`${baseUrl()}/action-center/expiring-cards`);
    const row = rowById(page, 'ec-row', expiring.id);
    await row.waitFor();
    const text = await row.textContent();
    expect(text).toContain(`Émile Expiration ${run}`);
    expect(text).toContain(expiring.last4);
    expect(text).toContain('65,00');
    expect(await rowById(page, 'ec-row', notInWallet.id).count()).toBe(0);
    // Issue 16: the brand as its owner writes it; "again" only once a reminder went out; the page says when
    // reminders go out by themselves and what the amount at risk counts.
    expect(await row.getByTestId('ec-card').textContent()).toMatch(/^Visa •••• /);
    expect(await row.getByTestId('ec-remind').textContent()).toBe('Envoyer un rappel');
    expect(await page.getByTestId('ec-schedule').textContent()).toMatch(
      /premier jour du mois qui précède l’expiration.*Montant à risque\u00a0: les prélèvements/,
    );
    expect(await page.getByTestId('ec-at-risk-help').getAttribute('aria-label')).toMatch(/^Montant à risque/);
    await screenshot(page, 'expiring-cards-fr-CA');
    await expectAccessible(page, 'expiring cards fr-CA');
  });

  it('sends the reminder again, then refuses a second one within 24 hours with a French message', async () => {
    const row = rowById(page, 'ec-row', expiring.id);
    await row.getByTestId('ec-remind').click();
    await eventually(() => row.getByTestId('ec-reminder-sent').textContent()).not.toBe('Pas encore envoyé');
    await eventually(() => row.getByTestId('ec-remind').textContent()).toBe('Envoyer le rappel de nouveau');
    await page.getByText('Le rappel est en route.').first().waitFor();
    await drainQueue(token);
    const emails = await api<{ items: { to: string; kind: string }[] }>(
      token,
      'GET',
      '/emails?kind=card_expiry_reminder&limit=200',
    );
    expect(emails.items.filter((email) => email.to === ownerEmail)).toHaveLength(1);

    await row.getByTestId('ec-remind').click();
    const tooSoon = row.getByTestId('ec-remind-too-soon');
    await tooSoon.waitFor();
    expect(await tooSoon.textContent()).toMatch(/^Un nouveau rappel pourra être envoyé à partir du /);
    // Said once, next to the button: no error notification on top (with the server's English detail).
    expect(
      await page
        .getByRole('alert')
        .filter({ hasText: /reminder was sent/ })
        .count(),
    ).toBe(0);
    expect(await page.getByText('Un problème est survenu').count()).toBe(0);
    await screenshot(page, 'expiring-cards-too-soon-fr-CA');
  });

  it("opens the owner's account in a new tab", async () => {
    const link = rowById(page, 'ec-row', expiring.id).getByTestId('ec-owner');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('href')).toBe(`/accounts/${accountId}/wallet`);
    const [tab] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await tab.waitForURL(new RegExp(`/accounts/${accountId}/wallet$`));
    await rowById(tab, 'wallet-row', expiring.id).waitFor();
    await screenshot(tab, 'account-wallet-fr-CA');
    await expectAccessible(tab, 'account wallet fr-CA');
    await tab.close();
  });
});
