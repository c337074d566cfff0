import { DateInput } from '@mantine/dates';
import '@mantine/dates/styles.css';
import 'dayjs/locale/en-ca';
import 'dayjs/locale/fr-ca';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { parseIsoDate } from './isoDate';
import { useLocale } from './useLocale';

export interface DateFieldProps {
  label?: ReactNode;
  /** A business date, `YYYY-MM-DD`, or '' when empty. */
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  error?: ReactNode;
  description?: ReactNode;
  minDate?: string;
  maxDate?: string;
  clearable?: boolean;
  disabled?: boolean;
  'data-testid'?: string;
  'aria-label'?: string;
}

/**
 * A business date typed or picked in the viewer's language. A native `<input type="date">` shows the
 * browser's own order (MM/DD/YYYY in a French page opened in an English Chromium), so the field writes
 * dates as YYYY-MM-DD, the numeric form both official languages use in Canada (and what the API takes),
 * and the calendar names months and days in the page's language. Typing the date works as well as
 * picking it; what cannot be read as a date is left for the form's own check to name.
 */
export function DateField({ value, onChange, ...props }: DateFieldProps) {
  const { t } = useTranslation();
  const locale = useLocale();
  return (
    <DateInput
      {...props}
      value={value === '' ? null : value}
      onChange={(next) => onChange(next ?? '')}
      valueFormat="YYYY-MM-DD"
      dateParser={parseIsoDate}
      placeholder={t('dateField.placeholder')}
      locale={locale === 'fr-CA' ? 'fr-ca' : 'en-ca'}
      firstDayOfWeek={0}
      allowDeselect={props.clearable ?? false}
      popoverProps={{ withinPortal: true }}
    />
  );
}
