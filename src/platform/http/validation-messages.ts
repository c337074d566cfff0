import type { Locale } from '../../lib/locale';

/**
 * The error table of request validation: every `errors[].message` the schema checks can answer, in fr-CA
 * and en-CA, worded to stand alone next to a form field ("Required", not "must have required property").
 * `code` (the JSON Schema keyword) stays the same in both languages for programs.
 */
type Params = Record<string, unknown>;
type Text = (p: Params) => string;

const n = (p: Params, key: string) => Number(p[key]);
const plural = (count: number, one: string, many: string) => (count === 1 ? one : many);

const MESSAGES: Record<Locale, Record<string, Text>> = {
  'en-CA': {
    required: () => 'Required.',
    minLength: (p) =>
      n(p, 'limit') === 1
        ? 'Required.'
        : `At least ${n(p, 'limit')} ${plural(n(p, 'limit'), 'character', 'characters')}.`,
    maxLength: (p) => `At most ${n(p, 'limit')} ${plural(n(p, 'limit'), 'character', 'characters')}.`,
    minimum: (p) => `Must be ${n(p, 'limit')} or more.`,
    exclusiveMinimum: (p) => `Must be more than ${n(p, 'limit')}.`,
    maximum: (p) => `Must be ${n(p, 'limit')} or less.`,
    exclusiveMaximum: (p) => `Must be less than ${n(p, 'limit')}.`,
    minItems: (p) => `At least ${n(p, 'limit')} ${plural(n(p, 'limit'), 'item', 'items')}.`,
    maxItems: (p) => `At most ${n(p, 'limit')} ${plural(n(p, 'limit'), 'item', 'items')}.`,
    multipleOf: (p) => `Must be a multiple of ${n(p, 'multipleOf')}.`,
    type: (p) =>
      p.type === 'integer'
        ? 'Must be a whole number.'
        : p.type === 'number'
          ? 'Must be a number.'
          : p.type === 'boolean'
            ? 'Must be yes or no.'
            : 'Has the wrong type.',
    format: (p) =>
      p.format === 'email'
        ? 'Must be an e-mail address.'
        : p.format === 'date'
          ? 'Must be a date (YYYY-MM-DD).'
          : p.format === 'date-time'
            ? 'Must be a date and time.'
            : p.format === 'uri'
              ? 'Must be a web address.'
              : 'Has the wrong format.',
    pattern: () => 'Has the wrong format.',
    enum: (p) => `Must be one of: ${(p.allowedValues as unknown[]).join(', ')}.`,
    const: () => 'Has the wrong value.',
    additionalProperties: () => 'is not a known field',
    fallback: () => 'Is not valid.',
  },
  'fr-CA': {
    required: () => 'Obligatoire.',
    minLength: (p) =>
      n(p, 'limit') === 1
        ? 'Obligatoire.'
        : `Au moins ${n(p, 'limit')} ${plural(n(p, 'limit'), 'caractère', 'caractères')}.`,
    maxLength: (p) => `Au plus ${n(p, 'limit')} ${plural(n(p, 'limit'), 'caractère', 'caractères')}.`,
    minimum: (p) => `Doit être ${n(p, 'limit')} ou plus.`,
    exclusiveMinimum: (p) => `Doit être plus que ${n(p, 'limit')}.`,
    maximum: (p) => `Doit être ${n(p, 'limit')} ou moins.`,
    exclusiveMaximum: (p) => `Doit être moins que ${n(p, 'limit')}.`,
    minItems: (p) => `Au moins ${n(p, 'limit')} ${plural(n(p, 'limit'), 'élément', 'éléments')}.`,
    maxItems: (p) => `Au plus ${n(p, 'limit')} ${plural(n(p, 'limit'), 'élément', 'éléments')}.`,
    multipleOf: (p) => `Doit être un multiple de ${n(p, 'multipleOf')}.`,
    type: (p) =>
      p.type === 'integer'
        ? 'Doit être un nombre entier.'
        : p.type === 'number'
          ? 'Doit être un nombre.'
          : p.type === 'boolean'
            ? 'Doit être oui ou non.'
            : 'N’est pas du bon type.',
    format: (p) =>
      p.format === 'email'
        ? 'Doit être une adresse courriel.'
        : p.format === 'date'
          ? 'Doit être une date (AAAA-MM-JJ).'
          : p.format === 'date-time'
            ? 'Doit être une date et une heure.'
            : p.format === 'uri'
              ? 'Doit être une adresse Web.'
              : 'N’a pas le bon format.',
    pattern: () => 'N’a pas le bon format.',
    enum: (p) => `Doit être l’une de ces valeurs\u00a0: ${(p.allowedValues as unknown[]).join(', ')}.`,
    const: () => 'N’a pas la bonne valeur.',
    additionalProperties: () => 'n’est pas un champ connu',
    fallback: () => 'N’est pas valide.',
  },
};

/** The request's language for messages: its Accept-Language, else English (API clients). */
export function requestLocale(acceptLanguage: string | string[] | undefined): Locale {
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : (acceptLanguage ?? '');
  for (const part of header.split(',')) {
    const tag = part.trim().split(';')[0]?.toLowerCase() ?? '';
    if (tag.startsWith('fr')) return 'fr-CA';
    if (tag.startsWith('en')) return 'en-CA';
  }
  return 'en-CA';
}

export function validationMessage(keyword: string | undefined, params: Params, locale: Locale): string {
  const table = MESSAGES[locale];
  return (table[keyword ?? ''] ?? table.fallback!)(params);
}

/** Keywords this table words (a test checks each has both languages). */
export const VALIDATION_KEYWORDS = Object.keys(MESSAGES['en-CA']);
export { MESSAGES as VALIDATION_MESSAGES };
