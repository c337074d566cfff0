import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiToken, baseUrl, launch, newPage, screenshot, signIn } from './browser';
import { CARDS, entryOf, eventually, failingSubscription, rowById, runJob, unique } from './fixtures';

// The language race: a person whose profile says one language signs in from a browser set to the other, with
// nothing saved in that browser. The UI must settle on the profile's language before it fetches any data, so
// reasons and next steps (worded by the server) never arrive in the browser's language.

let browser: Browser;
let token: string;
const run = unique();
let entryId: string;

async function reasonIn(locale: 'fr-CA' | 'en-CA'): Promise<{ reason: string; next: string }> {
  const res = await fetch(`${baseUrl()}/api/v1/action-center/failed-transactions?limit=200`, {
    headers: { authorization: `Bearer ${token}`, 'accept-language': locale },
  });
  const body = (await res.json()) as {
    items: { id: string; reason: { message: string }; recommendedAction: { message: string } }[];
  };
  const entry = body.items.find((item) => item.id === entryId)!;
  return { reason: entry.reason.message, next: entry.recommendedAction.message };
}

/** Every data request the page makes, with the language it asked for. */
function recordLanguages(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!url.pathname.startsWith('/api/v1/action-center')) return;
    seen.push(request.headers()['accept-language'] ?? '');
  });
  return seen;
}

beforeAll(async () => {
  browser = await launch();
  token = await apiToken();
  const failing = await failingSubscription(token, `Langue Course ${run}`, CARDS.declined, 1700);
  await runJob(token, 'payments-due');
  const entry = await entryOf(token, failing.account.id);
  if (!entry) throw new Error('the declined subscription made no failed entry');
  entryId = entry.id;
});
afterAll(async () => browser?.close());

describe('the language is settled before data is fetched', () => {
  const cases = [
    { profile: 'fr-CA', browserLocale: 'en-CA', nav: "Centre d'action" },
    { profile: 'en-CA', browserLocale: 'fr-CA', nav: 'Action Center' },
  ] as const;
  for (const { profile, browserLocale, nav } of cases) {
    it(`a ${profile} profile signed in from a ${browserLocale} browser works in ${profile}`, async () => {
      const email = `langue.${profile.toLowerCase()}.${run}@e2e.example.ca`;
      const password = 'mot-de-passe-e2e-1';
      await api(token, 'POST', '/users', {
        email,
        name: `Langue ${profile} ${run}`,
        password,
        role: 'accountant',
        locale: profile,
      });
      const { context, page } = await newPage(browser, browserLocale, { storeLocale: false });
      const languages = recordLanguages(page);
      await signIn(page, email, password);
      const expected = await reasonIn(profile);
      const row = rowById(page, 'ft-row', entryId);
      await row.waitFor();
      await eventually(() => page.evaluate(() => document.documentElement.lang)).toBe(profile);
      expect(await page.getByTestId('nav-action-center').textContent()).toContain(nav);
      expect(await row.textContent()).toContain(expected.reason);
      expect(await row.getByTestId('ft-recommended').textContent()).toBe(expected.next);
      // Not one Action Center request went out in the browser's language, not even first.
      expect(languages.length).toBeGreaterThan(0);
      expect(new Set(languages)).toEqual(new Set([profile]));
      await screenshot(page, `language-${profile}-from-${browserLocale}-browser`);
      await context.close();
    });
  }
});
