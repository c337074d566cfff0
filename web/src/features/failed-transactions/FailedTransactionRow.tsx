import { Anchor, Badge, Button, Group, Paper, Stack, Table, Text, Tooltip } from '@mantine/core';
import { IconClockHour4 } from '@tabler/icons-react';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { Money } from '../../ui/Money';
import { CompactPaymentMethod, usePaymentMethodLabel } from '../../ui/PaymentMethodLabel';
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

type RowProps = {
  entry: FailedTransaction;
  canManage: boolean;
  onIgnore: (entry: FailedTransaction) => void;
  /** the entry a link opened (an attempt in an account file): outlined */
  focused?: boolean;
};

const FOCUSED = { outline: '2px solid var(--mantine-color-blue-6)', outlineOffset: -2 };

/** The owner's name opens the account file (the row itself is not a link, so it does not look like one). */
function CustomerBlock({ entry }: { entry: FailedTransaction }) {
  const { t } = useTranslation();
  return (
    <Stack gap={4} align="flex-start">
      <Anchor
        component={Link}
        to={`/accounts/${entry.accountId}/ledger`}
        size="sm"
        fw={600}
        title={t('lists.openAccount')}
        data-testid="ft-customer"
      >
        {entry.customerName}
      </Anchor>
      {entry.paidElsewhere && (
        <Badge color="teal.9" variant="filled" size="sm" miw="max-content" data-testid="ft-paid-elsewhere">
          {t('failed.paidElsewhere')}
        </Badge>
      )}
      <DunningPauseBadge entry={entry} />
    </Stack>
  );
}

/** The method that failed, and (FT5) the one a retry will charge when the schedule has another one now. */
function MethodBlock({ entry }: { entry: FailedTransaction }) {
  const { t } = useTranslation();
  const label = usePaymentMethodLabel();
  return (
    <Stack gap={4}>
      <CompactPaymentMethod method={entry.paymentMethod} />
      {entry.currentPaymentMethod && (
        <Tooltip label={t('lists.nextTryHelp')} multiline w={240}>
          <Text size="xs" fw={600} c="teal.9" data-testid="ft-next-method">
            {t('lists.nextTry', { method: label(entry.currentPaymentMethod) })}
          </Text>
        </Tooltip>
      )}
    </Stack>
  );
}

function ActionsBlock(props: RowProps) {
  const { entry, canManage } = props;
  const { t } = useTranslation();
  return (
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
  );
}

function RetryingClock() {
  const { t } = useTranslation();
  return (
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
  );
}

/**
 * A phone's version of the row (FT2: the same facts): the name and amount on top, the reason, the date and
 * the method, then the actions, all within the screen's width.
 */
export function FailedTransactionCard(props: RowProps) {
  const { entry } = props;
  const { t } = useTranslation();
  const instant = useFormatInstant();
  return (
    <Paper
      withBorder
      p="sm"
      radius="md"
      data-testid="ft-row"
      data-id={entry.id}
      data-status={entry.status}
      data-focused={props.focused || undefined}
      aria-current={props.focused || undefined}
      style={props.focused ? FOCUSED : undefined}
    >
      <Stack gap={8}>
        <Group justify="space-between" align="flex-start" wrap="nowrap" gap="xs">
          <CustomerBlock entry={entry} />
          <Text fw={700} style={{ whiteSpace: 'nowrap' }} data-testid="ft-amount">
            <Money minor={entry.amount} currency={entry.currency} />
          </Text>
        </Group>
        <div>
          <Text size="sm">{entry.reason.message}</Text>
          <Text size="xs" c="gray.7" ff="monospace" data-testid="ft-reason-code">
            <BreakableCode code={entry.reason.code} />
          </Text>
        </div>
        <Group gap={6} wrap="wrap">
          <Text size="xs">{t(`transactionType.${entry.type}`)}</Text>
          <Text
            size="xs"
            c="gray.7"
            ff="monospace"
            data-testid="ft-payment-id"
            style={{ overflowWrap: 'anywhere' }}
          >
            {entry.paymentId}
          </Text>
          {entry.status === 'retrying' && <RetryingClock />}
        </Group>
        <Group justify="space-between" gap="xs">
          <Text size="xs">{t('lists.failedOn', { when: instant(entry.failedAt) })}</Text>
          <Text size="xs" data-testid="ft-attempts" data-count={entry.attempts}>
            {t('lists.attempts', { count: entry.attempts })}
          </Text>
        </Group>
        <MethodBlock entry={entry} />
        <ActionsBlock {...props} />
      </Stack>
    </Paper>
  );
}

export function FailedTransactionRow(props: RowProps) {
  const { entry } = props;
  const { t } = useTranslation();
  const instant = useFormatInstant();

  return (
    <Table.Tr
      data-testid="ft-row"
      data-id={entry.id}
      data-status={entry.status}
      data-focused={props.focused || undefined}
      aria-current={props.focused || undefined}
      style={props.focused ? FOCUSED : undefined}
    >
      <Table.Td>
        <CustomerBlock entry={entry} />
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
          {entry.status === 'retrying' && <RetryingClock />}
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
        <MethodBlock entry={entry} />
      </Table.Td>
      <Table.Td ta="right" data-testid="ft-attempts">
        {entry.attempts}
      </Table.Td>
      <Table.Td miw={190}>
        <ActionsBlock {...props} />
      </Table.Td>
    </Table.Tr>
  );
}
