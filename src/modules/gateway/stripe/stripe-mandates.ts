import type Stripe from 'stripe';

export type MandateKind = 'acss_debit' | 'us_bank_account';
export type MandateLocale = 'fr-CA' | 'en-CA';

/** Bumped whenever a text below changes: a recorded acceptance names the version its owner read. */
export const MANDATE_VERSION = '2026-12-01';

/**
 * When Recoup debits a saved bank account: on each subscription period or installment due date (an interval),
 * and also sporadically — a failed debit presented again (RC3), a payment the owner or an administrator makes.
 * Stripe's `payment_schedule` is therefore `combined`, which requires `interval_description` (Stripe API,
 * SetupIntent `payment_method_options.acss_debit.mandate_options`: "Only required if 'payment_schedule' is
 * 'interval' or 'combined'"; max 500 characters). Stripe.js shows it in the PAD agreement it displays.
 */
const INTERVAL: Record<MandateLocale, string> = {
  'en-CA':
    'On each subscription period or installment due date agreed with us, and when a failed payment is presented again or you choose to pay it.',
  'fr-CA':
    'À chaque échéance d’abonnement ou de versement convenue avec nous, et lorsqu’un paiement refusé est présenté de nouveau ou que vous choisissez de le payer.',
};

/** The schedule as the end of a sentence ("…: on each subscription period…"). */
const when = (locale: MandateLocale) => INTERVAL[locale].charAt(0).toLowerCase() + INTERVAL[locale].slice(1);

/**
 * The mandate parameters of a Canadian PAD SetupIntent (checked against the SDK's
 * `SetupIntentCreateParams.PaymentMethodOptions.AcssDebit.MandateOptions`): `personal` because the accounts
 * Recoup bills are households and members, not businesses (Payments Canada Rule H1 distinguishes the two).
 */
export function acssMandateOptions(
  locale: MandateLocale,
): Stripe.SetupIntentCreateParams.PaymentMethodOptions.AcssDebit.MandateOptions {
  return {
    payment_schedule: 'combined',
    interval_description: INTERVAL[locale],
    transaction_type: 'personal',
  };
}

/**
 * The authorization the owner reads and accepts in the portal before a bank account is saved (shown beside
 * Stripe's Payment Element, which shows Stripe's own agreement), recorded word for word with its acceptance.
 */
export function mandateText(
  kind: MandateKind,
  locale: MandateLocale,
  org: { name: string; contactEmail: string | null },
): string {
  const contact = org.contactEmail ? ` (${org.contactEmail})` : '';
  if (kind === 'acss_debit') {
    return locale === 'fr-CA'
      ? `J’autorise ${org.name} et Stripe, son processeur de paiement, à débiter le compte bancaire ci-dessus par débit préautorisé (DPA) des montants que je dois à ${org.name} : ${when(locale)} Ce DPA est personnel. Je peux le révoquer en tout temps en communiquant avec ${org.name}${contact}. J’ai certains droits de recours si un débit n’est pas conforme à la présente entente (voir paiements.ca).`
      : `I authorize ${org.name} and Stripe, its payment processor, to debit the bank account above by pre-authorized debit (PAD) for the amounts I owe ${org.name}: ${when(locale)} This is a personal PAD. I may cancel it at any time by contacting ${org.name}${contact}. I have certain recourse rights if a debit does not comply with this agreement (see payments.ca).`;
  }
  return locale === 'fr-CA'
    ? `J’autorise ${org.name} à débiter ce compte bancaire par ACH, par l’intermédiaire de Stripe, des montants que je lui dois : ${when(locale)} Cette autorisation vaut jusqu’à ce que je la révoque en communiquant avec ${org.name}${contact}.`
    : `I authorize ${org.name} to debit this bank account by ACH, through Stripe, for the amounts I owe it: ${when(locale)} This authorization stays in effect until I revoke it by contacting ${org.name}${contact}.`;
}

/** Canadian dollars → PAD; anything else → ACH (the organization's currency decides, MS4 keeps it fixed). */
export const mandateKindFor = (currency: string): MandateKind =>
  currency.toUpperCase() === 'CAD' ? 'acss_debit' : 'us_bank_account';
