import type { Locale } from '../../lib/locale';

/**
 * THE failure catalogue: every code the payment gateway can give when money does not move — card
 * declines (Stripe-style decline codes), the refund failure `insufficient_merchant_funds`, and every
 * NACHA ACH return code R01–R33 — with bilingual messages, a retry category and a recommended action.
 *
 * Categories:
 * - `soft`: worth retrying (temporary, or the customer can fix it with their bank).
 * - `needs_new_method`: this card or account will not work as it is; the customer must give a new one.
 *   Retrying is still allowed, because FT5 retries charge the method the subscription or plan has *now*.
 * - `hard`: never retry (lost, stolen, pickup, invalid account, fraud, revoked authorizations…).
 * - `not_represented`: an eCheck return that NACHA forbids re-presenting (every return except R01/R09:
 *   reinitiation is only allowed after the cause is corrected, i.e. as a new debit on new details or a
 *   new authorization — never as a retry of the same entry).
 * - `limited`: R01 and R09, re-presentable at most twice within 180 days of the original debit (FT12).
 */

export type FailureKind = 'card' | 'echeck' | 'refund';
export type FailureCategory = 'soft' | 'needs_new_method' | 'hard' | 'not_represented' | 'limited';
export type RecommendedActionCode = 'retry_now' | 'ask_new_method' | 'contact_bank' | 'do_not_retry';
export type Bilingual = Readonly<Record<Locale, string>>;

export interface FailureInfo {
  code: string;
  kind: FailureKind;
  category: FailureCategory;
  message: Bilingual;
  recommendedAction: RecommendedActionCode;
  /** false for a code that is not in the catalogue (see `failureInfo`) */
  known: boolean;
}

type Entry = readonly [
  code: string,
  category: FailureCategory,
  action: RecommendedActionCode,
  en: string,
  fr: string,
];

