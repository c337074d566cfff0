import type { Locale } from '../../../lib/locale';
import { formatMoney } from '../../../lib/money';
import { type EmailOrganization, renderEmail } from '../../notifications/email-layout';

/** What the two dunning e-mails that follow the failure notice need (the reminder before a retry, the final notice; RC5 silences both). */
export interface DunningEmail {
  locale: Locale;
  organization: EmailOrganization;
  ownerName: string;
  amountMinor: bigint;
  currency: string;
  paymentId: string;
  reason: string;
  /** the signed portal link where the owner updates the card and pays */
  portalUrl: string;
  /** what failed: an eCheck owner updates a bank account, never a card */
  method: 'card' | 'echeck';
}

const REMINDER = {
  'en-CA': {
    subject: (org: string) => `Reminder: we will try your payment to ${org} again tomorrow`,
    heading: 'We will try your payment again tomorrow',
    hello: (name: string) => `Hello ${name},`,
    body: (amount: string, when: string) =>
      `Your payment of ${amount} did not go through. We will try again automatically on ${when}.`,
    reason: (reason: string, id: string) => `Last reason: ${reason} (payment ${id})`,
    action: {
      card: 'If your card needs attention (funds, a call to your bank, or a new card), you can update it and pay now with the button below.',
      echeck:
        'If your bank account needs attention (funds, or a new account), you can update it or pay another way now with the button below.',
    },
    button: { card: 'Update my card and pay', echeck: 'Update my payment method and pay' },
  },
  'fr-CA': {
    subject: (org: string) => `Rappel : nous réessaierons demain votre paiement à ${org}`,
    heading: 'Nous réessaierons votre paiement demain',
    hello: (name: string) => `Bonjour ${name},`,
    body: (amount: string, when: string) =>
      `Votre paiement de ${amount} n'a pas été accepté. Nous réessaierons automatiquement le ${when}.`,
    reason: (reason: string, id: string) => `Dernière raison : ${reason} (paiement ${id})`,
    action: {
      card: 'Si votre carte demande votre attention (des fonds, un appel à votre banque ou une nouvelle carte), vous pouvez la mettre à jour et payer maintenant avec le bouton ci-dessous.',
      echeck:
        'Si votre compte bancaire demande votre attention (des fonds ou un nouveau compte), vous pouvez le mettre à jour ou payer autrement maintenant avec le bouton ci-dessous.',
    },
    button: {
      card: 'Mettre à jour ma carte et payer',
      echeck: 'Mettre à jour mon mode de paiement et payer',
    },
  },
} as const;

/** The reminder the day before an automatic retry (optional: the policy's `emails.reminderBeforeRetry`). */
export function renderRetryReminderEmail(input: DunningEmail & { retryAt: string }) {
  const t = REMINDER[input.locale];
  const amount = formatMoney(input.amountMinor, input.currency, input.locale);
  const { html, text } = renderEmail({
    locale: input.locale,
    organization: input.organization,
    heading: t.heading,
    paragraphs: [
      t.hello(input.ownerName),
      t.body(amount, input.retryAt),
      t.reason(input.reason, input.paymentId),
      t.action[input.method],
    ],
    button: { label: t.button[input.method], url: input.portalUrl },
  });
  return { subject: t.subject(input.organization.name), html, text };
}

export type FinalStep = 'leave_open' | 'pause' | 'cancel';

const FINAL = {
  'en-CA': {
    subject: (org: string) => `Final notice: your payment to ${org} is still due`,
    heading: 'Your payment is still due',
    hello: (name: string) => `Hello ${name},`,
    body: (amount: string, org: string) =>
      `We tried several times to collect your payment of ${amount} to ${org}, without success. We will not try again by ourselves.`,
    reason: (reason: string, id: string) => `Last reason: ${reason} (payment ${id})`,
    step: {
      leave_open: 'The amount stays due until it is paid.',
      pause: 'Your subscription is paused until the amount is paid.',
      cancel: 'Your subscription is cancelled; the amount stays due.',
    },
    action: {
      card: 'Please update your card and make the payment with the button below.',
      echeck: 'Please update your bank account or pay another way with the button below.',
    },
    button: { card: 'Update my card and pay', echeck: 'Update my payment method and pay' },
  },
  'fr-CA': {
    subject: (org: string) => `Dernier avis : votre paiement à ${org} est toujours dû`,
    heading: 'Votre paiement est toujours dû',
    hello: (name: string) => `Bonjour ${name},`,
    body: (amount: string, org: string) =>
      `Nous avons tenté à plusieurs reprises de percevoir votre paiement de ${amount} à ${org}, sans succès. Nous ne réessaierons plus de nous-mêmes.`,
    reason: (reason: string, id: string) => `Dernière raison : ${reason} (paiement ${id})`,
    step: {
      leave_open: 'Le montant reste dû jusqu’à son paiement.',
      pause: 'Votre abonnement est suspendu jusqu’au paiement du montant.',
      cancel: 'Votre abonnement est annulé; le montant reste dû.',
    },
    action: {
      card: 'Veuillez mettre à jour votre carte et effectuer le paiement avec le bouton ci-dessous.',
      echeck: 'Veuillez mettre à jour votre compte bancaire ou payer autrement avec le bouton ci-dessous.',
    },
    button: {
      card: 'Mettre à jour ma carte et payer',
      echeck: 'Mettre à jour mon mode de paiement et payer',
    },
  },
} as const;

/** The final notice after the last automatic retry failed (the policy's `emails.finalNotice`). */
export function renderFinalNoticeEmail(input: DunningEmail & { step: FinalStep; subscription: boolean }) {
  const t = FINAL[input.locale];
  const amount = formatMoney(input.amountMinor, input.currency, input.locale);
  // Pausing or cancelling applies to a subscription only; a plan's amount simply stays due.
  const step = input.subscription ? input.step : 'leave_open';
  const { html, text } = renderEmail({
    locale: input.locale,
    organization: input.organization,
    heading: t.heading,
    paragraphs: [
      t.hello(input.ownerName),
      t.body(amount, input.organization.name),
      t.reason(input.reason, input.paymentId),
      t.step[step],
      t.action[input.method],
    ],
    button: { label: t.button[input.method], url: input.portalUrl },
  });
  return { subject: t.subject(input.organization.name), html, text };
}
