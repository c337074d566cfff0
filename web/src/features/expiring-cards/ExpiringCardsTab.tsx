import { ActionIcon, Group, Table, Text, Tooltip } from '@mantine/core';
import { IconInfoCircle } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useCan, useOrganization } from '../../admin/session';
import { cardBrandName } from '../../ui/cardBrand';
import { formatDate, formatExpiry } from '../../ui/dates';
import { LoadMore } from '../../ui/LoadMore';
import { Money } from '../../ui/Money';
import { NewTabLink } from '../../ui/NewTabLink';
import { QueryStatus } from '../../ui/QueryStatus';
import { useFormatInstant } from '../../ui/useFormatInstant';
import { useLocale } from '../../ui/useLocale';
import { useExpiringCards } from './api';
import { RemindButton } from './RemindButton';

/** The months after its expiry month whose charges count as at risk (src/modules/expiring-cards/at-risk.ts). */
const AT_RISK_MONTHS = 3;

export function ExpiringCardsTab() {
  const { t } = useTranslation();
  const locale = useLocale();
  const instant = useFormatInstant();
  const can = useCan();
  const list = useExpiringCards();
  const currency = useOrganization().data?.currency ?? 'CAD';
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];

  if (!list.isSuccess) return <QueryStatus query={list} />;
  return (
    <>
      <Text size="sm" c="gray.8" mb="sm" data-testid="ec-schedule">
        {t('expiringHelp.schedule')} {t('expiringHelp.atRisk', { months: AT_RISK_MONTHS })}
      </Text>
      <Table.ScrollContainer minWidth={900}>
        <Table striped verticalSpacing="xs" data-testid="ec-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('expiring.columns.owner')}</Table.Th>
              <Table.Th>{t('expiring.columns.card')}</Table.Th>
              <Table.Th>{t('expiring.columns.expiry')}</Table.Th>
              <Table.Th ta="right">{t('expiring.columns.upcoming')}</Table.Th>
              <Table.Th>{t('expiring.columns.next')}</Table.Th>
              <Table.Th ta="right">
                <Group gap={4} justify="flex-end" wrap="nowrap">
                  {t('expiring.columns.atRisk')}
                  <Tooltip
                    label={t('expiringHelp.atRisk', { months: AT_RISK_MONTHS })}
                    multiline
                    w={300}
                    withArrow
                  >
                    <ActionIcon
                      variant="subtle"
                      size="sm"
                      color="gray"
                      aria-label={t('expiringHelp.atRisk', { months: AT_RISK_MONTHS })}
                      data-testid="ec-at-risk-help"
                    >
                      <IconInfoCircle size={16} />
                    </ActionIcon>
                  </Tooltip>
                </Group>
              </Table.Th>
              <Table.Th>{t('expiring.columns.reminder')}</Table.Th>
              {can('transactions.manage') && <Table.Th>{t('expiring.columns.actions')}</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((row) => (
              <Table.Tr key={row.paymentMethodId} data-testid="ec-row" data-id={row.paymentMethodId}>
                <Table.Td>
                  <NewTabLink href={`/accounts/${row.accountId}/wallet`} testId="ec-owner">
                    {row.customerName}
                  </NewTabLink>
                </Table.Td>
                <Table.Td data-testid="ec-card">
                  {cardBrandName(row.card.brand)} •••• {row.card.last4}
                </Table.Td>
                <Table.Td>{formatExpiry(row.card.expMonth, row.card.expYear)}</Table.Td>
                <Table.Td ta="right">{row.upcomingPayments.count}</Table.Td>
                <Table.Td>
                  {row.upcomingPayments.nextDate && (
                    <>
                      {formatDate(row.upcomingPayments.nextDate, locale)}
                      {row.upcomingPayments.nextAmount !== null && (
                        <>
                          {' — '}
                          <Money minor={row.upcomingPayments.nextAmount} currency={currency} />
                        </>
                      )}
                    </>
                  )}
                </Table.Td>
                <Table.Td ta="right" data-testid="ec-at-risk">
                  <Money minor={row.amountAtRisk} currency={currency} />
                  {row.amountAtRisk === 0 && (
                    <Text size="xs" c="gray.7" data-testid="ec-at-risk-none">
                      {t('expiringHelp.nothingAtRisk')}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td data-testid="ec-reminder-sent">
                  {row.reminderSentAt ? instant(row.reminderSentAt) : t('expiring.notSent')}
                </Table.Td>
                {can('transactions.manage') && (
                  <Table.Td>
                    <RemindButton
                      paymentMethodId={row.paymentMethodId}
                      reminded={row.reminderSentAt !== null}
                    />
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {rows.length === 0 && (
        <Text ta="center" p="lg">
          {t('expiring.empty')}
        </Text>
      )}
      <LoadMore {...list} />
    </>
  );
}
