import type { TFunction } from 'i18next';

/**
 * Checks a form runs before it sends anything, worded like the server's error table
 * (src/platform/http/validation-messages.ts) so a field says the same thing whoever caught the mistake.
 * Each answers the message to show next to the field, or undefined when the value is fine.
 */
export type Check = (value: string) => string | undefined;

// One "@" with something on both sides and a dot in the domain: what the server's `email` format accepts
// in practice, without pretending to validate deliverability.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function checks(t: TFunction) {
  const required: Check = (value) => (value.trim() === '' ? t('fieldCheck.required') : undefined);
  return {
    required,
    email: ((value) =>
      required(value) ?? (EMAIL.test(value.trim()) ? undefined : t('fieldCheck.email'))) satisfies Check,
    minLength:
      (limit: number): Check =>
      (value) =>
        required(value) ?? (value.length < limit ? t('fieldCheck.minLength', { count: limit }) : undefined),
  };
}

/** Runs every field's check; the form sends only when the answer is empty. */
export function checkAll<K extends string>(
  values: Record<K, string>,
  rules: Partial<Record<K, Check>>,
): Partial<Record<K, string>> {
  const errors: Partial<Record<K, string>> = {};
  for (const key of Object.keys(rules) as K[]) {
    const message = rules[key]?.(values[key] ?? '');
    if (message) errors[key] = message;
  }
  return errors;
}
