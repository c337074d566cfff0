import { Chip, Group, Select, Switch, Text } from '@mantine/core';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodType } from '../../api/schema';
import { usePhone } from '../../ui/usePhone';
import { type FailedTransactionFilters, type TransactionType, useFailedReasons } from './api';

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
  const phone = usePhone();
  const { filters, onChange } = props;
  // FT9: only the reasons that leave rows under the other filters, each with its count.
  const facet = useFailedReasons(filters);
  const reasons = (facet.data?.reasons ?? []).map((reason) => ({
    value: reason.code as FailureCode,
    label: t('lists.reasonOption', { label: reason.message || reason.code, count: reason.count }),
  }));
  // A reason chosen before the other filters changed stays visible (with no count), so it can be cleared.
  if (filters.reason && !reasons.some((reason) => reason.value === filters.reason)) {
    reasons.push({ value: filters.reason, label: filters.reason });
  }

  return (
    <Group gap="xs" mb="sm" align="flex-start" justify="space-between">
      <div style={{ minWidth: 0, maxWidth: '100%' }}>
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
        {phone ? (
          <Select
            mt="xs"
            label={t('failed.filters.reason')}
            placeholder={t('lists.reasonAll')}
            data={reasons}
            value={filters.reason ?? null}
            onChange={(reason) =>
              onChange({ ...filters, reason: (reason as FailureCode | null) ?? undefined })
            }
            clearable
            comboboxProps={{ withinPortal: true }}
            data-testid="filter-reason-select"
          />
        ) : (
          reasons.length > 0 && (
            <ChipRow
              label={t('failed.filters.reason')}
              name="reason"
              options={reasons}
              value={filters.reason}
              onChange={(reason) => onChange({ ...filters, reason })}
            />
          )
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
