import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { setApiLanguage } from '../api/client';
import type { Locale } from '../api/schema';
import { enCA } from './en-CA';
import { frCA } from './fr-CA';

const LOCALES: Locale[] = ['fr-CA', 'en-CA'];
const STORAGE_KEY = 'recoup.locale';

export function storedLocale(): Locale | null {
  const value = localStorage.getItem(STORAGE_KEY);
  return LOCALES.includes(value as Locale) ? (value as Locale) : null;
}

function browserLocale(): Locale {
  return navigator.language.toLowerCase().startsWith('en') ? 'en-CA' : 'fr-CA';
}

/** Switches the language of texts, money and dates; `persist` keeps the choice in this browser. */
export async function changeLocale(locale: Locale, persist: boolean): Promise<void> {
  if (persist) localStorage.setItem(STORAGE_KEY, locale);
  await i18n.changeLanguage(locale);
}

i18n.on('languageChanged', (language) => {
  document.documentElement.lang = language;
  setApiLanguage(language);
});

void i18n.use(initReactI18next).init({
  resources: { 'en-CA': { translation: enCA }, 'fr-CA': { translation: frCA } },
  lng: storedLocale() ?? browserLocale(),
  fallbackLng: 'fr-CA',
  supportedLngs: LOCALES,
  interpolation: { escapeValue: false },
});

export { i18n };
