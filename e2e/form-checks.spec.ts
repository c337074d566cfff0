import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiToken, baseUrl, launch, newPage, screenshot, signIn } from './browser';
import {
  addCard,
  CARDS,
  createAccount,
  drainQueue,
  eventually,
  type FailedEntry,
  failedEntries,
  orgToday,
  rowById,
  runJob,
  subscribe,
  unique,
} from './fixtures';

// Journey (fr-CA, then one form in en-CA): every form checks every field before it is sent. Submitting one
// empty or with bad values shows the message next to EACH bad field at once, in the viewer's language, sends
// nothing (no POST/PUT/PATCH/DELETE to /api/v1 during the submit), and puts the focus on the first bad field.
// Also: the allocation amount is pre-filled with the most that can be allocated, and an accepted refund says
// what happened.

let browser: Browser;
let page: Page;
let token: string;
const run = unique();
let accountId: string;
let paymentId: string;
let subscriptionId: string;
let failedEntry: FailedEntry;
let failedOwnerEmail: string;
let yesterday: string;
/** Writes the page sent to the API so far. */
let writes = 0;

beforeAll(async () => {
  browser = await launch();
  token = await apiToken();
  const today = await orgToday(token);
  yesterday = await orgToday(token, -1);
  // An account with a card, a $100 invoice, a $50 cheque payment (refundable, unallocated) and a subscription
  // whose first charge is in ten days (an upcoming payment to edit).
  const account = await createAccount(token, `Fernande Formulaire ${run}`, 'fr-CA');
  accountId = account.id;
  const card = await addCard(token, accountId, CARDS.ok);
  await api(token, 'POST', `/accounts/${accountId}/invoices`, {
    amount: 10_000,
    date: today,
    reference: `FAC-F-${run}`,
  });
  paymentId = (
    await api<{ id: string }>(token, 'POST', `/accounts/${accountId}/payments`, {
      amount: 5_000,
      date: today,
      method: 'cheque',
    })
  ).id;
  subscriptionId = (await subscribe(token, accountId, card.id, 2_500, await orgToday(token, 10))).id;
  // A failed installment (declined card, due today): the row offers Ignore and Reschedule; its notice has a
  // portal link.
  const failing = await createAccount(token, `Gérald Échec ${run}`, 'fr-CA');
  failedOwnerEmail = failing.ownerEmail;
  const declined = await addCard(token, failing.id, CARDS.declined);
  const planInvoice = await api<{ id: string }>(token, 'POST', `/accounts/${failing.id}/invoices`, {
    amount: 6_000,
    date: today,
  });
  await api(token, 'POST', `/accounts/${failing.id}/installment-plans`, {
    invoiceId: planInvoice.id,
    paymentMethodId: declined.id,
    installments: [
      { dueDate: today, amount: 3_000 },
      { dueDate: await orgToday(token, 30), amount: 3_000 },
    ],
  });
  await runJob(token, 'payments-due');
  const found = (await failedEntries(token)).find((entry) => entry.accountId === failing.id);
  if (!found) throw new Error('no failed entry for the installment');
  failedEntry = found;

  ({ page } = await newPage(browser, 'fr-CA'));
  page.on('request', (request) => {
    if (request.url().includes('/api/v1/') && request.method() !== 'GET') writes += 1;
  });
  await signIn(page);
});
afterAll(async () => browser?.close());

/** Every field marked invalid in `scope`, by test id (or label), with the message Mantine ties to it. */
async function flagged(scope: Locator): Promise<Record<string, string>> {
  const pairs = await scope.evaluate((root) =>
    Array.from(root.querySelectorAll('[aria-invalid="true"]')).map((input) => {
      const name =
        input.getAttribute('data-testid') ?? input.getAttribute('aria-label') ?? input.id ?? 'unnamed';
      const message = (input.getAttribute('aria-describedby') ?? '')
        .split(/\s+/)
        .map((id) => (id ? document.getElementById(id) : null))
        .find((element) => element?.id.endsWith('-error'))?.textContent;
      return [name, message ?? ''] as const;
    }),
  );
  return Object.fromEntries(pairs);
}

/**
 * Submits a form that should be refused: exactly `expected` fields are flagged with these messages, no write
 * left for the API, and the focus is on `first`.
 */
async function refused(
  form: Locator,
  submit: Locator,
  expected: Record<string, string | RegExp>,
  first: string,
) {
  const before = writes;
  await submit.click();
  await eventually(async () => Object.keys(await flagged(form)).sort()).toEqual(Object.keys(expected).sort());
  const shown = await flagged(form);
  for (const [field, message] of Object.entries(expected)) {
    if (typeof message === 'string') expect(shown[field], field).toBe(message);
    else expect(shown[field], field).toMatch(message);
  }
  await eventually(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
    first,
  );
  // A request would have left in the same task as the click; give it a moment to show anyway.
  await page.waitForTimeout(150);
  expect(writes - before, 'requests sent by a refused submit').toBe(0);
}

