import type { Locale } from '../../../lib/locale';
import { formatMoney } from '../../../lib/money';
import { recommendedAction } from '../../gateway/failure-codes';
import { type EmailOrganization, renderEmail } from '../../notifications/email-layout';

/** An entry of the digest's recovery part: retried automatically today, or recovered yesterday. */
export interface DigestRecoveryLine {
  customerName: string;
  amountMinor: bigint;
  currency: string;
  paymentId: string;
  reasonCode: string;
  /** the planned retry (scheduled) or when it was recovered */
  at: Date;
}

export interface DigestLine {
  customerName: string;
  failedAt: Date;
  amountMinor: bigint;
  currency: string;
  type: string;
  paymentId: string;
}

export interface DigestEmail {
  locale: Locale;
  organization: EmailOrganization;
  timeZone: string;
  localDate: string;
  lines: DigestLine[];
  /** RC1, RC4: the automatic retries of the coming 24 hours and the recoveries of the last 24 (FT10's digest) */
  scheduledRetries?: DigestRecoveryLine[];
  recoveries?: DigestRecoveryLine[];
  /** `${PUBLIC_URL}/action-center/failed-transactions` */
  manageUrl: string;
}

const TYPES = {
  'en-CA': {
    refund: 'Refund',
    echeck_payment: 'eCheck payment',
    installment: 'Installment',
    subscription: 'Subscription',
  },
  'fr-CA': {
    refund: 'Remboursement',
    echeck_payment: 'Paiement par chèque électronique',
    installment: 'Versement',
    subscription: 'Abonnement',
  },
} as const;

const TEXT = {
  'en-CA': {
    subject: (n: number, date: string) =>
      `${n} failed transaction${n === 1 ? '' : 's'} in the last 24 hours (${date})`,
    heading: 'Failed transactions in the last 24 hours',
    intro: (n: number, org: string) =>
      `${n} transaction${n === 1 ? '' : 's'} failed for ${org} in the last 24 hours.`,
    headers: ['Customer', 'Date', 'Amount', 'Type', 'Payment ID'],
    button: 'Manage failed transactions',
    scheduled: (n: number) => `Automatic retries planned in the next 24 hours: ${n}, by recommended action.`,
    recovered: (n: number) => `Recovered in the last 24 hours: ${n}, by recommended action.`,
  },
  'fr-CA': {
    subject: (n: number, date: string) =>
      `${n} transaction${n === 1 ? '' : 's'} échouée${n === 1 ? '' : 's'} dans les dernières 24 heures (${date})`,
    heading: 'Transactions échouées des dernières 24 heures',
    intro: (n: number, org: string) =>
      `${n} transaction${n === 1 ? '' : 's'} de ${org} ${n === 1 ? 'a' : 'ont'} échoué dans les dernières 24 heures.`,
    headers: ['Client', 'Date', 'Montant', 'Type', 'ID du paiement'],
    button: 'Gérer les transactions échouées',
    scheduled: (n: number) =>
      `Nouvelles tentatives automatiques prévues dans les prochaines 24 heures : ${n}, par action recommandée.`,
    recovered: (n: number) => `Recouvrées dans les dernières 24 heures : ${n}, par action recommandée.`,
  },
} as const;

/** FT10: the daily digest for the primary billing contact and the administrators who opted in. */
export function renderDigestEmail(input: DigestEmail) {
  const t = TEXT[input.locale];
  const dateFormat = new Intl.DateTimeFormat(input.locale, {
    timeZone: input.timeZone,
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  // Grouped by recommended action: one paragraph per action, its entries after it.
  const grouped = (lines: DigestRecoveryLine[]) => {
    const groups = new Map<string, string[]>();
    for (const l of lines) {
      const action = recommendedAction(l.reasonCode, input.locale).message;
      const item = `${l.customerName} ${formatMoney(l.amountMinor, l.currency, input.locale)} (${l.paymentId}, ${dateFormat.format(l.at)})`;
      groups.set(action, [...(groups.get(action) ?? []), item]);
    }
    return [...groups.entries()].map(([action, items]) => `• ${action} — ${items.join('; ')}`);
  };
  const recovery = [
    ...(input.scheduledRetries?.length
      ? [t.scheduled(input.scheduledRetries.length), ...grouped(input.scheduledRetries)]
      : []),
    ...(input.recoveries?.length ? [t.recovered(input.recoveries.length), ...grouped(input.recoveries)] : []),
  ];
  const { html, text } = renderEmail({
    locale: input.locale,
    organization: input.organization,
    heading: t.heading,
    paragraphs: [t.intro(input.lines.length, input.organization.name), ...recovery],
    table: {
      headers: [...t.headers],
      rows: input.lines.map((l) => [
        l.customerName,
        dateFormat.format(l.failedAt),
        formatMoney(l.amountMinor, l.currency, input.locale),
        TYPES[input.locale][l.type as keyof (typeof TYPES)['en-CA']] ?? l.type,
        l.paymentId,
      ]),
    },
    button: { label: t.button, url: input.manageUrl },
  });
  return { subject: t.subject(input.lines.length, input.localDate), html, text };
}
