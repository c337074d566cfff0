import { SimpleGrid, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import { useCan } from '../../admin/session';
import { LoadMore } from '../../ui/LoadMore';
import { QueryStatus } from '../../ui/QueryStatus';
import { AddDocumentForm } from './AddDocumentForm';
import { AllocationForm } from './AllocationForm';
import { AllocationsList } from './AllocationsList';
import { useAccount, useLedger } from './api';
import { LedgerTable } from './LedgerTable';

export function LedgerTab() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const can = useCan();
  const account = useAccount(id);
  const ledger = useLedger(id);
  const documents = ledger.data?.pages.flatMap((page) => page.items) ?? [];
  const currency = account.data?.currency;

  if (!ledger.isSuccess || !currency) return <QueryStatus query={ledger.isSuccess ? account : ledger} />;
  return (
    <Stack>
      {documents.length === 0 ? (
        <Text>{t('ledger.empty')}</Text>
      ) : (
        <LedgerTable documents={documents} currency={currency} />
      )}
      <LoadMore {...ledger} />
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        {can('reconciliations.manage') && (
          <AllocationForm accountId={id} documents={documents} currency={currency} />
        )}
        {can('billing.write') && <AddDocumentForm accountId={id} documents={documents} currency={currency} />}
      </SimpleGrid>
      <AllocationsList
        accountId={id}
        documents={documents}
        currency={currency}
        canUndo={can('reconciliations.manage')}
      />
    </Stack>
  );
}
