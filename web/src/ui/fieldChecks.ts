import type { TFunction } from 'i18next';
import { type FormEvent, useState } from 'react';
import { parseIsoDate } from './isoDate';
import { parseMoneyInput } from './money';

/**
 * Checks a form runs before it sends anything, worded like the server's error table
 * (src/platform/http/validation-messages.ts) so a field says the same thing whoever caught the mistake.
 * Each answers the message to show next to the field, or undefined when the value is fine. The limits are
 * the route schemas' (src/modules/*\/…routes.ts); the server still has the last word.
 */
export type Check = (value: string) => string | undefined;

// One "@" with something on both sides and a dot in the domain: what the server's `email` format accepts
// in practice, without pretending to validate deliverability.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** AmountMinor's maximum in the route schemas (src/platform/http/schemas.ts). */
export const MAX_AMOUNT_MINOR = 1_000_000_000_000;

/**
 * A US ABA routing number: a Federal Reserve routing symbol (00–12, 21–32, 61–72, 80) and the checksum
 * (weights 3, 7, 1 repeated; the weighted sum is a multiple of 10).
 */
function abaValid(routing: string): boolean {
  const prefix = Number(routing.slice(0, 2));
  if (!(prefix <= 12 || (prefix >= 21 && prefix <= 32) || (prefix >= 61 && prefix <= 72) || prefix === 80))
    return false;
  const weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (routing.charCodeAt(i) - 48) * (weights[i] as number);
  return sum % 10 === 0;
}

/**
 * The routing numbers the sandbox takes (src/modules/sandbox/sandbox-instruments.ts, parseRoutingNumber):
 * a Canadian transit and institution, `12345-003`, `12345 003` or `12345003`; and 9 digits, which for an
 * organization billing in CAD are the Canadian electronic form `0` + institution + transit (no check
 * digit), and otherwise a US ABA number with its checksum.
 */
export function routingNumberValid(text: string, canadian: boolean): boolean {
  const trimmed = text.trim();
  const micr = /^(\d{5})[\s-]?(\d{3})$/.exec(trimmed);
  if (micr) return micr[1] !== '00000' && micr[2] !== '000';
  if (!/^\d{9}$/.test(trimmed)) return false;
  if (abaValid(trimmed) && !canadian) return true;
  if (canadian && trimmed.startsWith('0'))
    return trimmed.slice(1, 4) !== '000' && trimmed.slice(4) !== '00000';
  return false;
}

export function checks(t: TFunction) {
  const required: Check = (value) => (value.trim() === '' ? t('fieldCheck.required') : undefined);
  /** The same check, but an empty field is fine (the API field is optional). */
  const optional =
    (check: Check): Check =>
    (value) =>
      value.trim() === '' ? undefined : check(value);
  const maxLength =
    (limit: number): Check =>
    (value) =>
      value.trim().length > limit ? t('fieldCheck.maxLength', { count: limit }) : undefined;
  const email: Check = (value) =>
    required(value) ??
    (EMAIL.test(value.trim()) ? undefined : t('fieldCheck.email')) ??
    maxLength(254)(value);
  return {
    required,
    optional,
    email,
    minLength:
      (limit: number): Check =>
      (value) =>
        required(value) ?? (value.length < limit ? t('fieldCheck.minLength', { count: limit }) : undefined),
    maxLength,
    /** Required text of at most `limit` characters (the schemas' `Name`: 1 to 200). */
    text:
      (limit: number): Check =>
      (value) =>
        required(value) ?? maxLength(limit)(value),
    /**
     * A business date as DateField gives it: '' (required), YYYY-MM-DD, or the text typed when it is not a
     * date. `from`: the first date allowed (YYYY-MM-DD), e.g. today for what cannot be in the past.
     */
    date:
      (opts: { from?: string } = {}): Check =>
      (value) => {
        const empty = required(value);
        if (empty) return empty;
        const date = parseIsoDate(value);
        if (!date) return t('fieldCheck.date');
        if (opts.from && date < opts.from) return t('fieldCheck.dateFrom', { date: opts.from });
        return undefined;
      },
    /**
     * An amount typed in major units (parseMoneyInput): positive, at most the schemas' AmountMinor, and at
     * most `max` when given (its `label` is the formatted amount the message names). `zero`: 0 is allowed.
     */
    amount:
      (digits: number, opts: { max?: { minor: number; label: string }; zero?: boolean } = {}): Check =>
      (value) => {
        const empty = required(value);
        if (empty) return empty;
        const minor = parseMoneyInput(value, digits, { allowZero: opts.zero });
        if (minor === null || minor > MAX_AMOUNT_MINOR)
          return t(opts.zero ? 'fieldCheck.amountOrZero' : 'fieldCheck.amount');
        if (opts.max && minor > opts.max.minor)
          return t('fieldCheck.amountAtMost', { amount: opts.max.label });
        return undefined;
      },
    /** A whole number from `min` to `max` (NumberInput gives '' when empty). */
    wholeNumber:
      (min: number, max: number): Check =>
      (value) =>
        required(value) ??
        (/^\s*-?\d+\s*$/.test(value) && Number(value) >= min && Number(value) <= max
          ? undefined
          : t('fieldCheck.wholeNumber', { min, max })),
    /** Only digits (spaces and dashes between them allowed), from `min` to `max` of them. */
    digits:
      (min: number, max: number): Check =>
      (value) => {
        const empty = required(value);
        if (empty) return empty;
        const digits = value.replace(/[\s-]/g, '');
        return /^\d+$/.test(digits) && digits.length >= min && digits.length <= max
          ? undefined
          : t('fieldCheck.digits', { min, max });
      },
    routingNumber:
      (canadian: boolean): Check =>
      (value) =>
        required(value) ?? (routingNumberValid(value, canadian) ? undefined : t('fieldCheck.routingNumber')),
  };
}

export type FieldErrors<K extends string = string> = Partial<Record<K, string>>;

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

export function hasErrors(errors: object): boolean {
  return Object.values(errors).some((message) => message !== undefined);
}

/**
 * Moves focus to the first field flagged in the form, in page order (Mantine marks it aria-invalid), once
 * React has drawn the messages.
 */
export function focusFirstInvalid(form: HTMLFormElement | null | undefined): void {
  if (!form) return;
  requestAnimationFrame(() => form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
}

/**
 * A form's own checks. `validate` reads the current draft and answers the message of every bad field.
 * `passes(event)` on submit answers whether the form may be sent; when not, every bad field shows its
 * message at once and the first one gets the focus. From then on the messages follow what is typed (and go
 * when the value is right), until a submit passes.
 */
export function useFieldChecks<E extends object>(validate: () => E) {
  const [shown, setShown] = useState(false);
  const errors: Partial<E> = shown ? validate() : {};
  return {
    errors,
    passes(event: FormEvent<HTMLFormElement> | { currentTarget: HTMLFormElement | null }): boolean {
      const found = validate();
      const ok = !hasErrors(found);
      setShown(!ok);
      if (!ok) focusFirstInvalid(event.currentTarget);
      return ok;
    },
    /** Forget the messages (the form was emptied after a successful send, or closed). */
    reset: () => setShown(false),
  };
}
