import { ActionIcon, Group, Stack, Table, Text, Tooltip } from '@mantine/core';
import { IconInfoCircle } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useCan, useOrganization } from '../../admin/session';
import { cardBrandName } from '../../ui/cardBrand';
import { formatDate, formatExpiry } from '../../ui/dates';
import { LoadMore } from '../../ui/LoadMore';
import { Money } from '../../ui/Money';
import { NewTabLink } from '../../ui/NewTabLink';
import { QueryStatus } from '../../ui/QueryStatus';
import { CardFact, CardFacts, CardList, RowCard } from '../../ui/RowCard';
import { useFormatInstant } from '../../ui/useFormatInstant';
import { useLocale } from '../../ui/useLocale';
import { usePhone } from '../../ui/usePhone';
import { type ExpiringCard, useExpiringCards } from './api';
import { RemindButton } from './RemindButton';

/** The months after its expiry month whose charges count as at risk (src/modules/expiring-cards/at-risk.ts). */
const AT_RISK_MONTHS = 3;

/** The next charge on the card: its date and amount. */
function NextPayment({ row, currency }: { row: ExpiringCard; currency: string }) {
  const locale = useLocale();
  if (!row.upcomingPayments.nextDate) return null;
  return (
    <>
      {formatDate(row.upcomingPayments.nextDate, locale)}
      {row.upcomingPayments.nextAmount !== null && (
        <>
          {' — '}
          <Money minor={row.upcomingPayments.nextAmount} currency={currency} />
        </>
      )}
    </>
  );
}

function NothingAtRisk({ row }: { row: ExpiringCard }) {
  const { t } = useTranslation();
  if (row.amountAtRisk !== 0) return null;
  return (
    <Text size="xs" c="gray.7" data-testid="ec-at-risk-none">
      {t('expiringHelp.nothingAtRisk')}
    </Text>
  );
}

function ReminderSent({ row }: { row: ExpiringCard }) {
  const { t } = useTranslation();
  const instant = useFormatInstant();
  return <>{row.reminderSentAt ? instant(row.reminderSentAt) : t('expiring.notSent')}</>;
}

/**
 * A phone's version of the row (EC3: the same facts): the owner and the amount at risk on top, the card and
 * its expiry, the upcoming payments and the reminder, then the remind action.
 */
function ExpiringCardCard({
  row,
  currency,
  canRemind,
}: {
  row: ExpiringCard;
  currency: string;
  canRemind: boolean;
}) {
  const { t } = useTranslation();
  return (
    <RowCard
      data-testid="ec-row"
      data-id={row.paymentMethodId}
      title={
        <Stack gap={2}>
          <NewTabLink href={`/accounts/${row.accountId}/wallet`} testId="ec-owner">
            {row.customerName}
          </NewTabLink>
          <Text size="sm" data-testid="ec-card">
            {cardBrandName(row.card.brand)} •••• {row.card.last4}
          </Text>
        </Stack>
      }
      aside={
        <>
          <Text size="xs" c="gray.7">
            {t('expiring.columns.atRisk')}
          </Text>
          <Text fw={700} style={{ whiteSpace: 'nowrap' }} data-testid="ec-at-risk">
            <Money minor={row.amountAtRisk} currency={currency} />
          </Text>
        </>
      }
      actions={
        canRemind && (
          <RemindButton paymentMethodId={row.paymentMethodId} reminded={row.reminderSentAt !== null} />
        )
      }
    >
      <NothingAtRisk row={row} />
      <CardFacts>
        <CardFact label={t('expiring.columns.expiry')}>
          {formatExpiry(row.card.expMonth, row.card.expYear)}
        </CardFact>
        <CardFact label={t('expiring.columns.upcoming')}>{row.upcomingPayments.count}</CardFact>
        {row.upcomingPayments.nextDate && (
          <CardFact label={t('expiring.columns.next')}>
            <NextPayment row={row} currency={currency} />
          </CardFact>
        )}
        <CardFact label={t('expiring.columns.reminder')} testId="ec-reminder-sent">
          <ReminderSent row={row} />
        </CardFact>
      </CardFacts>
    </RowCard>
  );
}

export function ExpiringCardsTab() {
  const { t } = useTranslation();
  const can = useCan();
  const phone = usePhone();
  const list = useExpiringCards();
  const currency = useOrganization().data?.currency ?? 'CAD';
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];

  if (!list.isSuccess) return <QueryStatus query={list} />;
  return (
    <>
      <Text size="sm" c="gray.8" mb="sm" data-testid="ec-schedule">
        {t('expiringHelp.schedule')} {t('expiringHelp.atRisk', { months: AT_RISK_MONTHS })}
      </Text>
      {phone ? (
        // A phone: the help above says what the amount at risk counts, so the cards need no tooltip.
        <CardList testId="ec-table">
          {rows.map((row) => (
            <ExpiringCardCard
              key={row.paymentMethodId}
              row={row}
              currency={currency}
              canRemind={can('transactions.manage')}
            />
          ))}
        </CardList>
      ) : (
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
                    <NextPayment row={row} currency={currency} />
                  </Table.Td>
                  <Table.Td ta="right" data-testid="ec-at-risk">
                    <Money minor={row.amountAtRisk} currency={currency} />
                    <NothingAtRisk row={row} />
                  </Table.Td>
                  <Table.Td data-testid="ec-reminder-sent">
                    <ReminderSent row={row} />
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
      )}
      {rows.length === 0 && (
        <Text ta="center" p="lg">
          {t('expiring.empty')}
        </Text>
      )}
      <LoadMore {...list} />
    </>
  );
}
