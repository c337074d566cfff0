import { Badge, Center, Tabs, Title } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useParams } from 'react-router-dom';
import { DENIED_STATE } from '../../admin/ReadOnlyNotice';
import { useCan } from '../../admin/session';
import { LoadingIndicator } from '../../ui/LoadingIndicator';
import { ExpiringCardsTab } from '../expiring-cards/ExpiringCardsTab';
import { FailedTransactionsTab } from '../failed-transactions/FailedTransactionsTab';
import { ReconcilableAccountsTab } from '../reconciliation/ReconcilableAccountsTab';
import { useSummary } from './api';

// The charting library is the heaviest dependency: load it beside the page rather than in the first bundle.
const ActionCenterCharts = lazy(() =>
  import('./ActionCenterCharts').then((module) => ({ default: module.ActionCenterCharts })),
);

const SECTIONS = ['failed-transactions', 'expiring-cards', 'reconcilable-accounts'] as const;
type Section = (typeof SECTIONS)[number];

function CountBadge({ value, testId }: { value: number | undefined; testId: string }) {
  if (value === undefined) return null;
  return (
    <Badge variant="filled" color="gray.7" ml={6} data-testid={testId}>
      {value}
    </Badge>
  );
}

export function ActionCenterPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { section } = useParams();
  const can = useCan();
  const summary = useSummary();
  const showReconcilable =
    can('reconciliations.manage') && (summary.isPending || summary.data?.reconcilableAccounts !== undefined);

  const visible: Section[] = showReconcilable ? [...SECTIONS] : ['failed-transactions', 'expiring-cards'];
  if (!visible.includes(section as Section))
    return <Navigate to="/action-center/failed-transactions" replace state={DENIED_STATE} />;

  return (
    <>
      <Title order={1} mb="md">
        {t('actionCenter.title')}
      </Title>
      <Suspense
        fallback={
          <Center h={220}>
            <LoadingIndicator label={t('common.loading')} />
          </Center>
        }
      >
        <ActionCenterCharts />
      </Suspense>
      <Tabs value={section} onChange={(value) => navigate(`/action-center/${value}`)} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="failed-transactions" data-testid="tab-failed-transactions">
            {t('actionCenter.failedTransactions')}
            <CountBadge value={summary.data?.failedTransactions} testId="count-failed-transactions" />
          </Tabs.Tab>
          <Tabs.Tab value="expiring-cards" data-testid="tab-expiring-cards">
            {t('actionCenter.expiringCards')}
            <CountBadge value={summary.data?.expiringCards} testId="count-expiring-cards" />
          </Tabs.Tab>
          {showReconcilable && (
            <Tabs.Tab value="reconcilable-accounts" data-testid="tab-reconcilable-accounts">
              {t('actionCenter.reconcilableAccounts')}
              <CountBadge value={summary.data?.reconcilableAccounts} testId="count-reconcilable-accounts" />
            </Tabs.Tab>
          )}
        </Tabs.List>
        <Tabs.Panel value="failed-transactions">
          <FailedTransactionsTab />
        </Tabs.Panel>
        <Tabs.Panel value="expiring-cards">
          <ExpiringCardsTab />
        </Tabs.Panel>
        {showReconcilable && (
          <Tabs.Panel value="reconcilable-accounts">
            <ReconcilableAccountsTab />
          </Tabs.Panel>
        )}
      </Tabs>
    </>
  );
}
