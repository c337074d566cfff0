import { Button, Group, Modal, Progress, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { formatMoney } from '../../ui/money';
import { QueryStatus } from '../../ui/QueryStatus';
import { useLocale } from '../../ui/useLocale';
import { isJobFinished, reconcilableKey, useJob, useReconcileAll, useZeroBalanceSummary } from './api';
import { clearOutcomes } from './outcomes';

/**
 * "Reconcile all zero-balance accounts": confirmed first with how many accounts and how much, then a bulk
 * job with a progress bar. RA9 (a reconciled row stays until
 * the page is refreshed) is about the single-row Reconcile; once the bulk job is over, the list is reloaded
 * so that the accounts it reconciled leave it instead of still offering their Reconcile button.
 */
export function ReconcileAllPanel() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const reconcileAll = useReconcileAll();
  const [jobId, setJobId] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const summary = useZeroBalanceSummary(confirming);
  const locale = useLocale();
  const job = useJob(jobId);
  const finished = isJobFinished(job.data);
  const running = reconcileAll.isPending || (jobId !== null && !finished);

  useEffect(() => {
    if (!finished) return;
    void queryClient.invalidateQueries({ queryKey: ['action-center', 'summary'] });
    void queryClient.invalidateQueries({ queryKey: ['account'] });
    // Outcomes are cleared once the fresh list is in, so no row flashes back to "Reconcile" meanwhile.
    void queryClient.invalidateQueries({ queryKey: reconcilableKey }).then(clearOutcomes);
  }, [finished, queryClient]);

  const total = job.data?.total ?? 0;
  const done = job.data?.done ?? 0;
  const failed = job.data?.failed ?? 0;
  const percent = total > 0 ? Math.round((done / total) * 100) : finished ? 100 : 0;

  return (
    <Group gap="sm" align="center">
      <Button
        variant="light"
        loading={running}
        onClick={() => setConfirming(true)}
        data-testid="reconcile-all"
      >
        {t('reconcile.all')}
      </Button>
      <Modal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={t('reconcileAll.title')}
        data-testid="reconcile-all-confirm"
      >
        {!summary.isSuccess ? (
          <QueryStatus query={summary} />
        ) : summary.data.accounts === 0 ? (
          <Text data-testid="reconcile-all-summary">{t('reconcileAll.none')}</Text>
        ) : (
          <Text data-testid="reconcile-all-summary">
            {t('reconcileAll.summary', {
              count: summary.data.accounts,
              amount: formatMoney(summary.data.amount, summary.data.currency, locale),
            })}
          </Text>
        )}
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={() => setConfirming(false)}>
            {t('common.cancel')}
          </Button>
          <Button
            disabled={!summary.isSuccess || summary.data.accounts === 0}
            onClick={() => {
              setConfirming(false);
              reconcileAll.mutate(undefined, {
                onSuccess: (answer) => setJobId(answer.jobId),
              });
            }}
            data-testid="reconcile-all-go"
          >
            {summary.isSuccess ? t('reconcileAll.go', { count: summary.data.accounts }) : t('reconcile.all')}
          </Button>
        </Group>
      </Modal>
      {jobId !== null && (
        <>
          <Progress
            w={200}
            value={percent}
            animated={!finished}
            aria-label={t('reconcile.allProgress')}
            data-testid="reconcile-all-progress"
          />
          <Text size="sm" role="status" data-testid="reconcile-all-status">
            {finished
              ? // `done` counts the failed accounts too.
                t('reconcile.allDone', { reconciled: done - failed, total, failed })
              : t('reconcile.allRunning', { done, total })}
          </Text>
        </>
      )}
    </Group>
  );
}
