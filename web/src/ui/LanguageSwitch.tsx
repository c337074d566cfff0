import { SegmentedControl } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../api/schema';
import { changeLocale } from '../i18n';
import { useLocale } from './useLocale';

export function LanguageSwitch({ persist }: { persist: boolean }) {
  const { t } = useTranslation();
  const locale = useLocale();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('language.label')}
      data-testid="language-switch"
      value={locale}
      onChange={(value) => void changeLocale(value as Locale, persist)}
      data={[
        { value: 'fr-CA', label: t('language.fr') },
        { value: 'en-CA', label: t('language.en') },
      ]}
    />
  );
}
