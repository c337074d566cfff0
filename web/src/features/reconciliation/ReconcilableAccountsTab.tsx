import { Button, Group, Table, Text } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../ui/LoadMore';
import { QueryStatus } from '../../ui/QueryStatus';
import { CardList } from '../../ui/RowCard';
import { usePhone } from '../../ui/usePhone';
import { type ReconcilableAccount, useReconcilableAccounts } from './api';
import { clearOutcomes, useOutcomes } from './outcomes';
import { ReconcilableCard, ReconcilableRow } from './ReconcilableRow';
import { ReconcileAllPanel } from './ReconcileAllPanel';
import { ReconcilePreviewModal } from './ReconcilePreviewModal';

export function ReconcilableAccountsTab() {
  const { t } = useTranslation();
  const list = useReconcilableAccounts();
  const outcomes = useOutcomes();
  const phone = usePhone();
  const [previewing, setPreviewing] = useState<ReconcilableAccount | null>(null);
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];

  const refresh = () => {
    clearOutcomes();
    void list.refetch();
  };

  return (
    <>
      <Group justify="space-between" mb="sm">
        <ReconcileAllPanel />
        <Button
          variant="subtle"
          leftSection={<IconRefresh size={14} />}
          loading={list.isRefetching}
          onClick={refresh}
          data-testid="ra-refresh"
        >
          {t('reconcile.refresh')}
        </Button>
      </Group>
      <QueryStatus query={list} />
      {/* The rows stay when a refresh fails: the alert above says so, and one dropped request does not
          empty the page under the administrator's hands. */}
      {list.data && (
        <>
          {phone ? (
            <CardList testId="ra-table">
              {rows.map((account) => (
                <ReconcilableCard
                  key={account.accountId}
                  account={account}
                  outcome={outcomes[account.accountId]}
                  onReconcile={setPreviewing}
                />
              ))}
            </CardList>
          ) : (
            <Table.ScrollContainer minWidth={800}>
              <Table striped verticalSpacing="xs" data-testid="ra-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('reconcile.columns.owner')}</Table.Th>
                    <Table.Th ta="right">{t('reconcile.columns.items')}</Table.Th>
                    <Table.Th ta="right">{t('reconcile.columns.debit')}</Table.Th>
                    <Table.Th ta="right">{t('reconcile.columns.credit')}</Table.Th>
                    <Table.Th>{t('reconcile.columns.status')}</Table.Th>
                    <Table.Th>{t('reconcile.columns.actions')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((account) => (
                    <ReconcilableRow
                      key={account.accountId}
                      account={account}
                      outcome={outcomes[account.accountId]}
                      onReconcile={setPreviewing}
                    />
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          {rows.length === 0 && (
            <Text ta="center" p="lg">
              {t('reconcile.empty')}
            </Text>
          )}
          <LoadMore {...list} />
        </>
      )}
      {previewing && <ReconcilePreviewModal account={previewing} onClose={() => setPreviewing(null)} />}
    </>
  );
}
