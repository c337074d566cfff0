import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiToken, baseUrl, expectAccessible, launch, newPage, screenshot, signIn } from './browser';
import {
  CARDS,
  drainQueue,
  entryOf,
  eventually,
  type FailedEntry,
  failedEntries,
  failingSubscription,
  rowById,
  runJob,
  unique,
} from './fixtures';

// Journey 5 (en-CA): the customer notice of a failed payment carries a portal link; the owner saves a new
// card (in the wallet, and the subscription now uses it) and pays; the Action Center then flags the entry
// paid elsewhere (FT7). A tampered link gets the invalid-link page.

let browser: Browser;
let token: string;
const run = unique();
let failing: Awaited<ReturnType<typeof failingSubscription>>;
let entry: FailedEntry;
let portalUrl: string;

beforeAll(async () => {
  browser = await launch();
  token = await apiToken();
  failing = await failingSubscription(token, `Paul Portail ${run}`, CARDS.declined, 7_500, {
    locale: 'en-CA',
  });
  await runJob(token, 'payments-due');
  const found = await entryOf(token, failing.account.id);
  if (!found) throw new Error('the failed entry was not created');
  entry = found;
});
afterAll(async () => browser?.close());

describe('customer portal (en-CA)', () => {
  it("finds the portal link in the owner's payment-failed e-mail", async () => {
    await drainQueue(token);
    const emails = await api<{ items: { id: string; to: string }[] }>(
      token,
      'GET',
      '/emails?kind=customer_payment_failed&limit=200',
    );
    const notice = emails.items.find((email) => email.to === failing.account.ownerEmail);
    expect(notice).toBeDefined();
    // The delivery log keeps the message without a usable link; the sandbox opens it as the recipient would.
    const logged = await api<{ text: string }>(token, 'GET', `/emails/${notice!.id}`);
    expect(logged.text).toContain('token=sent-to-recipient-only.');
    const full = await api<{ text: string; html: string }>(
      token,
      'POST',
      `/sandbox/emails/${notice!.id}/open`,
    );
    const link = new RegExp(`${baseUrl().replace(/[.]/g, '\\.')}/portal/[^\\s"'<>]+`).exec(full.text)?.[0];
    expect(link).toBeDefined();
    portalUrl = link!;
    expect(full.html).toContain(portalUrl.replace(/&/g, '&amp;'));
  });

  it('saves a new card from the portal, pays now and shows the success', async () => {
    const { context, page } = await newPage(browser, 'en-CA');
    await page.goto(portalUrl);
    const payment = rowById(page, 'portal-payment', entry.id);
    await payment.waitFor();
    expect(await payment.textContent()).toContain('$75.00');
    expect(await payment.textContent()).toContain('The card was declined.');
    await screenshot(page, 'portal-en-CA');
    await expectAccessible(page, 'portal en-CA');

    await page.getByTestId('card-number').fill(CARDS.ok);
    await page.getByTestId('card-exp-month').fill('11');
    await page.getByTestId('card-exp-year').fill('2031');
    await page.getByTestId('card-cvc').fill('123');
    await page.getByTestId('portal-card-submit').click();
    await eventually(async () => {
      const methods = await api<{ items: { last4: string; inWallet: boolean; expYear: number }[] }>(
        token,
        'GET',
        `/accounts/${failing.account.id}/payment-methods`,
      );
      return methods.items.some((m) => m.last4 === '4242' && m.inWallet && m.expYear === 2031);
    }).toBe(true);
    await eventually(() => payment.getByTestId('portal-pay-card').inputValue()).toContain('4242');
    const upcoming = await api<{ items: { paymentMethod: { last4: string } }[] }>(
      token,
      'GET',
      `/accounts/${failing.account.id}/upcoming-payments`,
    );
    expect(upcoming.items.map((item) => item.paymentMethod.last4)).toEqual(upcoming.items.map(() => '4242'));

    await payment.getByTestId('portal-pay').click();
    const result = payment.getByTestId('portal-pay-result');
    await result.waitFor();
    expect(await result.getAttribute('data-status')).toBe('succeeded');
    await screenshot(page, 'portal-paid-en-CA');
    // The link reopened offers nothing to pay again (MS1): a link used for a payment is revoked, so the
    // owner sees how to get a new one.
    await page.reload();
    await page.getByTestId('portal-invalid').waitFor();
    expect(await page.getByTestId('portal-pay').count()).toBe(0);
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'portal-reopened-en-CA-390');
    await expectAccessible(page, 'portal reopened 390');
    await context.close();
  });

  it('flags the entry paid elsewhere in the Action Center, findable with its filter', async () => {
    await eventually(async () => (await entryOf(token, failing.account.id))?.paidElsewhere).toBe(true);
    const { context, page } = await newPage(browser, 'en-CA');
    await signIn(page);
    const row = rowById(page, 'ft-row', entry.id);
    await row.getByTestId('ft-paid-elsewhere').waitFor();
    // The list asks the server for those entries only (a filter of loaded pages would show a few of them
    // while the export, filtered by the server, has them all).
    const filtered = page.waitForRequest(
      (r) => /\/action-center\/failed-transactions\?/.test(r.url()) && r.url().includes('paidElsewhere=true'),
    );
    await page.getByTestId('filter-paid-elsewhere').click();
    await filtered;
    await row.waitFor();
    // The toggle goes through the address bar (filters are shareable), so the rows change a render later.
    await eventually(async () => {
      const rows = await page.getByTestId('ft-row').count();
      return rows > 0 && (await page.getByTestId('ft-paid-elsewhere').count()) === rows;
    }).toBe(true);
    await screenshot(page, 'failed-transactions-paid-elsewhere-en-CA');
    // Issue 16: the export with the toggle on is the paid-elsewhere rows only, not the whole list.
    const expected = await failedEntries(token, 'paidElsewhere=true');
    expect(expected.every((e) => e.paidElsewhere)).toBe(true);
    expect(await page.getByTestId('ft-row').count()).toBe(expected.length);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-csv').click(),
    ]);
    mkdirSync('test-results/downloads', { recursive: true });
    const path = `test-results/downloads/paid-elsewhere-${entry.id}.csv`;
    await download.saveAs(path);
    const exported = (parse(await readFile(path, 'utf8'), { bom: true }) as string[][]).slice(1);
    expect(exported.map((r) => r[4]).sort()).toEqual(expected.map((e) => e.paymentId).sort());
    expect(exported.map((r) => r[13])).toEqual(expected.map(() => 'yes'));
    await context.close();
  });

  it('shows the invalid-link page for a tampered link', async () => {
    const url = new URL(portalUrl);
    const tokenValue = url.searchParams.get('token') ?? '';
    const last = tokenValue.at(-1) === 'A' ? 'B' : 'A';
    url.searchParams.set('token', `${tokenValue.slice(0, -1)}${last}`);
    const { context, page } = await newPage(browser, 'en-CA');
    await page.goto(url.toString());
    await page.getByTestId('portal-invalid').waitFor();
    expect(await page.getByTestId('portal-payment').count()).toBe(0);
    await screenshot(page, 'portal-invalid-en-CA');
    await expectAccessible(page, 'portal invalid link en-CA');
    await context.close();
  });
});
