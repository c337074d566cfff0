import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { enCA } from '../i18n/en-CA';
import { frCA } from '../i18n/fr-CA';
import { checkAll, checks } from './fieldChecks';

beforeAll(async () => {
  await i18next.init({
    lng: 'fr-CA',
    resources: { 'fr-CA': { translation: frCA }, 'en-CA': { translation: enCA } },
  });
});

describe('field checks before a form is sent', () => {
  it('answers every field’s message in the viewer’s language, and nothing for good values', async () => {
    const c = checks(i18next.t);
    const rules = { name: c.required, email: c.email, password: c.minLength(8) };
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
});
