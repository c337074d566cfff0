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
  /**
   * A business date, `YYYY-MM-DD`, or '' when empty; or the text typed when it cannot be read as a date,
   * so that the form's `date` check (fieldChecks.ts) names it instead of sending the date shown before.
   */
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
 * picking it. Emptying the text empties the value, and what cannot be read as a date reaches the form as
 * typed, for its own check to name: Mantine alone keeps the last good date behind an emptied or mistyped
 * field, and the form would send a date the person no longer sees.
 */
export function DateField({ value, onChange, ...props }: DateFieldProps) {
  const { t } = useTranslation();
  const locale = useLocale();
  const date = value === '' ? null : parseIsoDate(value);
  return (
    <DateInput
      {...props}
      value={date}
      onChange={(next) => onChange(next ?? '')}
      // DateInput's own handler takes only what reads as a date: this one tells the form the rest.
      onInput={(event) => {
        const text = event.currentTarget.value.trim();
        if (text === '') onChange('');
        else if (parseIsoDate(text) === null) onChange(text);
      }}
      // A mistyped text stays as typed beside its message (Mantine would put back the last good date).
      fixOnBlur={value === '' || date !== null}
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
