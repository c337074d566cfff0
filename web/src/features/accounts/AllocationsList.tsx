import { Button, Paper, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../../ui/errors';
import { LoadMore } from '../../ui/LoadMore';
import { Money } from '../../ui/Money';
import { QueryStatus } from '../../ui/QueryStatus';
import { CardFact, CardFacts, CardList, RowCard } from '../../ui/RowCard';
import { useFormatInstant } from '../../ui/useFormatInstant';
import { useLocale } from '../../ui/useLocale';
import { usePhone } from '../../ui/usePhone';
import { type Allocation, type LedgerDocument, useAllocations, useUndoAllocation } from './api';
import { documentName } from './documentOptions';

/** The list's one undo mutation is shared: the row leaves once undone, and the toast must still show. */
function UndoButton({
  undo,
  allocation,
}: {
  undo: ReturnType<typeof useUndoAllocation>;
  allocation: Allocation;
}) {
  const { t } = useTranslation();
  return (
    <Button
      size="compact-sm"
      variant="default"
      loading={undo.isPending && undo.variables === allocation.id}
      onClick={() =>
        undo.mutate(allocation.id, {
          onSuccess: () => notifySuccess(t('accountFile.allocationUndone')),
        })
      }
      data-testid="allocation-undo"
    >
      {t('allocations.undo')}
    </Button>
  );
}

export function AllocationsList(props: {
  accountId: string;
  documents: LedgerDocument[];
  currency: string;
  canUndo: boolean;
}) {
  const { t } = useTranslation();
  const instant = useFormatInstant();
  const locale = useLocale();
  const phone = usePhone();
  const list = useAllocations(props.accountId);
  const undo = useUndoAllocation(props.accountId);
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];
  // A document is named as people know it, never by its ID; one on a ledger page not loaded yet says so.
  const label = (id: string) => {
    const document = props.documents.find((candidate) => candidate.id === id);
    return document ? documentName(document, t, props.currency, locale) : t('allocations.notLoaded');
  };

  return (
    <Paper withBorder p={phone ? 'sm' : 'md'}>
      <Title order={2} size="h4" mb="sm">
        {t('allocations.title')}
      </Title>
      <QueryStatus query={list} />
      {list.isSuccess && rows.length === 0 && <Text>{t('allocations.empty')}</Text>}
      {rows.length > 0 &&
        (phone ? (
          // A phone: the amount and when on top, the two documents it joins, then Undo.
          <CardList testId="allocations-table">
            {rows.map((allocation) => (
              <RowCard
                key={allocation.id}
                data-testid="allocation-row"
                title={
                  <Text fw={700}>
                    <Money minor={allocation.amount} currency={props.currency} />
                  </Text>
                }
                aside={<Text size="sm">{instant(allocation.createdAt)}</Text>}
                actions={props.canUndo && <UndoButton undo={undo} allocation={allocation} />}
              >
                <CardFacts>
                  <CardFact label={t('allocations.credit')}>{label(allocation.creditId)}</CardFact>
                  <CardFact label={t('allocations.debit')}>{label(allocation.debitId)}</CardFact>
                </CardFacts>
              </RowCard>
            ))}
          </CardList>
        ) : (
          <Table.ScrollContainer minWidth={700}>
            <Table data-testid="allocations-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('allocations.credit')}</Table.Th>
                  <Table.Th>{t('allocations.debit')}</Table.Th>
                  <Table.Th ta="right">{t('allocations.amount')}</Table.Th>
                  <Table.Th>{t('allocations.createdAt')}</Table.Th>
                  {props.canUndo && <Table.Th>{t('common.actions')}</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((allocation) => (
                  <Table.Tr key={allocation.id} data-testid="allocation-row">
                    <Table.Td>{label(allocation.creditId)}</Table.Td>
                    <Table.Td>{label(allocation.debitId)}</Table.Td>
                    <Table.Td ta="right">
                      <Money minor={allocation.amount} currency={props.currency} />
                    </Table.Td>
                    <Table.Td>{instant(allocation.createdAt)}</Table.Td>
                    {props.canUndo && (
                      <Table.Td>
                        <UndoButton undo={undo} allocation={allocation} />
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ))}
      <LoadMore {...list} />
    </Paper>
  );
}
