import { Anchor, Group, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useCan } from '../../admin/session';
import { LoadMore } from '../../ui/LoadMore';
import { Money } from '../../ui/Money';
import { QueryStatus } from '../../ui/QueryStatus';
import { useAccounts } from './api';
import { NewAccountButton } from './NewAccountButton';

export function AccountsPage() {
  const { t } = useTranslation();
  const can = useCan();
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const list = useAccounts(debounced);
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <>
      <Group justify="space-between" mb="md">
        <Title order={1}>{t('accounts.title')}</Title>
        {can('billing.write') && <NewAccountButton />}
      </Group>
      <TextInput
        label={t('accounts.search')}
        leftSection={<IconSearch size={16} />}
        value={search}
        onChange={(event) => setSearch(event.currentTarget.value)}
        mb="md"
        maw={400}
        data-testid="accounts-search"
      />
      <QueryStatus query={list} />
      {list.isSuccess && (
        <>
          <Table.ScrollContainer minWidth={700}>
            <Table striped highlightOnHover data-testid="accounts-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('accounts.columns.owner')}</Table.Th>
                  <Table.Th>{t('accounts.columns.email')}</Table.Th>
                  <Table.Th ta="right">{t('accounts.openDebit')}</Table.Th>
                  <Table.Th ta="right">{t('accounts.openCredit')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((account) => (
                  <Table.Tr key={account.id} data-testid="account-row">
                    <Table.Td>
                      <Anchor component={Link} to={`/accounts/${account.id}/ledger`}>
                        {account.ownerName}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{account.ownerEmail}</Table.Td>
                    <Table.Td ta="right">
                      {account.openDebit !== undefined && (
                        <Money minor={account.openDebit} currency={account.currency} />
                      )}
                    </Table.Td>
                    <Table.Td ta="right">
                      {account.openCredit !== undefined && (
                        <Money minor={account.openCredit} currency={account.currency} />
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {rows.length === 0 && (
            <Text ta="center" p="lg">
              {t('accounts.empty')}
            </Text>
          )}
          <LoadMore {...list} />
        </>
      )}
    </>
  );
}