// biome-ignore format: one failure per line reads as a table
const CARD: readonly Entry[] = [
  // soft: temporary, or the customer's bank can lift it
  ['card_declined', 'soft', 'contact_bank', 'The card was declined.', 'La carte a été refusée.'],
  ['generic_decline', 'soft', 'contact_bank', 'The card issuer declined the payment without giving a reason.', "L'émetteur de la carte a refusé le paiement sans en préciser la raison."],
  ['insufficient_funds', 'soft', 'retry_now', 'The card has insufficient funds or credit.', 'Les fonds ou le crédit disponibles sur la carte sont insuffisants.'],
  ['processing_error', 'soft', 'retry_now', 'An error occurred while processing the card.', 'Une erreur est survenue pendant le traitement de la carte.'],
  ['do_not_honor', 'soft', 'contact_bank', 'The card issuer declined the payment (do not honour).', "L'émetteur de la carte a refusé d'honorer le paiement."],
  ['card_velocity_exceeded', 'soft', 'contact_bank', "The card's balance, credit limit or transaction limit was exceeded.", 'Le solde, la limite de crédit ou la limite de transactions de la carte a été dépassé.'],
  ['withdrawal_count_limit_exceeded', 'soft', 'contact_bank', "The customer exceeded the card's balance or credit limit.", 'Le client a dépassé le solde ou la limite de crédit de sa carte.'],
  ['try_again_later', 'soft', 'retry_now', 'The card issuer declined the payment temporarily. Try again later.', "L'émetteur de la carte a refusé le paiement temporairement. Réessayez plus tard."],
  ['issuer_not_available', 'soft', 'retry_now', 'The card issuer could not be reached to authorize the payment.', "L'émetteur de la carte n'a pas pu être joint pour autoriser le paiement."],
  ['reenter_transaction', 'soft', 'retry_now', 'The card issuer could not process the payment. It can be submitted again.', "L'émetteur de la carte n'a pas pu traiter le paiement. Il peut être soumis de nouveau."],
  ['approve_with_id', 'soft', 'retry_now', 'The payment could not be authorized.', "Le paiement n'a pas pu être autorisé."],
  ['call_issuer', 'soft', 'contact_bank', 'The card issuer declined the payment. The cardholder must contact their issuer.', "L'émetteur de la carte a refusé le paiement. Le titulaire doit communiquer avec l'émetteur de sa carte."],
  ['invalid_amount', 'soft', 'contact_bank', 'The amount is invalid or exceeds what the card allows.', "Le montant n'est pas valide ou dépasse ce que la carte permet."],
  ['no_action_taken', 'soft', 'contact_bank', 'The card issuer declined the payment without further detail.', "L'émetteur de la carte a refusé le paiement sans autre précision."],
  // Retrying is allowed (no money moved), but the same charge probably went through already: check first.
  ['duplicate_transaction', 'soft', 'do_not_retry', 'An identical payment was submitted on this card very recently.', 'Un paiement identique a été soumis sur cette carte très récemment.'],

  // needs_new_method: this card will not work as it is
  ['expired_card', 'needs_new_method', 'ask_new_method', 'The card has expired.', 'La carte est expirée.'],
  ['incorrect_number', 'needs_new_method', 'ask_new_method', 'The card number is incorrect.', 'Le numéro de la carte est incorrect.'],
  ['invalid_number', 'needs_new_method', 'ask_new_method', 'The card number is invalid.', "Le numéro de la carte n'est pas valide."],
  ['incorrect_cvc', 'needs_new_method', 'ask_new_method', "The card's security code (CVC) is incorrect.", 'Le code de sécurité (CVC) de la carte est incorrect.'],
  ['invalid_cvc', 'needs_new_method', 'ask_new_method', "The card's security code (CVC) is invalid.", "Le code de sécurité (CVC) de la carte n'est pas valide."],
  ['invalid_expiry_month', 'needs_new_method', 'ask_new_method', "The card's expiry month is invalid.", "Le mois d'expiration de la carte n'est pas valide."],
  ['invalid_expiry_year', 'needs_new_method', 'ask_new_method', "The card's expiry year is invalid.", "L'année d'expiration de la carte n'est pas valide."],
  ['incorrect_zip', 'needs_new_method', 'ask_new_method', "The card's postal code is incorrect.", 'Le code postal associé à la carte est incorrect.'],
  ['incorrect_pin', 'needs_new_method', 'ask_new_method', 'The PIN entered is incorrect.', 'Le NIP saisi est incorrect.'],
  ['invalid_pin', 'needs_new_method', 'ask_new_method', 'The PIN entered is invalid.', "Le NIP saisi n'est pas valide."],
  ['pin_try_exceeded', 'needs_new_method', 'ask_new_method', 'The allowed number of PIN attempts was exceeded.', 'Le nombre permis de tentatives de saisie du NIP a été dépassé.'],
  ['offline_pin_required', 'needs_new_method', 'ask_new_method', 'The card requires a PIN, which cannot be entered for this payment.', 'La carte exige un NIP, qui ne peut pas être saisi pour ce paiement.'],
  ['online_or_offline_pin_required', 'needs_new_method', 'ask_new_method', 'The card requires a PIN, which cannot be entered for this payment.', 'La carte exige un NIP, qui ne peut pas être saisi pour ce paiement.'],
  ['card_not_supported', 'needs_new_method', 'ask_new_method', 'The card does not support this type of purchase.', "La carte n'accepte pas ce type d'achat."],
  ['currency_not_supported', 'needs_new_method', 'ask_new_method', "The card does not support the payment's currency.", "La carte n'accepte pas la devise du paiement."],
  ['service_not_allowed', 'needs_new_method', 'ask_new_method', 'The card does not allow this type of payment.', 'La carte ne permet pas ce type de paiement.'],
  ['transaction_not_allowed', 'needs_new_method', 'ask_new_method', 'The card issuer does not allow this transaction on this card.', "L'émetteur n'autorise pas cette transaction sur cette carte."],
  ['not_permitted', 'needs_new_method', 'ask_new_method', 'The payment is not permitted on this card.', "Ce paiement n'est pas permis sur cette carte."],
  ['authentication_required', 'needs_new_method', 'ask_new_method', 'The card issuer requires the cardholder to authenticate this payment, which cannot be done for an automatic charge.', "L'émetteur de la carte exige que le titulaire authentifie ce paiement, ce qui est impossible pour un prélèvement automatique."],
  ['new_account_information_available', 'needs_new_method', 'ask_new_method', 'The card or its account has changed. The customer must provide the new details.', 'La carte ou le compte associé a changé. Le client doit fournir ses nouvelles coordonnées.'],
  ['testmode_decline', 'needs_new_method', 'ask_new_method', 'A test card was used for a real payment.', 'Une carte de test a été utilisée pour un paiement réel.'],

  // hard: never retry this card
  ['lost_card', 'hard', 'do_not_retry', 'The card was reported lost.', 'La carte a été déclarée perdue.'],
  ['stolen_card', 'hard', 'do_not_retry', 'The card was reported stolen.', 'La carte a été déclarée volée.'],
  ['pickup_card', 'hard', 'do_not_retry', 'The card issuer asked that the card be retained (it may be lost or stolen).', "L'émetteur demande de retenir la carte (elle pourrait avoir été perdue ou volée)."],
  ['invalid_account', 'hard', 'do_not_retry', 'The card, or the account it is linked to, is invalid.', "La carte, ou le compte auquel elle est liée, n'est pas valide."],
  ['fraudulent', 'hard', 'do_not_retry', 'The payment was declined as suspected fraud.', 'Le paiement a été refusé pour cause de fraude soupçonnée.'],
  ['restricted_card', 'hard', 'do_not_retry', 'The card is restricted (it may have been reported lost or stolen).', "La carte fait l'objet de restrictions (elle pourrait avoir été déclarée perdue ou volée)."],
  ['security_violation', 'hard', 'do_not_retry', 'The card issuer declined the payment for security reasons.', "L'émetteur de la carte a refusé le paiement pour des raisons de sécurité."],
  ['do_not_try_again', 'hard', 'do_not_retry', 'The card issuer asked that this card not be charged again.', "L'émetteur demande de ne plus présenter de paiement sur cette carte."],
  ['merchant_blacklist', 'hard', 'do_not_retry', "The payment matches an entry on the merchant's block list.", 'Le paiement correspond à une entrée de la liste de blocage du marchand.'],
  ['revocation_of_authorization', 'hard', 'do_not_retry', 'The cardholder revoked the authorization for this recurring payment.', "Le titulaire a révoqué l'autorisation de ce paiement récurrent."],
  ['revocation_of_all_authorizations', 'hard', 'do_not_retry', 'The cardholder revoked all authorizations for recurring payments.', 'Le titulaire a révoqué toutes ses autorisations de paiements récurrents.'],
  ['stop_payment_order', 'hard', 'do_not_retry', 'The cardholder asked their issuer to stop this payment.', "Le titulaire a demandé à l'émetteur de sa carte d'arrêter ce paiement."],
];

