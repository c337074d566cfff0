import type { Locale } from '../../lib/locale';
import { formatMoney } from '../../lib/money';
import { type EmailOrganization, renderEmail } from '../notifications/email-layout';
import { AT_RISK_MONTHS, atRiskWindow } from './at-risk';

export interface CardExpiryEmailInput {
  locale: Locale;
  organization: EmailOrganization;
  ownerName: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  upcomingCount: number;
  nextDate: string;
  nextAmount: bigint;
  /** what the card would have to pay in the 3 months after it expires (at-risk.ts) */
  amountAtRisk?: bigint;
  currency: string;
  updateCardUrl: string;
}

const BRANDS: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  unionpay: 'UnionPay',
  jcb: 'JCB',
  diners: 'Diners Club',
};

export function brandName(brand: string): string {
  return BRANDS[brand] ?? (brand === 'unknown' ? '' : brand);
}

function monthYear(expYear: number, expMonth: number, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(Date.UTC(expYear, expMonth - 1, 1)),
  );
}

function longDate(date: string, locale: Locale): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(Date.UTC(y!, m! - 1, d!)));
}

/** EC4: the owner's reminder, in their language, with the logo, the update link and the contact address. */
export function cardExpiryEmail(input: CardExpiryEmailInput): {
  subject: string;
  html: string;
  text: string;
} {
  const card = `${brandName(input.brand)} •••• ${input.last4}`.trim();
  const expiry = `${String(input.expMonth).padStart(2, '0')}/${input.expYear}`;
  const when = monthYear(input.expYear, input.expMonth, input.locale);
  const amount = formatMoney(input.nextAmount, input.currency, input.locale);
  const next = longDate(input.nextDate, input.locale);
  const org = input.organization.name;
  const fr = input.locale === 'fr-CA';
  // How much and when: what falls due on the card once it has expired.
  const risk = input.amountAtRisk && input.amountAtRisk > 0n ? input.amountAtRisk : null;
  const riskFrom = longDate(atRiskWindow(input.expYear, input.expMonth).from, input.locale);
  const riskLine = risk
    ? fr
      ? `À partir du ${riskFrom}, ${formatMoney(risk, input.currency, input.locale)} de paiements seraient refusés sur cette carte au cours des ${AT_RISK_MONTHS} mois suivants.`
      : `From ${riskFrom}, ${formatMoney(risk, input.currency, input.locale)} in payments would be declined on this card over the following ${AT_RISK_MONTHS} months.`
    : null;
  const subject = fr ? `Votre carte ${card} expire bientôt` : `Your card ${card} expires soon`;
  const heading = fr ? `Votre carte expire à la fin de ${when}` : `Your card expires at the end of ${when}`;
  const paragraphs = fr
    ? [
        `Bonjour ${input.ownerName},`,
        `La carte ${card} (expiration ${expiry}) enregistrée dans votre compte chez ${org} paie ${input.upcomingCount} paiement${input.upcomingCount > 1 ? 's' : ''} à venir. Le prochain, de ${amount}, est prévu le ${next}.`,
        ...(riskLine ? [riskLine] : []),
        'Pour éviter un paiement refusé, mettez votre carte à jour dans votre compte avant son expiration.',
      ]
    : [
        `Hello ${input.ownerName},`,
        `The card ${card} (expiry ${expiry}) saved in your account with ${org} pays ${input.upcomingCount} upcoming payment${input.upcomingCount > 1 ? 's' : ''}. The next one, ${amount}, is due on ${next}.`,
        ...(riskLine ? [riskLine] : []),
        'To avoid a declined payment, update your card in your account before it expires.',
      ];
  const { html, text } = renderEmail({
    locale: input.locale,
    organization: input.organization,
    heading,
    paragraphs,
    button: { label: fr ? 'Mettre à jour ma carte' : 'Update my card', url: input.updateCardUrl },
  });
  return { subject, html, text };
}
