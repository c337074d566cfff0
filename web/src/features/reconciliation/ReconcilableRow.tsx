import { Button, Group, Table } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../../ui/errors';
import { Money } from '../../ui/Money';
import { NewTabLink } from '../../ui/NewTabLink';
import { CardFact, CardFacts, RowCard } from '../../ui/RowCard';
import { type ReconcilableAccount, useUndoReconcile } from './api';
import type { RowOutcome } from './outcomes';
import { StateBadge } from './StateBadge';

type RowProps = {
  account: ReconcilableAccount;
  outcome: RowOutcome | undefined;
  onReconcile: (account: ReconcilableAccount) => void;
};

/** RA9: a reconciled row keeps its place with the amounts left after the reconcile, until the page reloads. */
function shown({ account, outcome }: RowProps) {
  return {
    debit: outcome?.unreconciledDebit ?? account.unreconciledDebit,
    credit: outcome?.unreconciledCredit ?? account.unreconciledCredit,
    items: outcome?.unreconciledItems ?? account.unreconciledItems,
  };
}

/** Reconcile (again, once undone), or Undo the reconcile just made from this page. */
function Actions(props: RowProps) {
  const { account, outcome } = props;
  const { t } = useTranslation();
  const undo = useUndoReconcile();
  const batchId = outcome?.batchId;
  return (
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
                onSuccess: () => notifySuccess(t('reconcileFeedback.undone', { name: account.ownerName })),
              },
            )
          }
          data-testid="ra-undo"
        >
          {t('reconcile.undo')}
        </Button>
      )}
    </Group>
  );
}

function Owner({ account }: { account: ReconcilableAccount }) {
  return (
    <NewTabLink href={`/accounts/${account.accountId}/ledger`} testId="ra-owner">
      {account.ownerName}
    </NewTabLink>
  );
}

/** A phone's version of the row (RA3: the same columns): the owner and the state, the amounts, the actions. */
export function ReconcilableCard(props: RowProps) {
  const { account, outcome } = props;
  const { t } = useTranslation();
  const { debit, credit, items } = shown(props);
  return (
    <RowCard
      data-testid="ra-row"
      data-id={account.accountId}
      title={<Owner account={account} />}
      aside={outcome && <StateBadge state={outcome.state} />}
      actions={<Actions {...props} />}
    >
      <CardFacts>
        <CardFact label={t('reconcile.columns.debit')} testId="ra-debit">
          <Money minor={debit} currency={account.currency} />
        </CardFact>
        <CardFact label={t('reconcile.columns.credit')} testId="ra-credit">
          <Money minor={credit} currency={account.currency} />
        </CardFact>
        <CardFact label={t('reconcile.columns.items')} testId="ra-items">
          {items}
        </CardFact>
      </CardFacts>
    </RowCard>
  );
}

export function ReconcilableRow(props: RowProps) {
  const { account, outcome } = props;
  const { debit, credit, items } = shown(props);

  return (
    <Table.Tr data-testid="ra-row" data-id={account.accountId}>
      <Table.Td>
        <Owner account={account} />
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
        <Actions {...props} />
      </Table.Td>
    </Table.Tr>
  );
}
