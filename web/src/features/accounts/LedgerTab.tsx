import { SimpleGrid, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import { useCan } from '../../admin/session';
import { LoadMore } from '../../ui/LoadMore';
import { QueryStatus } from '../../ui/QueryStatus';
import { AddDocumentForm } from './AddDocumentForm';
import { AllocationForm } from './AllocationForm';
import { AllocationsList } from './AllocationsList';
import { type LedgerDocument, useAccount, useLedger, usePaymentMethods } from './api';
import { LedgerTable } from './LedgerTable';
import { PaymentForm } from './PaymentForm';
import { RefundModal } from './RefundModal';

export function LedgerTab() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const can = useCan();
  const account = useAccount(id);
  const ledger = useLedger(id);
  const methods = usePaymentMethods(id);
  const [refunding, setRefunding] = useState<LedgerDocument | null>(null);
  const documents = ledger.data?.pages.flatMap((page) => page.items) ?? [];
  const paymentMethods = methods.data?.pages.flatMap((page) => page.items) ?? [];
  const canWrite = can('billing.write');
  const currency = account.data?.currency;

  if (!ledger.isSuccess || !currency) return <QueryStatus query={ledger.isSuccess ? account : ledger} />;
  return (
    <Stack>
      {documents.length === 0 ? (
        <Text>{t('ledger.empty')}</Text>
      ) : (
        <LedgerTable
          documents={documents}
          currency={currency}
          onRefund={canWrite ? setRefunding : undefined}
        />
      )}
      <LoadMore {...ledger} />
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        {can('reconciliations.manage') && (
          <AllocationForm accountId={id} documents={documents} currency={currency} />
        )}
        {canWrite && <AddDocumentForm accountId={id} currency={currency} />}
        {canWrite && (
          <PaymentForm accountId={id} documents={documents} methods={paymentMethods} currency={currency} />
        )}
      </SimpleGrid>
      {refunding && (
        <RefundModal
          accountId={id}
          payment={refunding}
          documents={documents}
          currency={currency}
          onClose={() => setRefunding(null)}
        />
      )}
      <AllocationsList
        accountId={id}
        documents={documents}
        currency={currency}
        canUndo={can('reconciliations.manage')}
      />
    </Stack>
  );
}
