import { Group, Stack, Tabs, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate, useParams } from 'react-router-dom';
import { Money } from '../../ui/Money';
import { QueryStatus } from '../../ui/QueryStatus';
import { useAccount } from './api';
import { DunningPauseControl } from './DunningPauseControl';

const TABS = ['ledger', 'wallet', 'upcoming-payments', 'payment-attempts'] as const;

export function AccountPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const account = useAccount(id);
  const current = TABS.find((tab) => pathname.endsWith(`/${tab}`)) ?? 'ledger';

  return (
    <>
      <QueryStatus query={account} />
      {account.isSuccess && (
        <Group justify="space-between" align="flex-start" mb="md">
          <Stack gap={2}>
            <Title order={1} data-testid="account-owner">
              {account.data.ownerName}
            </Title>
            <Text c="gray.7">
              {account.data.ownerEmail} · {account.data.id}
            </Text>
            <DunningPauseControl accountId={account.data.id} />
          </Stack>
          <Group gap="xl">
            <Stack gap={0} align="flex-end">
              <Text size="sm">{t('accounts.openDebit')}</Text>
              <Text fw={700} data-testid="account-open-debit">
                <Money minor={account.data.openDebit} currency={account.data.currency} />
              </Text>
            </Stack>
            <Stack gap={0} align="flex-end">
              <Text size="sm">{t('accounts.openCredit')}</Text>
              <Text fw={700} data-testid="account-open-credit">
                <Money minor={account.data.openCredit} currency={account.data.currency} />
              </Text>
            </Stack>
          </Group>
        </Group>
      )}
      <Tabs value={current} onChange={(value) => navigate(`/accounts/${id}/${value}`)} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="ledger" data-testid="tab-ledger">
            {t('accounts.tabs.ledger')}
          </Tabs.Tab>
          <Tabs.Tab value="wallet" data-testid="tab-wallet">
            {t('accounts.tabs.wallet')}
          </Tabs.Tab>
          <Tabs.Tab value="upcoming-payments" data-testid="tab-upcoming-payments">
            {t('accounts.tabs.upcoming')}
          </Tabs.Tab>
          <Tabs.Tab value="payment-attempts" data-testid="tab-payment-attempts">
            {t('accounts.tabs.attempts')}
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value={current}>
          <Outlet />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
