import { Alert, Group, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useSearchParams } from 'react-router-dom';
import { useCan } from '../../admin/session';
import { LoadMore } from '../../ui/LoadMore';
import { formatMoney } from '../../ui/money';
import { QueryStatus } from '../../ui/QueryStatus';
import { useLocale } from '../../ui/useLocale';
import { usePhone } from '../../ui/usePhone';
import { type FailedTransaction, type FailedTransactionFilters, useFailedTransactions } from './api';
import { ExportButtons } from './ExportButtons';
import { FailedFilters } from './FailedFilters';
import { FailedTransactionCard, FailedTransactionRow } from './FailedTransactionRow';
import { type FailedView, searchFromView, viewFromSearch } from './filtersUrl';
import { IgnoreModal } from './IgnoreModal';
import { retriesAwaitingOutcome, retryOutcomes } from './retryOutcomes';

/**
 * FT3: says how each retry asked from this page ended — recovered (the row leaves) or declined again (the
 * row stays, with the new reason and one more attempt, and moves to the top: its latest failure is newest).
 */
function useAnnounceRetryOutcomes(
  all: FailedTransaction[],
  view: { filters: FailedTransactionFilters; complete: boolean; fetching: boolean },
) {
  const { t } = useTranslation();
  const locale = useLocale();
  const { filters, complete, fetching } = view;
  useEffect(() => {
    if (fetching || retriesAwaitingOutcome.size === 0) return;
    for (const outcome of retryOutcomes(retriesAwaitingOutcome, all, { complete, filters })) {
      retriesAwaitingOutcome.delete(outcome.entry.id);
      const amount = formatMoney(outcome.entry.amount, outcome.entry.currency, locale);
      const name = outcome.entry.customerName;
      notifications.show(
        outcome.kind === 'recovered'
          ? {
              color: 'teal',
              title: t('failed.outcome.recoveredTitle'),
              message: t('failed.outcome.recovered', { amount, name }),
              'data-testid': 'ft-outcome-recovered',
            }
          : {
              color: 'red',
              title: t('failed.outcome.failedTitle'),
              message: t('failed.outcome.failed', {
                amount,
                name,
                reason: outcome.entry.reason.message,
                attempts: outcome.entry.attempts,
              }),
              'data-testid': 'ft-outcome-failed',
            },
      );
    }
  }, [all, filters, complete, fetching, t, locale]);
}

/** When the last retry in view is over, the counts and charts have changed too. */
function useRefreshCountsAfterRetries(retrying: boolean) {
  const queryClient = useQueryClient();
  const wasRetrying = useRef(retrying);
  useEffect(() => {
    if (wasRetrying.current && !retrying) void queryClient.invalidateQueries({ queryKey: ['action-center'] });
    wasRetrying.current = retrying;
  }, [retrying, queryClient]);
}

