import type { Locale } from '../../../lib/locale';
import { formatMoney } from '../../../lib/money';
import { type EmailOrganization, renderEmail } from '../../notifications/email-layout';

export interface PaymentFailedEmail {
  locale: Locale;
  organization: EmailOrganization;
  ownerName: string;
  amountMinor: bigint;
  currency: string;
  paymentId: string;
  reason: string;
  /** the signed portal link where the owner updates the card and pays (FT11) */
  portalUrl: string;
  /** when the retry policy tries again by itself, already formatted in the owner's language and zone */
  nextAttempt?: string | null;
  /** what failed: an eCheck owner updates a bank account, never a card */
  method: 'card' | 'echeck';
}

const TEXT = {
  'en-CA': {
    subject: (org: string) => `Your payment to ${org} did not go through`,
    heading: 'Your payment did not go through',
    hello: (name: string) => `Hello ${name},`,
    body: (amount: string, org: string) => `We could not collect your payment of ${amount} to ${org}.`,
    reason: (reason: string, id: string) => `Reason: ${reason} (payment ${id})`,
    action: {
      card: 'You can update your card in your account and make the payment with the button below. The link is valid for 30 days.',
      echeck:
        'You can update your bank account or pay another way in your account with the button below. The link is valid for 30 days.',
    },
    button: { card: 'Update my card and pay', echeck: 'Update my payment method and pay' },
    next: {
      card: (when: string) =>
        `We will try again automatically on ${when}. Nothing is needed from you if your card can be charged by then.`,
      echeck: (when: string) =>
        `We will try again automatically on ${when}. Nothing is needed from you if your bank account can be debited by then.`,
    },
  },
  'fr-CA': {
    subject: (org: string) => `Votre paiement à ${org} n'a pas été accepté`,
    heading: "Votre paiement n'a pas été accepté",
    hello: (name: string) => `Bonjour ${name},`,
    body: (amount: string, org: string) =>
      `Nous n'avons pas pu percevoir votre paiement de ${amount} à ${org}.`,
    reason: (reason: string, id: string) => `Raison : ${reason} (paiement ${id})`,
    action: {
      card: 'Vous pouvez mettre à jour votre carte dans votre compte et effectuer le paiement avec le bouton ci-dessous. Le lien est valide pendant 30 jours.',
      echeck:
        'Vous pouvez mettre à jour votre compte bancaire ou payer autrement dans votre compte avec le bouton ci-dessous. Le lien est valide pendant 30 jours.',
    },
    button: {
      card: 'Mettre à jour ma carte et payer',
      echeck: 'Mettre à jour mon mode de paiement et payer',
    },
    next: {
      card: (when: string) =>
        `Nous réessaierons automatiquement le ${when}. Vous n'avez rien à faire si votre carte peut être débitée d'ici là.`,
      echeck: (when: string) =>
        `Nous réessaierons automatiquement le ${when}. Vous n'avez rien à faire si votre compte bancaire peut être débité d'ici là.`,
    },
  },
} as const;

/** FT11: the customer notice, in the owner's language, with the logo, the link and the contact address. */
export function renderPaymentFailedEmail(input: PaymentFailedEmail) {
  const t = TEXT[input.locale];
  const amount = formatMoney(input.amountMinor, input.currency, input.locale);
  const { html, text } = renderEmail({
    locale: input.locale,
    organization: input.organization,
    heading: t.heading,
    paragraphs: [
      t.hello(input.ownerName),
      t.body(amount, input.organization.name),
      t.reason(input.reason, input.paymentId),
      // Issue 12, dunning e-mails: the failure notice says when the next attempt will be.
      ...(input.nextAttempt ? [t.next[input.method](input.nextAttempt)] : []),
      t.action[input.method],
    ],
    button: { label: t.button[input.method], url: input.portalUrl },
  });
  return { subject: t.subject(input.organization.name), html, text };
}
