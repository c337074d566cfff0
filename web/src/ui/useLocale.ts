import { useTranslation } from 'react-i18next';
import type { Locale } from '../api/schema';

export function useLocale(): Locale {
  const { i18n } = useTranslation();
  return (i18n.resolvedLanguage ?? i18n.language) as Locale;
}
