import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, expectAccessible, launch, newPage, screenshot, signIn } from './browser';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

describe('sign-in and the Action Center shell', () => {
  for (const locale of ['fr-CA', 'en-CA'] as const) {
    it(`signs in and shows Accounting & finance → Action Center (${locale})`, async () => {
      const { context, page } = await newPage(browser, locale);
      await signIn(page);
      const nav = locale === 'fr-CA' ? /Centre d.action/ : /Action Center/;
      await expect.poll(async () => page.getByText(nav).first().isVisible()).toBe(true);
      await screenshot(page, `action-center-${locale}`);
      await expectAccessible(page, `action center ${locale}`);
      await context.close();
    });
  }

  it('serves the API docs on the same port', async () => {
    const res = await fetch(`${baseUrl()}/docs/`);
    expect(res.status).toBe(200);
  });
});
