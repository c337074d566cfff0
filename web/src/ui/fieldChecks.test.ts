import i18next from 'i18next';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enCA } from '../i18n/en-CA';
import { frCA } from '../i18n/fr-CA';
import { checkAll, checks, hasErrors, routingNumberValid } from './fieldChecks';

beforeAll(async () => {
  await i18next.init({
    lng: 'fr-CA',
    resources: { 'fr-CA': { translation: frCA }, 'en-CA': { translation: enCA } },
  });
});
beforeEach(async () => {
  await i18next.changeLanguage('fr-CA');
});

const c = () => checks(i18next.t);

describe('field checks before a form is sent', () => {
  it('answers every field’s message in the viewer’s language, and nothing for good values', async () => {
    const rules = { name: c().required, email: c().email, password: c().minLength(8) };
    expect(checkAll({ name: ' ', email: 'lea@', password: 'court' }, rules)).toEqual({
      name: 'Obligatoire.',
      email: 'Doit être une adresse courriel.',
      password: 'Au moins 8 caractères.',
    });
    expect(checkAll({ name: 'Léa', email: 'lea@example.ca', password: 'assez longue' }, rules)).toEqual({});
    await i18next.changeLanguage('en-CA');
    expect(checkAll({ name: '', email: 'x', password: '' }, rules)).toEqual({
      name: 'Required.',
      email: 'Must be an e-mail address.',
      password: 'Required.',
    });
  });

  it('text limits: required with a maximum, or optional with one', () => {
    expect(c().text(5)('')).toBe('Obligatoire.');
    expect(c().text(5)('abcdef')).toBe('Au plus 5 caractères.');
    expect(c().text(5)('abcde')).toBeUndefined();
    expect(c().maxLength(3)('')).toBeUndefined();
    expect(c().maxLength(1)('ab')).toBe('Au plus 1 caractère.');
    expect(c().optional(c().email)('')).toBeUndefined();
    expect(c().optional(c().email)('x@')).toBe('Doit être une adresse courriel.');
  });

  it('a date as DateField gives it: empty, not a date (the text typed), too early, or fine', () => {
    const date = c().date({ from: '2026-12-01' });
    expect(date('')).toBe('Obligatoire.');
    expect(date('2026-13-45')).toBe('Doit être une date (AAAA-MM-JJ).');
    expect(date('01/12/2026')).toBe('Doit être une date (AAAA-MM-JJ).');
    expect(date('2026-11-30')).toBe('Doit être le 2026-12-01 ou plus tard.');
    expect(date('2026-12-01')).toBeUndefined();
    expect(c().date()('1999-01-01')).toBeUndefined();
    expect(c().optional(c().date())('')).toBeUndefined();
  });

  it('an amount in major units: positive, in the currency’s digits, at most a limit named as money', async () => {
    const amount = c().amount(2, { max: { minor: 4000, label: '40,00 $' } });
    expect(amount('')).toBe('Obligatoire.');
    expect(amount('0')).toBe('Doit être un montant positif, p. ex. 12,50.');
    expect(amount('-5')).toBe('Doit être un montant positif, p. ex. 12,50.');
    expect(amount('12,345')).toBe('Doit être un montant positif, p. ex. 12,50.');
    expect(amount('douze')).toBe('Doit être un montant positif, p. ex. 12,50.');
    expect(amount('40,01')).toBe('Au plus 40,00 $.');
    expect(amount('40,00')).toBeUndefined();
    expect(amount('12.5')).toBeUndefined();
    // Beyond the schemas' AmountMinor maximum (10^12 minor units).
    expect(c().amount(2)('10000000000,01')).toBe('Doit être un montant positif, p. ex. 12,50.');
    // A fee may be nothing.
    expect(c().amount(2, { zero: true })('0')).toBeUndefined();
    expect(c().amount(2, { zero: true })('0,00')).toBeUndefined();
    expect(c().amount(2, { zero: true })('-1')).toBe('Doit être un montant, 0 ou plus, p. ex. 12,50.');
    await i18next.changeLanguage('en-CA');
    expect(checks(i18next.t).amount(2, { max: { minor: 4000, label: '$40.00' } })('50')).toBe(
      'At most $40.00.',
    );
  });

  it('whole numbers in a range, and digit counts', () => {
    const hour = c().wholeNumber(0, 23);
    expect(hour('')).toBe('Obligatoire.');
    expect(hour('24')).toBe('Doit être un nombre entier de 0 à 23.');
    expect(hour('7.5')).toBe('Doit être un nombre entier de 0 à 23.');
    expect(hour('-1')).toBe('Doit être un nombre entier de 0 à 23.');
    expect(hour('0')).toBeUndefined();
    expect(hour('23')).toBeUndefined();
    const account = c().digits(4, 17);
    expect(account('123')).toBe('Doit compter de 4 à 17 chiffres.');
    expect(account('12a45')).toBe('Doit compter de 4 à 17 chiffres.');
    expect(account('1'.repeat(18))).toBe('Doit compter de 4 à 17 chiffres.');
    expect(account('0001 2345-6789')).toBeUndefined();
  });

  it('routing numbers as the sandbox takes them', () => {
    // Canadian transit + institution, in its three spellings; zeros are no bank.
    expect(routingNumberValid('12345-003', false)).toBe(true);
    expect(routingNumberValid('12345 003', false)).toBe(true);
    expect(routingNumberValid('12345003', false)).toBe(true);
    expect(routingNumberValid('00000-003', true)).toBe(false);
    expect(routingNumberValid('12345-000', true)).toBe(false);
    // US ABA: 9 digits with the 3-7-1 checksum (021000021 is a real one; one digit changed is not).
    expect(routingNumberValid('021000021', false)).toBe(true);
    expect(routingNumberValid('021000022', false)).toBe(false);
    // The Canadian electronic form 0 + institution + transit, only for an organization billing in CAD.
    expect(routingNumberValid('000412345', true)).toBe(true);
    expect(routingNumberValid('000412345', false)).toBe(false);
    // An ABA number begins with a Federal Reserve routing symbol (not 13–20, for one).
    expect(routingNumberValid('130000001', false)).toBe(false);
    expect(routingNumberValid('1234', true)).toBe(false);
    expect(c().routingNumber(true)('')).toBe('Obligatoire.');
    expect(c().routingNumber(true)('42')).toMatch(/^Doit être un numéro de transit et d’institution/);
  });

  it('hasErrors counts only the messages actually there', () => {
    expect(hasErrors({ a: undefined })).toBe(false);
    expect(hasErrors({ a: undefined, b: 'Obligatoire.' })).toBe(true);
  });
});
