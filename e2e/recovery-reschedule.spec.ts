import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiToken, baseUrl, launch, newPage, screenshot, signIn } from './browser';
import {
  addCard,
  CARDS,
  createAccount,
  eventually,
  type FailedEntry,
  failedEntries,
  orgToday,
  rowById,
  runJob,
  unique,
} from './fixtures';

// Journey (fr-CA then en-CA): installment-aware recovery (RC6) and the dunning pause (RC5) through the UI.
// A failed installment is rescheduled with each mode — onto the next installment and spread over the rest in
// French, a new installment on a chosen date in English — and leaves the list while its plan carries the amount;
// a dunning pause is set on the account file and ended there, in both languages, and the row follows.

let browser: Browser;
let token: string;
const run = unique();

interface Upcoming {
  status: string;
  dueDate: string;
  amount: number;
  source: string;
  sourceId: string;
}

/** An installment plan of 3 × $30 on a declined card whose first installment (today) fails: one entry. */
async function failingPlan(ownerName: string, locale: 'fr-CA' | 'en-CA') {
  const account = await createAccount(token, ownerName, locale);
  const card = await addCard(token, account.id, CARDS.declined);
  const today = await orgToday(token);
  const invoice = await api<{ id: string }>(token, 'POST', `/accounts/${account.id}/invoices`, {
    amount: 9000,
    date: today,
    description: 'Camp d’été e2e',
  });
  const plan = await api<{ id: string }>(token, 'POST', `/accounts/${account.id}/installment-plans`, {
    invoiceId: invoice.id,
    paymentMethodId: card.id,
    installments: [
      { dueDate: today, amount: 3000 },
      { dueDate: await orgToday(token, 30), amount: 3000 },
      { dueDate: await orgToday(token, 60), amount: 3000 },
    ],
  });
  return { account, plan };
}

const planUpcoming = async (accountId: string, planId: string) =>
  (await api<{ items: Upcoming[] }>(token, 'GET', `/accounts/${accountId}/upcoming-payments`)).items
    // What is still to be charged (the rescheduled installment itself shows as cancelled).
    .filter((p) => p.source === 'installment' && p.sourceId === planId && p.status === 'scheduled')
    .map((p) => ({ dueDate: p.dueDate, amount: p.amount }));

let plans: Record<
  'next' | 'spread' | 'dated' | 'pausedFr' | 'pausedEn',
  Awaited<ReturnType<typeof failingPlan>>
>;
let entries: Record<keyof typeof plans, FailedEntry>;

beforeAll(async () => {
  browser = await launch();
  token = await apiToken();
  const [next, spread, dated, pausedFr, pausedEn] = await Promise.all([
    failingPlan(`Noémie Report ${run}`, 'fr-CA'),
    failingPlan(`Gaston Étalé ${run}`, 'fr-CA'),
    failingPlan(`Olivia Dated ${run}`, 'en-CA'),
    failingPlan(`Béatrice Pause ${run}`, 'fr-CA'),
    failingPlan(`Wendy Pause ${run}`, 'en-CA'),
  ]);
  plans = { next, spread, dated, pausedFr, pausedEn };
  await runJob(token, 'payments-due');
  const all = await failedEntries(token);
  const of = (k: keyof typeof plans) => {
    const found = all.find((e) => e.accountId === plans[k].account.id);
    if (!found) throw new Error(`no failed entry for ${k}`);
    expect(found.type).toBe('installment');
    return found;
  };
  entries = {
    next: of('next'),
    spread: of('spread'),
    dated: of('dated'),
    pausedFr: of('pausedFr'),
    pausedEn: of('pausedEn'),
  };
});
afterAll(async () => browser?.close());

async function reschedule(page: Page, entry: FailedEntry, mode: string, date?: string) {
  await page.goto(`${baseUrl()}/action-center/failed-transactions`);
  const row = rowById(page, 'ft-row', entry.id);
  await row.getByTestId('ft-reschedule').click();
  await page.getByTestId('reschedule-form').waitFor();
  await page.getByTestId(`reschedule-${mode}`).click();
  if (date) await page.getByTestId('reschedule-date').fill(date);
  return row;
}