// biome-ignore format: one failure per line reads as a table
const REFUND: readonly Entry[] = [
  ['insufficient_merchant_funds', 'soft', 'retry_now', 'The merchant account does not have enough funds for this refund.', "Le compte marchand n'a pas suffisamment de fonds pour ce remboursement."],
];

/** NACHA return codes R01–R33, with their official meanings. */
// biome-ignore format: one failure per line reads as a table
const ECHECK: readonly Entry[] = [
  ['R01', 'limited', 'retry_now', 'Insufficient funds in the bank account.', 'Fonds insuffisants dans le compte bancaire.'],
  ['R02', 'not_represented', 'ask_new_method', 'The bank account is closed.', 'Le compte bancaire est fermé.'],
  ['R03', 'not_represented', 'ask_new_method', 'No account, or the account could not be located.', 'Compte inexistant ou introuvable.'],
  ['R04', 'not_represented', 'ask_new_method', 'Invalid account number (incorrect structure).', "Le numéro de compte n'est pas valide (structure incorrecte)."],
  ['R05', 'not_represented', 'do_not_retry', 'Unauthorized debit to a personal account using a business entry code.', "Prélèvement non autorisé dans un compte de particulier au moyen d'un code réservé aux entreprises."],
  ['R06', 'not_represented', 'do_not_retry', "Returned at the request of the merchant's bank (ODFI).", "Retourné à la demande de l'institution financière du marchand (ODFI)."],
  ['R07', 'not_represented', 'do_not_retry', 'The customer revoked their authorization.', 'Le client a révoqué son autorisation.'],
  ['R08', 'not_represented', 'do_not_retry', 'The customer placed a stop payment on this debit.', 'Le client a fait opposition à ce prélèvement.'],
  ['R09', 'limited', 'retry_now', 'Uncollected funds: the balance is sufficient but the funds are not yet available.', 'Fonds non compensés : le solde est suffisant, mais les fonds ne sont pas encore disponibles.'],
  ['R10', 'not_represented', 'do_not_retry', 'The customer says the debit was not authorized or the merchant is unknown to them.', "Le client affirme ne pas avoir autorisé ce prélèvement ou ne pas connaître le marchand."],
  ['R11', 'not_represented', 'do_not_retry', 'The customer says the debit does not match the terms of their authorization.', 'Le client affirme que le prélèvement ne respecte pas les conditions de son autorisation.'],
  ['R12', 'not_represented', 'ask_new_method', 'The account was sold to another financial institution.', 'Le compte a été cédé à une autre institution financière.'],
  ['R13', 'not_represented', 'ask_new_method', 'Invalid routing number.', "Le numéro d'acheminement n'est pas valide."],
  ['R14', 'not_represented', 'do_not_retry', 'The representative payee has died or can no longer act in that capacity.', 'Le représentant bénéficiaire est décédé ou ne peut plus agir à ce titre.'],
  ['R15', 'not_represented', 'do_not_retry', 'The beneficiary or account holder has died.', 'Le bénéficiaire ou le titulaire du compte est décédé.'],
  ['R16', 'not_represented', 'ask_new_method', 'The account is frozen, or the debit was returned on OFAC instructions.', "Le compte est gelé, ou le prélèvement a été retourné sur instruction de l'OFAC."],
  ['R17', 'not_represented', 'ask_new_method', 'The debit failed file checks, or an invalid account number was used under questionable circumstances.', 'Le prélèvement a échoué aux contrôles du fichier, ou un numéro de compte non valide a été utilisé dans des circonstances douteuses.'],
  ['R18', 'not_represented', 'do_not_retry', 'Improper effective entry date.', "Date d'effet du prélèvement incorrecte."],
  ['R19', 'not_represented', 'do_not_retry', 'Amount field error.', 'Erreur dans le champ du montant.'],
  ['R20', 'not_represented', 'ask_new_method', 'The account does not allow debits (non-transaction account).', 'Le compte ne permet pas les prélèvements (compte non transactionnel).'],
  ['R21', 'not_represented', 'do_not_retry', 'Invalid company identification.', "L'identification de l'entreprise n'est pas valide."],
  ['R22', 'not_represented', 'do_not_retry', 'Invalid individual identification number.', "Le numéro d'identification du particulier n'est pas valide."],
  ['R23', 'not_represented', 'do_not_retry', 'The receiver refused the credit entry.', 'Le destinataire a refusé le crédit.'],
  ['R24', 'not_represented', 'do_not_retry', 'Duplicate entry.', 'Prélèvement en double.'],
  ['R25', 'not_represented', 'do_not_retry', 'Addenda record error.', "Erreur dans l'enregistrement complémentaire (addenda)."],
  ['R26', 'not_represented', 'do_not_retry', 'Mandatory field error.', 'Erreur dans un champ obligatoire.'],
  ['R27', 'not_represented', 'do_not_retry', 'Trace number error.', 'Erreur dans le numéro de trace.'],
  ['R28', 'not_represented', 'ask_new_method', 'Routing number check digit error.', "Le chiffre de contrôle du numéro d'acheminement est erroné."],
  ['R29', 'not_represented', 'do_not_retry', 'The business customer says the debit was not authorized.', "L'entreprise cliente affirme ne pas avoir autorisé ce prélèvement."],
  ['R30', 'not_represented', 'do_not_retry', "The customer's bank does not take part in the check truncation program.", "L'institution financière du client ne participe pas au programme de troncature des chèques."],
  ['R31', 'not_represented', 'do_not_retry', 'Permissible return of a business debit (CCD or CTX) agreed by the banks.', "Retour admissible d'un prélèvement d'entreprise (CCD ou CTX), convenu entre les institutions financières."],
  ['R32', 'not_represented', 'do_not_retry', "The customer's bank could not settle the debit.", "L'institution financière du client n'a pas pu régler le prélèvement."],
  ['R33', 'not_represented', 'do_not_retry', 'Return of a destroyed check entry (XCK).', "Retour d'une écriture de chèque détruit (XCK)."],
];

