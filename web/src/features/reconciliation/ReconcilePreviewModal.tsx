import { Alert, Button, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ReconcilableAccount } from '../../api/types';
import { Money } from '../../ui/Money';
import { QueryStatus } from '../../ui/QueryStatus';
import { useReconcile, useReconcilePreview } from './api';
import { StateBadge } from './StateBadge';

export function ReconcilePreviewModal({
  account,
  onClose,
}: {
  account: ReconcilableAccount;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const preview = useReconcilePreview(account.accountId);
  const reconcile = useReconcile();
  const currency = account.currency;

  return (
    <Modal
      opened
      onClose={onClose}
      size="lg"
      title={t('reconcile.previewTitle', { name: account.ownerName })}
    >
      <Stack data-testid="reconcile-preview">
        <QueryStatus query={preview} />
        {preview.isSuccess && (
          <>
            {preview.data.allocations.length === 0 ? (
              <Alert color="gray">{t('reconcile.nothingToDo')}</Alert>
            ) : (
              <Table data-testid="reconcile-preview-allocations">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('reconcile.credit')}</Table.Th>
                    <Table.Th>{t('reconcile.debit')}</Table.Th>
                    <Table.Th ta="right">{t('reconcile.amount')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {preview.data.allocations.map((allocation) => (
                    <Table.Tr key={`${allocation.creditId}-${allocation.debitId}`}>
                      <Table.Td ff="monospace">{allocation.creditId}</Table.Td>
                      <Table.Td ff="monospace">{allocation.debitId}</Table.Td>
                      <Table.Td ta="right">
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
            onClick={() => reconcile.mutate(account.accountId, { onSuccess: onClose })}
            data-testid="reconcile-confirm"
          >
            {t('reconcile.confirm')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
