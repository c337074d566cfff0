import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, baseUrl, expectAccessible, launch, newPage, screenshot, signIn } from './browser';
import { eventually } from './fixtures';

// Journey 4 (fr-CA, staff "accueil"): action_center.view only — no Reconcilable accounts section, no retry,
// ignore, change-method or reminder buttons, and the reconcile API refuses them (RA7).

const STAFF = { email: 'accueil@demo.recoup.local', password: 'recoup-demo' };

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launch();
  ({ page } = await newPage(browser, 'fr-CA'));
  await signIn(page, STAFF.email, STAFF.password);
});
afterAll(async () => browser?.close());

describe('staff (fr-CA): permission-hidden actions and section', () => {
  it('sees failed transactions without the retry, ignore or change-method buttons', async () => {
    await page.getByTestId('ft-row').first().waitFor();
    await page.getByTestId('count-failed-transactions').waitFor();
    expect(await page.getByTestId('tab-reconcilable-accounts').count()).toBe(0);
    expect(await page.getByTestId('count-reconcilable-accounts').count()).toBe(0);
    expect(await page.getByTestId('ft-retry').count()).toBe(0);
    expect(await page.getByTestId('ft-ignore').count()).toBe(0);
    expect(await page.getByTestId('ft-change-method').count()).toBe(0);
    // Issue 16: told they are read-only, so the missing buttons are not a fault.
    expect(await page.getByTestId('read-only-notice').textContent()).toMatch(/^Accès en lecture seule/);
    await screenshot(page, 'staff-failed-transactions-fr-CA');
    await expectAccessible(page, 'staff failed transactions fr-CA');
  });

  it('sees expiring cards without the reminder button', async () => {
    await page.getByTestId('tab-expiring-cards').click();
    await page.getByTestId('ec-row').first().waitFor();
    expect(await page.getByTestId('ec-remind').count()).toBe(0);
    await screenshot(page, 'staff-expiring-cards-fr-CA');
  });

  it('is sent back to failed transactions from the reconcilable accounts address; the API answers 403', async () => {
    await page.goto(`${baseUrl()}/action-center/reconcilable-accounts`);
    await page.waitForURL(/\/action-center\/failed-transactions$/);
    expect(await page.getByTestId('ra-row').count()).toBe(0);
    // Not silently: the page says why they are here.
    expect(await page.getByTestId('read-only-denied').textContent()).toMatch(
      /^Vous n’avez pas accès à la page demandée/,
    );
    const token = await apiToken(STAFF.email, STAFF.password);
    const res = await fetch(`${baseUrl()}/api/v1/action-center/reconcilable-accounts`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(403);
  });

  it('switches the interface to English', async () => {
    await page.getByTestId('tab-failed-transactions').waitFor();
    expect(await page.getByTestId('tab-failed-transactions').textContent()).toMatch(/^Transactions échouées/);
    await page.getByTestId('language-switch').getByText('English').click();
    await eventually(() => page.getByTestId('tab-failed-transactions').textContent()).toMatch(
      /^Failed transactions/,
    );
    await screenshot(page, 'staff-failed-transactions-switched-en-CA');
  });
});
