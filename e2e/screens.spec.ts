import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  apiToken,
  baseUrl,
  expectAccessible,
  expectNoSideScroll,
  launch,
  newPage,
  screenAt,
  settle,
  signIn,
  WIDTHS,
} from './browser';
import { CARDS, drainQueue, failingSubscription, runJob, unique } from './fixtures';

// Journey (issue 16, phone layout): every screen in both languages at 1440 px and at 390 × 844 — the page never
// scrolls sideways, axe finds nothing serious, and a screenshot of each lands in test-results/screenshots/ as
// <screen>-<lang>-<width>.png for the review. On a phone the header holds on one line (the menu opens from the
// burger), the failed list's reason filter is a select and its rows are cards with their amount and actions.

let browser: Browser;
let token: string;
const run = unique();
let accountId: string;
let portalUrl: string;

const LANGS = ['fr-CA', 'en-CA'] as const;

/** The admin screens, by the name their screenshots carry, and what shows each has loaded. */
const SCREENS: { name: string; path: () => string; ready: string }[] = [
  { name: 'failed-transactions', path: () => '/action-center/failed-transactions', ready: 'ft-table' },
  { name: 'expiring-cards', path: () => '/action-center/expiring-cards', ready: 'tab-expiring-cards' },
  {
    name: 'reconcilable-accounts',
    path: () => '/action-center/reconcilable-accounts',
    ready: 'tab-reconcilable-accounts',
  },
  { name: 'accounts', path: () => '/accounts', ready: 'accounts-table' },
  { name: 'account-ledger', path: () => `/accounts/${accountId}/ledger`, ready: 'account-owner' },
  { name: 'account-wallet', path: () => `/accounts/${accountId}/wallet`, ready: 'account-owner' },
  {
    name: 'account-upcoming',
    path: () => `/accounts/${accountId}/upcoming-payments`,
    ready: 'upcoming-table',
  },
  { name: 'settings-organization', path: () => '/settings/organization', ready: 'tab-settings-organization' },
  { name: 'settings-retry-policy', path: () => '/settings/retry-policy', ready: 'tab-settings-retry-policy' },
  { name: 'settings-users', path: () => '/settings/users', ready: 'tab-settings-users' },
  {
    name: 'settings-email-preferences',
    path: () => '/settings/email-preferences',
    ready: 'tab-settings-email-preferences',
  },
  { name: 'settings-emails', path: () => '/settings/emails', ready: 'tab-settings-emails' },
  { name: 'settings-audit-log', path: () => '/settings/audit-log', ready: 'tab-settings-audit-log' },
];

/**
 * Waits for the screen; in the whole suite a 1440 px page has been seen stuck before its first paint (not
 * reproduced alone), so it is loaded again once before the screen counts as broken.
 */
async function ready(page: Page, testId: string) {
  try {
    await page.getByTestId(testId).first().waitFor({ timeout: 60_000 });
  } catch {
    await page.reload();
    await page.getByTestId(testId).first().waitFor({ timeout: 60_000 });
  }
}

async function review(page: Page, screen: string, lang: (typeof LANGS)[number]) {
  await settle(page);
  const width = page.viewportSize()?.width ?? 0;
  await expectNoSideScroll(page, `${screen} ${lang} ${width}`);
  await expectAccessible(page, `${screen} ${lang} ${width}`);
  await screenAt(page, screen, lang);
}

beforeAll(async () => {
  browser = await launch();
  token = await apiToken();
  // One account with a failed subscription (a row in the failed list, an upcoming charge, a card) and the
  // owner's e-mail, whose portal link is the customer's screen.
  const failing = await failingSubscription(token, `Éloïse Écran ${run}`, CARDS.insufficientFunds, 6_400);
  accountId = failing.account.id;
  await runJob(token, 'payments-due');
  await drainQueue(token);
  const emails = await api<{ items: { id: string; to: string }[] }>(
    token,
    'GET',
    '/emails?kind=customer_payment_failed&limit=200',
  );
  const notice = emails.items.find((email) => email.to === failing.account.ownerEmail);
  if (!notice) throw new Error('no payment-failed notice for the screens journey');
  const full = await api<{ text: string }>(token, 'POST', `/sandbox/emails/${notice.id}/open`);
  const link = new RegExp(`${baseUrl().replace(/[.]/g, '\\.')}/portal/[^\\s"'<>]+`).exec(full.text)?.[0];
  if (!link) throw new Error('no portal link in the notice');
  portalUrl = link;
});
afterAll(async () => browser?.close());

describe.each(LANGS)('every screen in %s', (lang) => {
  for (const viewport of WIDTHS) {
    it(`at ${viewport.width} px: no sideways scroll, axe clean, a screenshot each`, {
      timeout: 480_000,
    }, async () => {
      const { context, page } = await newPage(browser, lang, { viewport });
      try {
        await page.goto(`${baseUrl()}/login`);
        await page.getByTestId('login-email').waitFor();
        await review(page, 'login', lang);
        await signIn(page);
        for (const screen of SCREENS) {
          await page.goto(`${baseUrl()}${screen.path()}`);
          await ready(page, screen.ready);
          await review(page, screen.name, lang);
        }
        await page.goto(portalUrl);
        await page.getByTestId('portal-link-summary').waitFor();
        await review(page, 'portal', lang);
      } finally {
        await context.close();
      }
    });
  }
});

describe('on a phone (390 × 844)', () => {
  let page: Page;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const opened = await newPage(browser, 'fr-CA', { viewport: { width: 390, height: 844 } });
    page = opened.page;
    close = () => opened.context.close();
    await signIn(page);
  });
  afterAll(async () => close?.());

  it('keeps the header on one line and opens the menu from the burger', async () => {
    const header = page.locator('header').first();
    const fits = await header.evaluate((el) => el.scrollWidth <= el.clientWidth);
    expect(fits).toBe(true);
    expect(await page.getByTestId('logout').isVisible()).toBe(false);
    await page.getByTestId('nav-burger').click();
    await page.getByTestId('logout-phone').waitFor();
    await review(page, 'menu', 'fr-CA');
    await page.getByTestId('nav-accounts').click();
    await page.waitForURL(/\/accounts$/);
    await page.getByTestId('accounts-table').waitFor();
    expect(await page.getByTestId('accounts-table').getAttribute('data-layout')).toBe('cards');
  });

  it('shows the failed list as cards with amount and actions in view, and the reasons as one select', async () => {
    await page.goto(`${baseUrl()}/action-center/failed-transactions`);
    await page.getByTestId('ft-row').first().waitFor();
    expect(await page.getByTestId('ft-table').getAttribute('data-layout')).toBe('cards');
    // No wall of reason chips: one select, whose choices each say how many rows they leave.
    expect(
      await page.locator('[data-testid^="filter-reason-"]:not([data-testid="filter-reason-select"])').count(),
    ).toBe(0);
    const select = page.getByTestId('filter-reason-select');
    await select.click();
    const options = await page.getByRole('option').allTextContents();
    expect(options.length).toBeGreaterThan(0);
    for (const option of options) expect(option).toMatch(/\(\d+\)$/);
    await page.keyboard.press('Escape');
    const card = page.getByTestId('ft-row').first();
    for (const part of ['ft-amount', 'ft-recommended', 'ft-customer']) {
      const box = await card.getByTestId(part).boundingBox();
      expect(box, part).not.toBeNull();
      expect(box!.x + box!.width, part).toBeLessThanOrEqual(390);
    }
    await expectNoSideScroll(page, 'failed list on a phone');
  });
});
