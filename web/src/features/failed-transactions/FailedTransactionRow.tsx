import { Anchor, Badge, Button, Group, Stack, Table, Text, Tooltip } from '@mantine/core';
import { IconClockHour4 } from '@tabler/icons-react';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { Money } from '../../ui/Money';
import { CompactPaymentMethod } from '../../ui/PaymentMethodLabel';
import { useFormatInstant } from '../../ui/useFormatInstant';
import type { FailedTransaction } from './api';
import { DunningPauseBadge, RecoveryStatus } from './RecoveryStatus';
import { RescheduleButton } from './RescheduleButton';
import { RetryButton } from './RetryButton';

/** A reason code may break after its underscores ("insufficient_/merchant_/funds") in a narrow column. */
function BreakableCode({ code }: { code: string }) {
  const parts = code.split('_');
  return (
    <>
      {parts.map((part, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one code, in order, never reordered
        <Fragment key={index}>
          {part}
          {index < parts.length - 1 && (
            <>
              _<wbr />
            </>
          )}
        </Fragment>
      ))}
    </>
  );
}

export function FailedTransactionRow(props: {
  entry: FailedTransaction;
  canManage: boolean;
  onIgnore: (entry: FailedTransaction) => void;
}) {
  const { entry, canManage } = props;
  const { t } = useTranslation();
  const instant = useFormatInstant();

  return (
    <Table.Tr data-testid="ft-row" data-id={entry.id} data-status={entry.status}>
      <Table.Td>
        <Stack gap={4} align="flex-start">
          <Text size="sm" fw={600}>
            {entry.customerName}
          </Text>
          {entry.paidElsewhere && (
            <Badge
              color="teal.9"
              variant="filled"
              size="sm"
              miw="max-content"
              data-testid="ft-paid-elsewhere"
            >
              {t('failed.paidElsewhere')}
            </Badge>
          )}
          <DunningPauseBadge entry={entry} />
        </Stack>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{t(`transactionType.${entry.type}`)}</Text>
        <Group gap={4} wrap="nowrap">
          <Text
            fz={11}
            c="gray.7"
            ff="monospace"
            style={{ whiteSpace: 'nowrap' }}
            data-testid="ft-payment-id"
          >
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
                style={{ flexShrink: 0 }}
              />
            </Tooltip>
          )}
        </Group>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{entry.reason.message}</Text>
        <Text size="xs" c="gray.7" ff="monospace" data-testid="ft-reason-code">
          <BreakableCode code={entry.reason.code} />
        </Text>
      </Table.Td>
      <Table.Td ta="right">
        <Money minor={entry.amount} currency={entry.currency} />
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <Text size="xs" span>
          {instant(entry.failedAt)}
        </Text>
      </Table.Td>
      <Table.Td>
        <CompactPaymentMethod method={entry.paymentMethod} />
      </Table.Td>
      <Table.Td ta="right" data-testid="ft-attempts">
        {entry.attempts}
      </Table.Td>
      <Table.Td miw={190}>
        <Stack gap={6}>
          <Text size="xs" data-testid="ft-recommended">
            {entry.recommendedAction.message}
          </Text>
          <RecoveryStatus entry={entry} />
          {canManage && (
            <Group gap={6}>
              <RetryButton entry={entry} />
              <RescheduleButton entry={entry} />
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
            </Group>
          )}
          {canManage && entry.actions.changePaymentMethod && (
            // FT8: it leads to the account's Upcoming payments tab, so it is a link (and may wrap).
            <Anchor
              component={Link}
              to={`/accounts/${entry.accountId}/upcoming-payments`}
              size="xs"
              fw={500}
              data-testid="ft-change-method"
            >
              {t('failed.changeMethod')}
            </Anchor>
          )}
        </Stack>
      </Table.Td>
    </Table.Tr>
  );
}