/** Types into a DateField, then leaves it (its calendar closes; a mistyped text stays as typed). */
async function typeDate(field: Locator, text: string) {
  await field.fill(text);
  await field.press('Tab');
}

/** Closes the open modal by its close button (Escape in a date field only closes the calendar). */
async function closeModal(form: Locator) {
  await page.locator('.mantine-Modal-close').click();
  await form.waitFor({ state: 'detached' });
}

async function choose(testId: string, label: RegExp) {
  await page.getByTestId(testId).click();
  await page.getByRole('option', { name: label }).first().click();
}

const REQUIRED = 'Obligatoire.';
const NOT_A_DATE = 'Doit être une date (AAAA-MM-JJ).';
const NOT_AN_AMOUNT = 'Doit être un montant positif, p. ex. 12,50.';

describe('every form checks its fields before sending (fr-CA)', () => {
  it('wallet: the card (check digit, expiry, CVC) and the bank account', async () => {
    await page.goto(`${baseUrl()}/accounts/${accountId}/wallet`);
    const card = page.getByTestId('add-card-form');
    await card.waitFor();
    const addCard = page.getByTestId('add-card-submit');
    await refused(
      card,
      addCard,
      {
        'card-number': REQUIRED,
        'card-exp-month': REQUIRED,
        'card-exp-year': REQUIRED,
        'card-cvc': REQUIRED,
      },
      'card-number',
    );
    await page.getByTestId('card-number').fill('4242 4242 4242 4241');
    await page.getByTestId('card-exp-month').fill('1');
    await page.getByTestId('card-exp-year').fill(String(new Date().getFullYear() - 1));
    await page.getByTestId('card-cvc').fill('12');
    await refused(
      card,
      addCard,
      {
        'card-number': 'Ce numéro de carte n’existe pas\u00a0: vérifiez ses chiffres.',
        'card-exp-year': 'Entrez l’année d’expiration, cette année ou plus tard.',
        'card-cvc': 'Entrez les 3 ou 4 chiffres au dos de la carte.',
      },
      'card-number',
    );
    await screenshot(page, 'form-checks-card-fr-CA');

    const bank = page.getByTestId('echeck-form');
    const addBank = page.getByTestId('echeck-submit');
    await refused(
      bank,
      addBank,
      {
        'echeck-holder-name': REQUIRED,
        'echeck-routing-number': REQUIRED,
        'echeck-account-number': REQUIRED,
      },
      'echeck-holder-name',
    );
    await page.getByTestId('echeck-holder-name').fill('Fernande Formulaire');
    await page.getByTestId('echeck-routing-number').fill('1234');
    await page.getByTestId('echeck-account-number').fill('12');
    await refused(
      bank,
      addBank,
      {
        'echeck-routing-number': /^Doit être un numéro de transit et d’institution/,
        'echeck-account-number': 'Doit compter de 4 à 17 chiffres.',
      },
      'echeck-routing-number',
    );
  });

  it('ledger: an invoice, a payment, an allocation (pre-filled with the most it can be) and a refund', async () => {
    await page.goto(`${baseUrl()}/accounts/${accountId}/ledger`);
    await rowById(page, 'ledger-row', paymentId).waitFor();

    await page.getByTestId('open-document-form').click();
    const documentForm = page.getByTestId('document-form');
    await typeDate(page.getByTestId('document-date'), '2026-13-45');
    await refused(
      documentForm,
      page.getByTestId('document-submit'),
      { 'document-amount': REQUIRED, 'document-date': NOT_A_DATE },
      'document-amount',
    );

    await page.getByTestId('open-payment-form').click();
    const paymentForm = page.getByTestId('payment-form');
    await page.getByTestId('payment-amount').fill('douze');
    // An emptied date is empty (not the date shown before it was erased).
    await typeDate(page.getByTestId('payment-date'), '');
    await refused(
      paymentForm,
      page.getByTestId('payment-submit'),
      { 'payment-amount': NOT_AN_AMOUNT, 'payment-date': REQUIRED },
      'payment-amount',
    );

    await page.getByTestId('open-allocation-form').click();
    const allocation = page.getByTestId('allocation-form');
    await refused(
      allocation,
      page.getByTestId('allocation-submit'),
      { 'allocation-credit': REQUIRED, 'allocation-debit': REQUIRED, 'allocation-amount': REQUIRED },
      'allocation-credit',
    );
    await choose('allocation-credit', /^Paiement/);
    await choose('allocation-debit', new RegExp(`FAC-F-${run}`));
    // The most that can be allocated: the smaller of the two open amounts ($50 of the payment).
    expect(await page.getByTestId('allocation-amount').inputValue()).toBe('50,00');
    await page.getByTestId('allocation-amount').fill('60');
    await refused(
      allocation,
      page.getByTestId('allocation-submit'),
      { 'allocation-amount': /^Au plus 50,00\s\$\.$/ },
      'allocation-amount',
    );

    await rowById(page, 'ledger-row', paymentId).getByTestId('refund-button').click();
    const refund = page.getByTestId('refund-form');
    await refund.waitFor();
    await page.getByTestId('refund-amount').fill('60');
    await typeDate(page.getByTestId('refund-date'), '2026-02-30');
    await refused(
      refund,
      page.getByTestId('refund-submit'),
      { 'refund-amount': /^Au plus 50,00\s\$\.$/, 'refund-date': NOT_A_DATE },
      'refund-amount',
    );
    await screenshot(page, 'form-checks-refund-fr-CA');
    // Once right, the refund goes, and says what happened (a cheque is given back by hand).
    await page.getByTestId('refund-amount').fill('10');
    await typeDate(page.getByTestId('refund-date'), await orgToday(token));
    await page.getByTestId('refund-submit').click();
    await page
      .getByText(
        /^Remboursement de 10,00\s\$ sur le paiement .+ inscrit\s: remettez l’argent en main propre\.$/,
      )
      .waitFor();
  });

  it('account file: the dunning pause', async () => {
    await page.getByTestId('dunning-pause-open').click();
    const pause = page.getByTestId('dunning-pause-form');
    await pause.waitFor();
    await typeDate(page.getByTestId('dunning-until'), yesterday);
    await refused(
      pause,
      page.getByTestId('dunning-save'),
      { 'dunning-until': `Doit être le ${await orgToday(token)} ou plus tard.`, 'dunning-reason': REQUIRED },
      'dunning-until',
    );
    await closeModal(pause);
  });

  it('upcoming payments: a subscription, an installment plan (rows, dates, total) and editing a charge', async () => {
    await page.goto(`${baseUrl()}/accounts/${accountId}/upcoming-payments`);
    const subscription = page.getByTestId('subscription-form');
    await subscription.waitFor();
    await refused(
      subscription,
      page.getByTestId('subscription-submit'),
      { 'subscription-amount': REQUIRED, 'subscription-method': REQUIRED },
      'subscription-amount',
    );

    const plan = page.getByTestId('installment-form');
    await refused(
      plan,
      page.getByTestId('installment-submit'),
      { 'installment-invoice': REQUIRED, 'installment-method': REQUIRED },
      'installment-invoice',
    );
    expect(await page.getByTestId('installment-empty').textContent()).toBe('Ajoutez au moins un versement.');
    await choose('installment-invoice', new RegExp(`FAC-F-${run}`));
    await eventually(() => page.getByTestId('installment-row').count()).toBe(3);
    await page.getByTestId('installment-method').click();
    await page.getByRole('option').first().click();
    // More than the invoice's $100 open, and a second date before the first.
    await page.getByTestId('installment-amount').first().fill('500');
    await typeDate(page.getByTestId('installment-date').nth(1), '2020-01-01');
    await refused(
      plan,
      page.getByTestId('installment-submit'),
      { 'installment-date': /^Doit suivre le \d{4}-\d{2}-\d{2}, la date précédente\.$/ },
      'installment-date',
    );
    expect(await page.getByTestId('installment-total-error').textContent()).toMatch(
      /^Les versements totalisent 566,66\s\$, plus que les 100,00\s\$ ouverts sur la facture\.$/,
    );

    await page
      .locator(`[data-testid="upcoming-row"][data-source-id="${subscriptionId}"]`)
      .first()
      .getByTestId('upcoming-actions')
      .click();
    await page.getByTestId('upcoming-action-edit').click();
    const edit = page.getByTestId('schedule-edit-form');
    await edit.waitFor();
    await typeDate(page.getByTestId('schedule-edit-date'), yesterday);
    await page.getByTestId('schedule-edit-amount').fill('0');
    await refused(
      edit,
      page.getByTestId('schedule-edit-save'),
      {
        'schedule-edit-date': `Doit être le ${await orgToday(token)} ou plus tard.`,
        'schedule-edit-amount': NOT_AN_AMOUNT,
      },
      'schedule-edit-date',
    );
    await closeModal(edit);
  });

  it('failed transactions: a new date for a failed installment, and the note of Ignore', async () => {
    // Filtered to its kind and reason, so that the row is on the first page whatever the demo holds.
    await page.goto(
      `${baseUrl()}/action-center/failed-transactions?type=installment&reason=${failedEntry.reason.code}`,
    );
    const row = rowById(page, 'ft-row', failedEntry.id);
    await row.waitFor();
    await row.getByTestId('ft-reschedule').click();
    const reschedule = page.getByTestId('reschedule-form');
    await reschedule.waitFor();
    await page.getByTestId('reschedule-new_installment').click();
    await typeDate(page.getByTestId('reschedule-date'), '');
    await refused(
      reschedule,
      page.getByTestId('reschedule-save'),
      { 'reschedule-date': REQUIRED },
      'reschedule-date',
    );
    await closeModal(reschedule);

    await row.getByTestId('ft-ignore').click();
    const ignore = page.getByTestId('ignore-form');
    await ignore.waitFor();
    await page.getByTestId('ignore-note').fill('x'.repeat(1001));
    await refused(
      ignore,
      page.getByTestId('ignore-confirm'),
      { 'ignore-note': 'Au plus 1000 caractères.' },
      'ignore-note',
    );
    await closeModal(ignore);
    // Nothing was ignored.
    expect((await failedEntries(token)).find((entry) => entry.id === failedEntry.id)?.status).toBe('open');
  });

  it('settings: the retry policy and the organization', async () => {
    await page.goto(`${baseUrl()}/settings/retry-policy`);
    const policy = page.getByTestId('retry-policy-form');
    await policy.waitFor();
    await page.getByTestId('policy-offsets').fill('3, 1');
    await page.getByTestId('policy-local-hour').fill('24');
    await page.getByTestId('policy-return-fee').fill('-1');
    await refused(
      policy,
      page.getByTestId('policy-save'),
      {
        'policy-offsets': /^Au plus 8 relances, chacune un nombre de jours de 1 à 60, en ordre croissant/,
        'policy-local-hour': 'Doit être un nombre entier de 0 à 23.',
        'policy-return-fee': 'Doit être un montant, 0 ou plus, p. ex. 12,50.',
      },
      'policy-offsets',
    );

    await page.goto(`${baseUrl()}/settings/organization`);
    const organization = page.getByTestId('organization-form');
    await organization.waitFor();
    await page.getByTestId('organization-name').fill('');
    await page.getByTestId('organization-contact-email').fill('compta@');
    await refused(
      organization,
      page.getByTestId('organization-save'),
      { 'organization-name': REQUIRED, 'organization-contact-email': 'Doit être une adresse courriel.' },
      'organization-name',
    );
  });

  it('portal: the owner’s new card', async () => {
    await drainQueue(token);
    const emails = await api<{ items: { id: string; to: string }[] }>(
      token,
      'GET',
      '/emails?kind=customer_payment_failed&limit=200',
    );
    const notice = emails.items.find((email) => email.to === failedOwnerEmail);
    if (!notice) throw new Error('no payment-failed notice for the installment');
    const full = await api<{ text: string }>(token, 'POST', `/sandbox/emails/${notice.id}/open`);
    const link = new RegExp(`${baseUrl().replace(/[.]/g, '\\.')}/portal/[^\\s"'<>]+`).exec(full.text)?.[0];
    if (!link) throw new Error('no portal link in the notice');
    await page.goto(link);
    const card = page.getByTestId('portal-card-form');
    await card.waitFor();
    await page.getByTestId('card-number').fill('4000 0000 0000 0003');
    await refused(
      card,
      page.getByTestId('portal-card-submit'),
      {
        'card-number': 'Ce numéro de carte n’existe pas\u00a0: vérifiez ses chiffres.',
        'card-exp-month': REQUIRED,
        'card-exp-year': REQUIRED,
        'card-cvc': REQUIRED,
      },
      'card-number',
    );
    await screenshot(page, 'form-checks-portal-fr-CA');
  });
});

describe('the same checks in English', () => {
  it('the sign-in form', async () => {
    const english = await newPage(browser, 'en-CA');
    let sent = 0;
    english.page.on('request', (request) => {
      if (request.url().includes('/api/v1/') && request.method() !== 'GET') sent += 1;
    });
    await english.page.goto(`${baseUrl()}/login`);
    const form = english.page.getByTestId('login-form');
    await form.waitFor();
    await english.page.getByTestId('login-email').fill('admin@demo');
    await english.page.getByTestId('login-submit').click();
    await eventually(() => flagged(form)).toEqual({
      'login-email': 'Must be an e-mail address.',
      'login-password': 'Required.',
    });
    await eventually(() =>
      english.page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
    ).toBe('login-email');
    await english.page.waitForTimeout(150);
    expect(sent).toBe(0);
    await screenshot(english.page, 'form-checks-login-en-CA');
    await english.context.close();
  });
});