const CATALOGUE: ReadonlyMap<string, FailureInfo> = new Map(
  (
    [
      ['card', CARD],
      ['refund', REFUND],
      ['echeck', ECHECK],
    ] as const
  ).flatMap(([kind, entries]) =>
    entries.map(([code, category, recommendedAction, en, fr]): [string, FailureInfo] => [
      code,
      Object.freeze({
        code,
        kind,
        category,
        recommendedAction,
        message: Object.freeze({ 'en-CA': en, 'fr-CA': fr }),
        known: true,
      }),
    ]),
  ),
);

/** Every code in the catalogue (to validate filters: unknown values → 400 listing these). */
export const FAILURE_CODES: readonly string[] = Object.freeze([...CATALOGUE.keys()]);
/** Card decline codes: what a forced next outcome (`POST /sandbox/payment-methods/:id/next-outcome`) may be. */
export const CARD_DECLINE_CODES: readonly string[] = Object.freeze(CARD.map(([code]) => code));
/** NACHA return codes R01–R33. */
export const ECHECK_RETURN_CODES: readonly string[] = Object.freeze(ECHECK.map(([code]) => code));

export const FAILURE_CATEGORIES: readonly FailureCategory[] = [
  'soft',
  'needs_new_method',
  'hard',
  'not_represented',
  'limited',
];
export const RECOMMENDED_ACTIONS: readonly RecommendedActionCode[] = [
  'retry_now',
  'ask_new_method',
  'contact_bank',
  'do_not_retry',
];

