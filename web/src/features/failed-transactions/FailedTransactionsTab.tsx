import { Group, Table, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../admin/session';
import { LoadMore } from '../../ui/LoadMore';
import { QueryStatus } from '../../ui/QueryStatus';
import { type FailedTransaction, type FailedTransactionFilters, useFailedTransactions } from './api';
import { ExportButtons } from './ExportButtons';
import { FailedFilters } from './FailedFilters';
import { FailedTransactionRow } from './FailedTransactionRow';
import { IgnoreModal } from './IgnoreModal';

/** When the last retry in view is over, the counts and charts have changed too. */
function useRefreshCountsAfterRetries(retrying: boolean) {
  const queryClient = useQueryClient();
  const wasRetrying = useRef(retrying);
  useEffect(() => {
    if (wasRetrying.current && !retrying) void queryClient.invalidateQueries({ queryKey: ['action-center'] });
    wasRetrying.current = retrying;
  }, [retrying, queryClient]);
}

export function FailedTransactionsTab() {
  const { t } = useTranslation();
  const can = useCan();
  const [filters, setFilters] = useState<FailedTransactionFilters>({});
  const [paidElsewhereOnly, setPaidElsewhereOnly] = useState(false);
  const [ignoring, setIgnoring] = useState<FailedTransaction | null>(null);
  const list = useFailedTransactions(filters);

  const all = list.data?.pages.flatMap((page) => page.items) ?? [];
  const rows = paidElsewhereOnly ? all.filter((entry) => entry.paidElsewhere) : all;
  useRefreshCountsAfterRetries(all.some((entry) => entry.status === 'retrying'));

  return (
    <>
      <FailedFilters
        filters={filters}
        onChange={setFilters}
        paidElsewhereOnly={paidElsewhereOnly}
        onPaidElsewhereOnly={setPaidElsewhereOnly}
      />
      <Group justify="flex-end" mb="xs">
        <ExportButtons filters={filters} />
      </Group>
      <QueryStatus query={list} />
      {list.isSuccess && (
        <>
          <Table.ScrollContainer minWidth={1040}>
            <Table striped highlightOnHover verticalSpacing="xs" horizontalSpacing={8} data-testid="ft-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('failed.columns.customer')}</Table.Th>
                  <Table.Th>{t('failed.columns.transaction')}</Table.Th>
                  <Table.Th>{t('failed.columns.reason')}</Table.Th>
                  <Table.Th ta="right">{t('failed.columns.amount')}</Table.Th>
                  <Table.Th>{t('failed.columns.date')}</Table.Th>
                  <Table.Th>{t('failed.columns.method')}</Table.Th>
                  <Table.Th ta="right">{t('failed.columns.attempts')}</Table.Th>
                  <Table.Th>{t('failed.columns.actions')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((entry) => (
                  <FailedTransactionRow
                    key={entry.id}
                    entry={entry}
                    canManage={can('transactions.manage')}
                    onIgnore={setIgnoring}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {rows.length === 0 && (
            <Text ta="center" p="lg" data-testid="ft-empty">
              {t('failed.empty')}
            </Text>
          )}
          <LoadMore {...list} />
        </>
      )}
      {ignoring && <IgnoreModal entry={ignoring} onClose={() => setIgnoring(null)} />}
    </>
  );
}
