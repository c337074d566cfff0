import { Badge, Button, Group, Stack, Table, Text, Tooltip } from '@mantine/core';
import { IconClockHour4 } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import type { FailedTransaction } from '../../api/types';
import { formatInstant } from '../../ui/dates';
import { Money } from '../../ui/Money';
import { PaymentMethodLabel } from '../../ui/PaymentMethodLabel';
import { useLocale } from '../../ui/useLocale';
import { RetryButton } from './RetryButton';

export function FailedTransactionRow(props: {
  entry: FailedTransaction;
  canManage: boolean;
  onIgnore: (entry: FailedTransaction) => void;
}) {
  const { entry, canManage } = props;
  const { t } = useTranslation();
  const locale = useLocale();
  const navigate = useNavigate();

  return (
    <Table.Tr data-testid="ft-row" data-id={entry.id} data-status={entry.status}>
      <Table.Td>
        <Stack gap={4} align="flex-start">
          <Text size="sm" fw={600}>
            {entry.customerName}
          </Text>
          {entry.paidElsewhere && (
            <Badge color="teal.9" variant="filled" size="sm" data-testid="ft-paid-elsewhere">
              {t('failed.paidElsewhere')}
            </Badge>
          )}
        </Stack>
      </Table.Td>
      <Table.Td>{t(`transactionType.${entry.type}`)}</Table.Td>
      <Table.Td>
        <Text size="sm">{entry.reason.message}</Text>
        <Text size="xs" c="gray.7" ff="monospace" data-testid="ft-reason-code">
          {entry.reason.code}
        </Text>
      </Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap">
          <Text size="sm" ff="monospace" data-testid="ft-payment-id">
            {entry.paymentId}
          </Text>
          {entry.status === 'retrying' && (
            <Tooltip label={t('failed.retrying')}>
              <IconClockHour4
                size={16}
                color="var(--mantine-color-orange-7)"
                role="img"
                aria-label={t('failed.retrying')}
                data-testid="ft-retrying"
              />
            </Tooltip>
          )}
        </Group>
      </Table.Td>
      <Table.Td ta="right">
        <Money minor={entry.amount} currency={entry.currency} />
      </Table.Td>
      <Table.Td>{formatInstant(entry.failedAt, locale)}</Table.Td>
      <Table.Td>
        <PaymentMethodLabel method={entry.paymentMethod} />
      </Table.Td>
      <Table.Td ta="right" data-testid="ft-attempts">
        {entry.attempts}
      </Table.Td>
      <Table.Td>
        <Stack gap={6}>
          <Text size="xs" data-testid="ft-recommended">
            {entry.recommendedAction.message}
          </Text>
          {canManage && (
            <Group gap={6}>
              <RetryButton entry={entry} />
              {entry.actions.ignore && (
                <Button
                  size="compact-sm"
                  variant="default"
                  onClick={() => props.onIgnore(entry)}
                  data-testid="ft-ignore"
                >
                  {t('failed.ignoreAction')}
                </Button>
              )}
              {entry.actions.changePaymentMethod && (
                <Button
                  size="compact-sm"
                  variant="light"
                  onClick={() => navigate(`/accounts/${entry.accountId}/upcoming-payments`)}
                  data-testid="ft-change-method"
                >
                  {t('failed.changeMethod')}
                </Button>
              )}
            </Group>
          )}
        </Stack>
      </Table.Td>
    </Table.Tr>
  );
}
