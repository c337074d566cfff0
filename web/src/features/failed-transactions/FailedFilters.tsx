import { Chip, Group, Switch, Text } from '@mantine/core';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodType } from '../../api/schema';
import { useCharts } from '../action-center/api';
import type { FailedTransactionFilters, TransactionType } from './api';

const METHODS: MethodType[] = ['card', 'echeck'];
const TYPES: TransactionType[] = ['refund', 'echeck_payment', 'installment', 'subscription'];
type FailureCode = NonNullable<FailedTransactionFilters['reason']>;

function ChipRow<T extends string>(props: {
  label: string;
  name: string;
  options: Array<{ value: T; label: string }>;
  value: T | undefined;
  onChange: (value: T | undefined) => void;
}) {
  const labelId = useId();
  return (
    <Group gap="xs" role="group" aria-labelledby={labelId}>
      <Text id={labelId} size="sm" fw={600} miw={130}>
        {props.label}
      </Text>
      {props.options.map((option) => (
        <Chip
          key={option.value}
          size="xs"
          checked={props.value === option.value}
          onChange={(checked) => props.onChange(checked ? option.value : undefined)}
          wrapperProps={{ 'data-testid': `filter-${props.name}-${option.value}` }}
        >
          {option.label}
        </Chip>
      ))}
    </Group>
  );
}

export function FailedFilters(props: {
  filters: FailedTransactionFilters;
  onChange: (filters: FailedTransactionFilters) => void;
  paidElsewhereOnly: boolean;
  onPaidElsewhereOnly: (value: boolean) => void;
}) {
  const { t } = useTranslation();
  const charts = useCharts();
  const { filters, onChange } = props;
  const reasons = (charts.data?.failedByReason ?? []).map((reason) => ({
    // The charts count the entries' reason codes, which are the failure catalogue's.
    value: reason.code as FailureCode,
    label: reason.message || reason.code,
  }));
  if (filters.reason && !reasons.some((reason) => reason.value === filters.reason)) {
    reasons.push({ value: filters.reason, label: filters.reason });
  }

  return (
    <Group gap="xs" mb="sm" align="flex-start" justify="space-between">
      <div>
        <ChipRow
          label={t('failed.filters.method')}
          name="method"
          options={METHODS.map((value) => ({ value, label: t(`methodType.${value}`) }))}
          value={filters.paymentMethod}
          onChange={(paymentMethod) => onChange({ ...filters, paymentMethod })}
        />
        <ChipRow
          label={t('failed.filters.type')}
          name="type"
          options={TYPES.map((value) => ({ value, label: t(`transactionType.${value}`) }))}
          value={filters.type}
          onChange={(type) => onChange({ ...filters, type })}
        />
        <ChipRow
          label={t('recovery.filter')}
          name="retry"
          options={[
            { value: 'automatic' as const, label: t('recovery.filterAutomatic') },
            { value: 'manual' as const, label: t('recovery.filterManual') },
          ]}
          value={filters.retry}
          onChange={(retry) => onChange({ ...filters, retry })}
        />
        {reasons.length > 0 && (
          <ChipRow
            label={t('failed.filters.reason')}
            name="reason"
            options={reasons}
            value={filters.reason}
            onChange={(reason) => onChange({ ...filters, reason })}
          />
        )}
      </div>
      <Switch
        label={t('failed.filters.paidElsewhere')}
        checked={props.paidElsewhereOnly}
        onChange={(event) => props.onPaidElsewhereOnly(event.currentTarget.checked)}
        data-testid="filter-paid-elsewhere"
      />
    </Group>
  );
}
