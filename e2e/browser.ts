import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';

export const DEMO = { email: 'admin@demo.recoup.local', password: 'recoup-demo' };

export function baseUrl(): string {
  return inject('baseUrl');
}

/**
 * The run's one Chromium (started by global-setup.ts), connected to over its WebSocket; close() on the
 * returned handle disconnects this journey file and leaves the browser to the next one.
 */
export async function launch(): Promise<Browser> {
  return chromium.connect(inject('browserWsEndpoint'));
}

/**
 * A browser context in one language. CSP is bypassed only so that axe-core can be injected;
 * the pages themselves run under the server's real policy in production.
 */
export async function newPage(
  browser: Browser,
  locale: 'fr-CA' | 'en-CA',
  opts: { storeLocale?: boolean; viewport?: { width: number; height: number }; timezoneId?: string } = {},
) {
  const phone = (opts.viewport?.width ?? 1400) < 600;
  const context = await browser.newContext({
    locale,
    bypassCSP: true,
    acceptDownloads: true,
    viewport: opts.viewport ?? { width: 1400, height: 900 },
    // A phone is touched, not hovered: media queries and Mantine's touch handling see what a phone reports.
    ...(phone ? { isMobile: true, hasTouch: true } : {}),
    ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}),
  });
  // Most journeys pin the UI's language as if chosen in this browser; the language journey does not.
  if (opts.storeLocale ?? true) {
    await context.addInitScript((l) => window.localStorage.setItem('recoup.locale', l), locale);
  }
  const page = await context.newPage();
  return { context, page };
}

/** A bearer token for API set-up calls made by a journey (the browser itself signs in through the UI). */
export async function apiToken(email = DEMO.email, password = DEMO.password): Promise<string> {
  const res = await fetch(`${baseUrl()}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 201) throw new Error(`token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

export async function api<T = any>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${baseUrl()}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

export async function signIn(page: Page, email = DEMO.email, password = DEMO.password) {
  await page.goto(`${baseUrl()}/login`);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(/action-center/);
}

/** Saves a screenshot for reviewers under test-results/screenshots/. */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}) {
  if (opts.fullPage === false) {
    // What is in view, as it is: a dialog open over the page. A full-page image stretches the viewport to
    // the page's height for the capture, and a dialog open over the failed list did not survive it.
    await page.screenshot({ path: `test-results/screenshots/${name}.png` });
    return;
  }
  // From the top, so the fixed header is drawn where it belongs in the full-page image.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

const require = createRequire(import.meta.url);

/** Runs axe-core on the page and fails on serious or critical violations. */
export async function expectAccessible(page: Page, label: string) {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const violations = (await page.evaluate(async () => {
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n: any) => n.target.join(' ')),
    }));
  })) as { id: string; impact: string; help: string; targets: string[] }[];
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious, `${label}: ${JSON.stringify(serious)}`).toEqual([]);
}

/** The two widths every screen is reviewed at: a desktop and a phone held upright (390 × 844). */
export const WIDTHS = [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
] as const;

/**
 * The review's screenshot of one screen: test-results/screenshots/<screen>-<lang>-<width>.png, so that every
 * screen can be compared across both languages and both widths.
 */
export async function screenAt(page: Page, screen: string, lang: 'fr-CA' | 'en-CA') {
  const width = page.viewportSize()?.width ?? 0;
  await screenshot(page, `${screen}-${lang}-${width}`);
}

/** Nothing wider than the viewport: the page never scrolls sideways (a table scrolls inside its own box). */
export async function expectNoSideScroll(page: Page, label: string) {
  const width = page.viewportSize()?.width ?? 0;
  const found = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    // What sticks out, to say where to look when it fails.
    wide: Array.from(document.querySelectorAll('body *'))
      .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .filter((el) => !el.closest('[data-scroll-x], .mantine-ScrollArea-viewport, [hidden]'))
      .slice(0, 5)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}.${String(el.className).split(' ')[0]} ${el.textContent?.slice(0, 40)}`,
      ),
  }));
  expect(
    found.scrollWidth,
    `${label}: page ${found.scrollWidth}px wide at ${width}px; ${found.wide.join(' | ')}`,
  ).toBeLessThanOrEqual(width);
}

/** The screen has loaded: no request in flight for a moment and no spinner left. */
export async function settle(page: Page) {
  await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => undefined);
  await page
    .locator('[role="status"] .mantine-Loader-root')
    .first()
    .waitFor({ state: 'detached', timeout: 10_000 })
    .catch(() => undefined);
}

/**
 * Waits for a page's first content, reloading once when it does not come. In full runs a page sometimes never
 * drew its content within 30 s (the embedded database is one connection: a scheduled job running then holds
 * every request back); the same page, reloaded, draws at once. Twice in a row is a failure.
 */
export async function ready(page: Page, testId: string) {
  try {
    await page.getByTestId(testId).first().waitFor({ timeout: 60_000 });
  } catch {
    await page.reload();
    await page.getByTestId(testId).first().waitFor({ timeout: 60_000 });
  }
}
