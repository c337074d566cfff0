import { describe, expect, it } from 'vitest';
import type { Locale } from '../../../lib/locale';
import { renderFinalNoticeEmail, renderRetryReminderEmail } from './dunning.email';
import { renderPaymentFailedEmail } from './payment-failed.email';

const base = (locale: Locale, method: 'card' | 'echeck') => ({
  locale,
  organization: { name: 'Club de natation', logoUrl: null, contactEmail: 'facturation@club.example.ca' },
  ownerName: 'Léa Côté',
  amountMinor: 4500n,
  currency: 'CAD',
  paymentId: 'pay_1',
  reason: 'R01',
  portalUrl: 'https://recoup.example/portal/pay?token=t',
  method,
});

const renders = (locale: Locale, method: 'card' | 'echeck') => [
  renderPaymentFailedEmail({ ...base(locale, method), nextAttempt: '3 mars 2026' }),
  renderRetryReminderEmail({ ...base(locale, method), retryAt: '3 mars 2026' }),
  renderFinalNoticeEmail({ ...base(locale, method), step: 'leave_open', subscription: false }),
];

// FT11: the customer notice tells the owner what to fix; an eCheck (bank account) owner has no card to update.
describe('the failure e-mails name the payment method that failed', () => {
  it('never tells an eCheck owner to update a card, in either language', () => {
    for (const email of renders('en-CA', 'echeck')) {
      expect(email.text).not.toMatch(/card/i);
      expect(email.html).not.toMatch(/card/i);
      expect(email.text).toMatch(/bank account/);
    }
    for (const email of renders('fr-CA', 'echeck')) {
      expect(email.text).not.toMatch(/carte/i);
      expect(email.html).not.toMatch(/carte/i);
      expect(email.text).toMatch(/compte bancaire/);
    }
  });

  it('still asks a card owner to update the card', () => {
    for (const email of renders('en-CA', 'card')) expect(email.text).toMatch(/update (your|my) card/i);
    for (const email of renders('fr-CA', 'card')) expect(email.text).toMatch(/carte/);
  });
});
