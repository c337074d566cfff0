import { Button, Group, Progress, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isJobFinished, reconcilableKey, useJob, useReconcileAll } from './api';
import { clearOutcomes } from './outcomes';

/**
 * "Reconcile all zero-balance accounts": a bulk job with a progress bar. RA9 (a reconciled row stays until
 * the page is refreshed) is about the single-row Reconcile; once the bulk job is over, the list is reloaded
 * so that the accounts it reconciled leave it instead of still offering their Reconcile button.
 */
export function ReconcileAllPanel() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const reconcileAll = useReconcileAll();
  const [jobId, setJobId] = useState<string | null>(null);
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
        onClick={() => reconcileAll.mutate(undefined, { onSuccess: (answer) => setJobId(answer.jobId) })}
        data-testid="reconcile-all"
      >
        {t('reconcile.all')}
      </Button>
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