export function isKnownFailureCode(code: string): boolean {
  return CATALOGUE.has(code);
}

/** Anything starting with `fr` is French; everything else is English. */
export function normalizeLocale(locale: string): Locale {
  return locale.toLowerCase().startsWith('fr') ? 'fr-CA' : 'en-CA';
}

/**
 * The catalogue entry of a code. A code that is not in the catalogue (a newer gateway code, or an ACH
 * return beyond R33) is treated as `soft` with a generic message that quotes the code: by decision of
 * the billing core, an unknown failure never blocks a retry — an administrator can still ignore it.
 */
export function failureInfo(code: string): FailureInfo {
  const known = CATALOGUE.get(code);
  if (known) return known;
  // A live gateway's code that its mapping table does not know is kept as `stripe:<code>` and shown as such.
  if (code.startsWith('stripe:')) {
    const raw = code.slice('stripe:'.length);
    return {
      code,
      kind: 'card',
      category: 'soft',
      recommendedAction: 'retry_now',
      message: { 'en-CA': `Unknown, from Stripe: ${raw}`, 'fr-CA': `Inconnu, selon Stripe : ${raw}` },
      known: false,
    };
  }
  const kind: FailureKind = /^R\d{2}$/.test(code) ? 'echeck' : 'card';
  return {
    code,
    kind,
    category: 'soft',
    recommendedAction: 'retry_now',
    message: {
      'en-CA': `The payment failed (code ${code}).`,
      'fr-CA': `Le paiement a échoué (code ${code}).`,
    },
    known: false,
  };
}

export function failureMessage(code: string, locale: Locale | string): string {
  return failureInfo(code).message[normalizeLocale(locale)];
}

// The wording of an action depends on what failed: a new card or a new bank account; a refund is
// retried after the merchant account has been funded.
const ACTION_MESSAGES: Record<
  RecommendedActionCode,
  Partial<Record<FailureKind, Bilingual>> & { card: Bilingual }
> = {
  retry_now: {
    card: { 'en-CA': 'Retry now', 'fr-CA': 'Réessayer maintenant' },
    refund: {
      'en-CA': 'Add funds to the merchant account, then retry',
      'fr-CA': 'Approvisionner le compte marchand, puis réessayer',
    },
  },
  ask_new_method: {
    card: { 'en-CA': 'Ask the customer for a new card', 'fr-CA': 'Demander une nouvelle carte au client' },
    echeck: {
      'en-CA': 'Ask the customer for another bank account',
      'fr-CA': 'Demander un autre compte bancaire au client',
    },
  },
  // An administrator cannot call the customer's bank for them: the customer has to.
  contact_bank: {
    card: {
      'en-CA': 'Ask the customer to contact their bank',
      'fr-CA': 'Demander au client de communiquer avec sa banque',
    },
  },
  do_not_retry: {
    card: { 'en-CA': 'Do not retry', 'fr-CA': 'Ne pas réessayer' },
  },
};