export function FailedTransactionsTab() {
  const { t } = useTranslation();
  const can = useCan();
  // The filters live in the address: shareable, kept by a reload, and each change is a step Back undoes.
  const [search, setSearch] = useSearchParams();
  const { filters, paidElsewhereOnly } = useMemo(() => viewFromSearch(search), [search]);
  // Each change is applied to the address as it is now, not to the one this render saw: two quick clicks
  // (a method, then a type) must not have the second one write back the filters from before the first.
  // The router's `prev` is the address of the last render, so the address bar itself is read.
  const updateView = (change: (view: FailedView) => FailedView) =>
    setSearch(searchFromView(change(viewFromSearch(new URLSearchParams(window.location.search)))));
  const setFilters = (next: FailedTransactionFilters) => {
    const keys = Object.keys({ ...filters, ...next }) as (keyof FailedTransactionFilters)[];
    const changed = keys.filter((key) => filters[key] !== next[key]);
    updateView((view) => {
      const merged: Record<string, unknown> = { ...view.filters };
      for (const key of changed) {
        if (next[key] === undefined) delete merged[key];
        else merged[key] = next[key];
      }
      return { ...view, filters: merged as FailedTransactionFilters };
    });
  };
  const setPaidElsewhereOnly = (value: boolean) =>
    updateView((view) => ({ ...view, paidElsewhereOnly: value }));
  const phone = usePhone();
  const [ignoring, setIgnoring] = useState<FailedTransaction | null>(null);
  const list = useFailedTransactions(filters, paidElsewhereOnly);

  const all = list.data?.pages.flatMap((page) => page.items) ?? [];
  // An attempt in an account file links here with `#ft_…`: that entry is outlined and scrolled into view;
  // once the whole list is loaded without it, the page says it is not on the list (any more).
  const { hash } = useLocation();
  const focus = /^#ft_[0-9a-z]+$/.test(hash) ? hash.slice(1) : null;
  const focusShown = focus !== null && all.some((entry) => entry.id === focus);
  useEffect(() => {
    if (!focusShown) return;
    document.querySelector(`[data-testid="ft-row"][data-id="${focus}"]`)?.scrollIntoView({ block: 'center' });
  }, [focus, focusShown]);
  useRefreshCountsAfterRetries(all.some((entry) => entry.status === 'retrying'));
  useAnnounceRetryOutcomes(all, {
    filters,
    complete: list.isSuccess && !list.hasNextPage,
    fetching: list.isFetching,
  });

  return (
    <>
      <FailedFilters
        filters={filters}
        onChange={setFilters}
        paidElsewhereOnly={paidElsewhereOnly}
        onPaidElsewhereOnly={setPaidElsewhereOnly}
      />
      <Group justify="flex-end" mb="xs">
        <ExportButtons filters={filters} paidElsewhereOnly={paidElsewhereOnly} />
      </Group>
      <QueryStatus query={list} />
      {focus && list.isSuccess && !list.hasNextPage && !focusShown && (
        <Alert color="blue" mb="sm" data-testid="ft-focus-missing">
          {t('failed.focusMissing')}
        </Alert>
      )}
      {/* The rows stay while a background refetch fails (the list polls during retries): the alert above
          says so, and one dropped request does not empty the page under the administrator's hands. */}
      {list.data && (
        <>
          {phone ? (
            // A phone: one card per entry, its amount and actions in view without scrolling sideways.
            <Stack gap="sm" data-testid="ft-table" data-layout="cards">
              {all.map((entry) => (
                <FailedTransactionCard
                  key={entry.id}
                  entry={entry}
                  focused={entry.id === focus}
                  canManage={can('transactions.manage')}
                  onIgnore={setIgnoring}
                />
              ))}
            </Stack>
          ) : (
            <Table.ScrollContainer minWidth={1040}>
              <Table striped verticalSpacing="xs" horizontalSpacing={8} data-testid="ft-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('failed.columns.customer')}</Table.Th>
                    <Table.Th>{t('failed.columns.transaction')}</Table.Th>
                    <Table.Th>{t('failed.columns.reason')}</Table.Th>
                    <Table.Th ta="right">{t('failed.columns.amount')}</Table.Th>
                    <Table.Th>{t('failed.columns.date')}</Table.Th>
                    <Table.Th>{t('failed.columns.method')}</Table.Th>
                    <Table.Th ta="right">{t('failed.columns.attempts')}</Table.Th>
                    <Table.Th>{t('failed.columns.actions')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {all.map((entry) => (
                    <FailedTransactionRow
                      key={entry.id}
                      entry={entry}
                      focused={entry.id === focus}
                      canManage={can('transactions.manage')}
                      onIgnore={setIgnoring}
                    />
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          {all.length === 0 && (
            <Text ta="center" p="lg" data-testid="ft-empty">
              {t('failed.empty')}
            </Text>
          )}
          <LoadMore {...list} />
        </>
      )}
      {ignoring && <IgnoreModal entry={ignoring} onClose={() => setIgnoring(null)} />}
    </>
  );
}
