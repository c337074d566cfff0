import { Alert, Button, Center, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDate } from '../../ui/dates';
import { notifySuccess } from '../../ui/errors';
import { LoadingIndicator } from '../../ui/LoadingIndicator';
import { Money } from '../../ui/Money';
import { formatMoney } from '../../ui/money';
import { QueryStatus } from '../../ui/QueryStatus';
import { useLocale } from '../../ui/useLocale';
import type { LedgerDocument } from '../accounts/api';
import { readableReference } from '../accounts/documentOptions';
import { type ReconcilableAccount, useAccountDocuments, useReconcile, useReconcilePreview } from './api';
import { StateBadge } from './StateBadge';

/** A ledger document as people read it: kind and reference, then date and amount; its ID when unknown. */
function DocumentCell({
  id,
  document,
  currency,
}: {
  id: string;
  document: LedgerDocument | undefined;
  currency: string;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  if (!document) {
    return (
      <Table.Td ff="monospace" fz="sm">
        {id}
      </Table.Td>
    );
  }
  return (
    <Table.Td data-document-id={id}>
      <Text size="sm" fw={500}>
        {t(`documentKind.${document.kind}`)}
        {readableReference(document) ? ` ${readableReference(document)}` : ''}
      </Text>
      <Text size="xs" c="gray.7">
        {t('reconcile.documentOf', {
          date: formatDate(document.date, locale),
          amount: formatMoney(document.amount, currency, locale),
        })}
      </Text>
    </Table.Td>
  );
}

export function ReconcilePreviewModal({
  account,
  onClose,
}: {
  account: ReconcilableAccount;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const preview = useReconcilePreview(account.accountId);
  const documents = useAccountDocuments(account.accountId);
  const reconcile = useReconcile();
  const currency = account.currency;
  // The preview names documents by ID: read them in the account's ledger (IDs stay shown if it fails).
  const byId = new Map((documents.data?.items ?? []).map((document) => [document.id, document]));

  return (
    <Modal
      opened
      onClose={onClose}
      size="lg"
      title={t('reconcile.previewTitle', { name: account.ownerName })}
    >
      <Stack data-testid="reconcile-preview">
        <QueryStatus query={preview} />
        {preview.isSuccess && documents.isPending && (
          <Center h={80}>
            <LoadingIndicator label={t('common.loading')} />
          </Center>
        )}
        {preview.isSuccess && !documents.isPending && (
          <>
            {preview.data.allocations.length === 0 ? (
              <Alert color="gray">{t('reconcile.nothingToDo')}</Alert>
            ) : (
              <Table data-testid="reconcile-preview-allocations" verticalSpacing="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('reconcile.credit')}</Table.Th>
                    <Table.Th>{t('reconcile.debit')}</Table.Th>
                    <Table.Th ta="right">{t('reconcile.allocated')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {preview.data.allocations.map((allocation) => (
                    <Table.Tr key={`${allocation.creditId}-${allocation.debitId}`}>
                      <DocumentCell
                        id={allocation.creditId}
                        document={byId.get(allocation.creditId)}
                        currency={currency}
                      />
                      <DocumentCell
                        id={allocation.debitId}
                        document={byId.get(allocation.debitId)}
                        currency={currency}
                      />
                      <Table.Td ta="right" fw={500}>
                        <Money minor={allocation.amount} currency={currency} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
            <Group gap="xs">
              <Text size="sm">{t('reconcile.afterwards')}</Text>
              <StateBadge state={preview.data.state} />
              <Text size="sm">
                {t('reconcile.remainingDebit')}{' '}
                <Money minor={preview.data.unreconciledDebit} currency={currency} /> ·{' '}
                {t('reconcile.remainingCredit')}{' '}
                <Money minor={preview.data.unreconciledCredit} currency={currency} />
              </Text>
            </Group>
          </>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button
            disabled={!preview.isSuccess || preview.data.allocations.length === 0}
            loading={reconcile.isPending}
            onClick={() =>
              reconcile.mutate(account.accountId, {
                onSuccess: (result) => {
                  notifySuccess(
                    t(`reconcileFeedback.${result.state}`, {
                      name: account.ownerName,
                      count: result.allocations.length,
                    }),
                  );
                  onClose();
                },
              })
            }
            data-testid="reconcile-confirm"
          >
            {t('reconcile.confirm')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