export function recommendedActionMessage(
  action: RecommendedActionCode,
  kind: FailureKind,
  locale: Locale | string,
) {
  const messages = ACTION_MESSAGES[action];
  return (messages[kind] ?? messages.card)[normalizeLocale(locale)];
}

export function recommendedAction(
  code: string,
  locale: Locale | string,
): { code: RecommendedActionCode; message: string } {
  const info = failureInfo(code);
  return {
    code: info.recommendedAction,
    message: recommendedActionMessage(info.recommendedAction, info.kind, locale),
  };
}

/** NACHA: R01/R09 may be re-presented at most twice, within 180 days after the original debit. */
export const MAX_REPRESENTMENTS = 2;
export const REPRESENTMENT_WINDOW_DAYS = 180;
const DAY_MS = 86_400_000;

export type RetryBlockReason =
  | 'hard_decline'
  | 'not_represented'
  | 'representment_limit'
  | 'representment_window';
export type RetryDecision =
  | { allowed: true }
  | { allowed: false; reason: string; reasonCode: RetryBlockReason };

const BLOCK_MESSAGES: Record<RetryBlockReason, Bilingual> = {
  hard_decline: {
    'en-CA':
      'This card was declined for good (for example lost, stolen or invalid). It must not be charged again.',
    'fr-CA':
      'Cette carte a été refusée de façon définitive (par exemple perdue, volée ou invalide). Elle ne doit plus être débitée.',
  },
  not_represented: {
    'en-CA': 'The bank returned this debit with a code that does not allow presenting it again.',
    'fr-CA': 'La banque a retourné ce prélèvement avec un code qui ne permet pas de le présenter de nouveau.',
  },
  representment_limit: {
    'en-CA': `This debit has already been presented again ${MAX_REPRESENTMENTS} times, the most the banking rules allow.`,
    'fr-CA': `Ce prélèvement a déjà été présenté de nouveau ${MAX_REPRESENTMENTS} fois, le maximum permis par les règles bancaires.`,
  },
  representment_window: {
    'en-CA': `More than ${REPRESENTMENT_WINDOW_DAYS} days have passed since the original debit: it can no longer be presented again.`,
    'fr-CA': `Plus de ${REPRESENTMENT_WINDOW_DAYS} jours se sont écoulés depuis le prélèvement initial : il ne peut plus être présenté de nouveau.`,
  },
};

export function retryBlockMessage(reasonCode: RetryBlockReason, locale: Locale | string): string {
  return BLOCK_MESSAGES[reasonCode][normalizeLocale(locale)];
}

export interface RetryDecisionInput {
  /** the failure code of the last attempt */
  code: string;
  /** how many times the debit has already been presented again (the original presentment not counted) */
  representments: number;
  /** when the original debit was made */
  originalAt: Date;
  now: Date;
  locale: Locale | string;
}

/**
 * FT12: retrying is refused where it is pointless or forbidden.
 * - hard card declines: never;
 * - eCheck returns NACHA forbids re-presenting: never;
 * - R01/R09: at most MAX_REPRESENTMENTS re-presentments, and only until exactly 180 × 24 h after the
 *   original debit (the limit is checked first: a third re-presentment is refused for that reason even
 *   when the window has also closed).
 * Everything else (soft, needs_new_method, unknown codes) may be retried.
 */
export function retryDecision(input: RetryDecisionInput): RetryDecision {
  const info = failureInfo(input.code);
  const refuse = (reasonCode: RetryBlockReason): RetryDecision => ({
    allowed: false,
    reasonCode,
    reason: retryBlockMessage(reasonCode, input.locale),
  });
  switch (info.category) {
    case 'hard':
      return refuse('hard_decline');
    case 'not_represented':
      return refuse('not_represented');
    case 'limited': {
      if (input.representments >= MAX_REPRESENTMENTS) return refuse('representment_limit');
      const elapsed = input.now.getTime() - input.originalAt.getTime();
      if (elapsed > REPRESENTMENT_WINDOW_DAYS * DAY_MS) return refuse('representment_window');
      return { allowed: true };
    }
    default:
      return { allowed: true };
  }
}