/** Sets a pause on the account file, checks the badge on the file and on the row, then ends it there. */
async function pauseThenResume(page: Page, key: 'pausedFr' | 'pausedEn', reason: string, badge: RegExp) {
  const { account } = plans[key];
  await page.goto(`${baseUrl()}/accounts/${account.id}/ledger`);
  await page.getByTestId('dunning-pause-open').click();
  await page.getByTestId('dunning-until').fill(await orgToday(token, 14));
  await page.getByTestId('dunning-reason').fill(reason);
  await page.getByTestId('dunning-save').click();
  await page.getByTestId('account-dunning-paused').waitFor();
  expect(await page.getByTestId('account-dunning-paused').textContent()).toMatch(badge);
  await page.goto(`${baseUrl()}/action-center/failed-transactions`);
  const row = rowById(page, 'ft-row', entries[key].id);
  await row.getByTestId('ft-dunning-paused').waitFor();

  await page.goto(`${baseUrl()}/accounts/${account.id}/ledger`);
  await page.getByTestId('dunning-resume').click();
  await page.getByTestId('account-dunning-paused').waitFor({ state: 'detached' });
  await page.getByTestId('dunning-pause-open').waitFor();
  expect(await api(token, 'GET', `/accounts/${account.id}/dunning-pause`)).toBeNull();
  await page.goto(`${baseUrl()}/action-center/failed-transactions`);
  await row.waitFor();
  expect(await row.getByTestId('ft-dunning-paused').count()).toBe(0);
}

describe('installment recovery and dunning pause (fr-CA)', () => {
  let page: Page;
  beforeAll(async () => {
    ({ page } = await newPage(browser, 'fr-CA'));
    await signIn(page);
  });

  it('RC6: reports le versement échoué sur le prochain; l’entrée quitte la liste', async () => {
    const row = await reschedule(page, entries.next, 'next_installment');
    await screenshot(page, 'recovery-reschedule-next-fr-CA', { fullPage: false });
    await page.getByTestId('reschedule-save').click();
    await row.waitFor({ state: 'detached' });
    const { account, plan } = plans.next;
    await eventually(async () => (await planUpcoming(account.id, plan.id)).map((p) => p.amount)).toEqual([
      6000, 3000,
    ]);
  });

  it('RC6: répartit le montant sur les versements restants', async () => {
    const row = await reschedule(page, entries.spread, 'spread');
    await page.getByTestId('reschedule-save').click();
    await row.waitFor({ state: 'detached' });
    const { account, plan } = plans.spread;
    await eventually(async () => (await planUpcoming(account.id, plan.id)).map((p) => p.amount)).toEqual([
      4500, 4500,
    ]);
  });

  it('RC5: suspend les relances depuis le dossier du compte, puis y met fin', async () => {
    await pauseThenResume(page, 'pausedFr', 'Famille parrainée', /Relances suspendues/);
  });
});

describe('installment recovery and dunning pause (en-CA)', () => {
  let page: Page;
  beforeAll(async () => {
    ({ page } = await newPage(browser, 'en-CA'));
    await signIn(page);
  });

  it('RC6: adds a new installment on a chosen date; the entry leaves the list', async () => {
    const date = await orgToday(token, 10);
    const row = await reschedule(page, entries.dated, 'new_installment', date);
    expect(await page.getByTestId('reschedule-form').textContent()).toContain(
      'Add a new installment on a date',
    );
    await screenshot(page, 'recovery-reschedule-new-en-CA', { fullPage: false });
    await page.getByTestId('reschedule-save').click();
    await row.waitFor({ state: 'detached' });
    const { account, plan } = plans.dated;
    await eventually(async () => await planUpcoming(account.id, plan.id)).toEqual([
      { dueDate: date, amount: 3000 },
      { dueDate: await orgToday(token, 30), amount: 3000 },
      { dueDate: await orgToday(token, 60), amount: 3000 },
    ]);
  });

  it('RC5: pauses dunning on the account file, then ends the pause there', async () => {
    await pauseThenResume(page, 'pausedEn', 'Hardship arrangement', /Dunning paused/);
  });
});
