import { Button, Group, Stack, Text } from '@mantine/core';
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
  const [open, setOpen] = useState<'allocation' | 'document' | 'payment' | null>(null);
  const toggle = (form: 'allocation' | 'document' | 'payment') =>
    setOpen((current) => (current === form ? null : form));
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
      {/* The three forms stay closed until asked for: the ledger is what the file is read for. */}
      <Group gap="sm" data-testid="ledger-form-toggles">
        {can('reconciliations.manage') && (
          <Button
            variant={open === 'allocation' ? 'filled' : 'light'}
            onClick={() => toggle('allocation')}
            aria-expanded={open === 'allocation'}
            data-testid="open-allocation-form"
          >
            {t('accountFile.openAllocation')}
          </Button>
        )}
        {canWrite && (
          <Button
            variant={open === 'document' ? 'filled' : 'light'}
            onClick={() => toggle('document')}
            aria-expanded={open === 'document'}
            data-testid="open-document-form"
          >
            {t('accountFile.openDocument')}
          </Button>
        )}
        {canWrite && (
          <Button
            variant={open === 'payment' ? 'filled' : 'light'}
            onClick={() => toggle('payment')}
            aria-expanded={open === 'payment'}
            data-testid="open-payment-form"
          >
            {t('accountFile.openPayment')}
          </Button>
        )}
      </Group>
      {open === 'allocation' && can('reconciliations.manage') && (
        <AllocationForm accountId={id} documents={documents} currency={currency} />
      )}
      {open === 'document' && canWrite && <AddDocumentForm accountId={id} currency={currency} />}
      {open === 'payment' && canWrite && (
        <PaymentForm accountId={id} documents={documents} methods={paymentMethods} currency={currency} />
      )}
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
