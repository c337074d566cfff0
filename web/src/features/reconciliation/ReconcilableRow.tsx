import { Button, Group, Table } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../../ui/errors';
import { Money } from '../../ui/Money';
import { NewTabLink } from '../../ui/NewTabLink';
import { type ReconcilableAccount, useUndoReconcile } from './api';
import type { RowOutcome } from './outcomes';
import { StateBadge } from './StateBadge';

export function ReconcilableRow(props: {
  account: ReconcilableAccount;
  outcome: RowOutcome | undefined;
  onReconcile: (account: ReconcilableAccount) => void;
}) {
  const { account, outcome } = props;
  const { t } = useTranslation();
  const undo = useUndoReconcile();
  const debit = outcome?.unreconciledDebit ?? account.unreconciledDebit;
  const credit = outcome?.unreconciledCredit ?? account.unreconciledCredit;
  const items = outcome?.unreconciledItems ?? account.unreconciledItems;
  const batchId = outcome?.batchId;

  return (
    <Table.Tr data-testid="ra-row" data-id={account.accountId}>
      <Table.Td>
        <NewTabLink href={`/accounts/${account.accountId}/ledger`} testId="ra-owner">
          {account.ownerName}
        </NewTabLink>
      </Table.Td>
      <Table.Td ta="right" data-testid="ra-items">
        {items}
      </Table.Td>
      <Table.Td ta="right" data-testid="ra-debit">
        <Money minor={debit} currency={account.currency} />
      </Table.Td>
      <Table.Td ta="right" data-testid="ra-credit">
        <Money minor={credit} currency={account.currency} />
      </Table.Td>
      <Table.Td>{outcome && <StateBadge state={outcome.state} />}</Table.Td>
      <Table.Td>
        <Group gap={6}>
          {(!outcome || outcome.state === 'undone') && (
            <Button size="compact-sm" onClick={() => props.onReconcile(account)} data-testid="ra-reconcile">
              {t('reconcile.action')}
            </Button>
          )}
          {batchId && (
            <Button
              size="compact-sm"
              variant="default"
              loading={undo.isPending}
              onClick={() =>
                undo.mutate(
                  { accountId: account.accountId, batchId },
                  {
                    onSuccess: () =>
                      notifySuccess(t('reconcileFeedback.undone', { name: account.ownerName })),
                  },
                )
              }
              data-testid="ra-undo"
            >
              {t('reconcile.undo')}
            </Button>
          )}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}
