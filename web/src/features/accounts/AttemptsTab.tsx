import { Anchor, Badge, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { LoadMore } from '../../ui/LoadMore';
import { Money } from '../../ui/Money';
import { CompactPaymentMethod } from '../../ui/PaymentMethodLabel';
import { QueryStatus } from '../../ui/QueryStatus';
import { CardList, RowCard } from '../../ui/RowCard';
import { useFormatInstant } from '../../ui/useFormatInstant';
import { usePhone } from '../../ui/usePhone';
import type { PaymentAttempt } from './api';
import { usePaymentAttempts } from './api';

// Filled badges in the theme's darkest shades, as the ledger's: white text at 4.5:1 or more (WCAG AA).
const STATUS_COLORS: Record<PaymentAttempt['status'], string> = {
  processing: 'gray.8',
  succeeded: 'teal.9',
  failed: 'red.9',
  pending: 'blue.9',
  settled: 'teal.9',
  returned: 'red.9',
  abandoned: 'gray.8',
};

/** What the attempt was for: a retry says who started it, a refund made again says so. */
function Purpose({ attempt }: { attempt: PaymentAttempt }) {
  const { t } = useTranslation();
  if (attempt.purpose === 'retry' && attempt.kind === 'refund') return <>{t('attempts.refundRetry')}</>;
  if (attempt.purpose === 'retry' && attempt.retryOrigin) {
    return <>{t(`attempts.retryOrigin.${attempt.retryOrigin}`)}</>;
  }
  return <>{t(`attempts.purpose.${attempt.purpose}`)}</>;
}

/** The outcome, the reason in the viewer's language when it failed or came back, and when it settled. */
function Outcome({ attempt }: { attempt: PaymentAttempt }) {
  const { t } = useTranslation();
  const instant = useFormatInstant();
  return (
    <Stack gap={2} align="flex-start">
      <Badge variant="filled" color={STATUS_COLORS[attempt.status]} data-testid="attempt-status">
        {t(`attempts.status.${attempt.status}`)}
      </Badge>
      {attempt.reason && (
        <>
          <Text size="sm" data-testid="attempt-reason">
            {attempt.reason.message}
          </Text>
          <Text size="xs" c="gray.7" ff="monospace">
            {attempt.reason.code}
          </Text>
        </>
      )}
      {attempt.settledAt && attempt.status === 'settled' && (
        <Text size="xs" c="gray.7">
          {t('attempts.settledOn', { date: instant(attempt.settledAt) })}
        </Text>
      )}
    </Stack>
  );
}

function Method({ attempt }: { attempt: PaymentAttempt }) {
  const { t } = useTranslation();
  return attempt.method ? (
    <CompactPaymentMethod method={attempt.method} />
  ) : (
    <Text size="sm" c="gray.7">
      {t('attempts.noMethod')}
    </Text>
  );
}

/** A failed or returned attempt opens its Action Center entry (highlighted on the failed list). */
function EntryLink({ attempt, when }: { attempt: PaymentAttempt; when: string }) {
  const { t } = useTranslation();
  const failed = attempt.status === 'failed' || attempt.status === 'returned';
  if (!failed || !attempt.failedTransactionId) return null;
  return (
    <Anchor
      component={Link}
      to={`/action-center/failed-transactions#${attempt.failedTransactionId}`}
      size="sm"
      aria-label={t('attempts.openEntryOf', { date: when })}
      data-testid="attempt-entry-link"
    >
      {t('attempts.openEntry')}
    </Anchor>
  );
}

/**
 * The account's history of attempts: every time money was asked of the account (or given back),
 * newest first — when (organization time), what for, how much, with which method, and what became of it.
 */
export function AttemptsTab() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const attempts = usePaymentAttempts(id);
  const instant = useFormatInstant();
  const phone = usePhone();
  const rows = attempts.data?.pages.flatMap((page) => page.items) ?? [];

  if (!attempts.isSuccess) return <QueryStatus query={attempts} />;
  if (rows.length === 0) return <Text data-testid="attempts-empty">{t('attempts.empty')}</Text>;
  return (
    <Stack>
      {phone ? (
        // A phone: one card per attempt, its amount and outcome in view without scrolling sideways.
        <CardList testId="attempts-table">
          {rows.map((attempt) => (
            <RowCard
              key={attempt.id}
              data-testid="attempt-row"
              data-id={attempt.id}
              data-status={attempt.status}
              title={
                <>
                  <Text fw={600}>
                    <Purpose attempt={attempt} />
                  </Text>
                  <Text size="sm" c="gray.7">
                    {instant(attempt.createdAt)}
                  </Text>
                </>
              }
              aside={
                <Text fw={700} style={{ whiteSpace: 'nowrap' }}>
                  <Money minor={attempt.amount} currency={attempt.currency} />
                </Text>
              }
            >
              <Method attempt={attempt} />
              <Outcome attempt={attempt} />
              <EntryLink attempt={attempt} when={instant(attempt.createdAt)} />
            </RowCard>
          ))}
        </CardList>
      ) : (
        <Table.ScrollContainer minWidth={900}>
          <Table striped data-testid="attempts-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('attempts.columns.when')}</Table.Th>
                <Table.Th>{t('attempts.columns.purpose')}</Table.Th>
                <Table.Th ta="right">{t('attempts.columns.amount')}</Table.Th>
                <Table.Th>{t('attempts.columns.method')}</Table.Th>
                <Table.Th>{t('attempts.columns.outcome')}</Table.Th>
                <Table.Th>{t('attempts.columns.entry')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((attempt) => (
                <Table.Tr
                  key={attempt.id}
                  data-testid="attempt-row"
                  data-id={attempt.id}
                  data-status={attempt.status}
                >
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{instant(attempt.createdAt)}</Table.Td>
                  <Table.Td>
                    <Purpose attempt={attempt} />
                  </Table.Td>
                  <Table.Td ta="right">
                    <Money minor={attempt.amount} currency={attempt.currency} />
                  </Table.Td>
                  <Table.Td>
                    <Method attempt={attempt} />
                  </Table.Td>
                  <Table.Td>
                    <Outcome attempt={attempt} />
                  </Table.Td>
                  <Table.Td>
                    <EntryLink attempt={attempt} when={instant(attempt.createdAt)} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore {...attempts} />
    </Stack>
  );
}
