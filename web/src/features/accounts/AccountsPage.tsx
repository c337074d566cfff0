import { Anchor, Group, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router-dom';
import { useCan } from '../../admin/session';
import { LoadMore } from '../../ui/LoadMore';
import { Money } from '../../ui/Money';
import { QueryStatus } from '../../ui/QueryStatus';
import { CardFact, CardFacts, CardList, RowCard } from '../../ui/RowCard';
import { usePhone } from '../../ui/usePhone';
import { useAccounts } from './api';
import { NewAccountButton } from './NewAccountButton';

export function AccountsPage() {
  const { t } = useTranslation();
  const can = useCan();
  // The search sits in the address (?q=), so a searched list can be shared, reloaded and walked back.
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(() => params.get('q') ?? '');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const phone = usePhone();
  useEffect(() => {
    if ((params.get('q') ?? '') === debounced) return;
    setParams(debounced ? { q: debounced } : {}, { replace: true });
  }, [debounced, params, setParams]);
  // Back or a pasted address changes ?q= under the field: the field follows.
  const fromAddress = params.get('q') ?? '';
  const [lastAddress, setLastAddress] = useState(fromAddress);
  if (fromAddress !== lastAddress) {
    setLastAddress(fromAddress);
    if (fromAddress !== debounced) setSearch(fromAddress);
  }
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
          {phone ? (
            // A phone: one card per account, the name (a link) and the open amounts within the width.
            <CardList testId="accounts-table">
              {rows.map((account) => (
                <RowCard
                  key={account.id}
                  data-testid="account-row"
                  title={
                    <>
                      <Anchor component={Link} to={`/accounts/${account.id}/ledger`} fw={600}>
                        {account.ownerName}
                      </Anchor>
                      <Text size="sm" c="gray.7">
                        {account.ownerEmail}
                      </Text>
                    </>
                  }
                >
                  <CardFacts>
                    {account.openDebit !== undefined && (
                      <CardFact label={t('accounts.openDebit')}>
                        <Money minor={account.openDebit} currency={account.currency} />
                      </CardFact>
                    )}
                    {account.openCredit !== undefined && (
                      <CardFact label={t('accounts.openCredit')}>
                        <Money minor={account.openCredit} currency={account.currency} />
                      </CardFact>
                    )}
                  </CardFacts>
                </RowCard>
              ))}
            </CardList>
          ) : (
            <Table.ScrollContainer minWidth={700}>
              <Table striped data-testid="accounts-table">
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
          )}
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
