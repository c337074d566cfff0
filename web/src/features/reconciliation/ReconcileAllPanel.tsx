import { Button, Group, Progress, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isJobFinished, useJob, useReconcileAll } from './api';

export function ReconcileAllPanel() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const reconcileAll = useReconcileAll();
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJob(jobId);
  const finished = isJobFinished(job.data);
  const running = reconcileAll.isPending || (jobId !== null && !finished);

  useEffect(() => {
    if (finished) void queryClient.invalidateQueries({ queryKey: ['action-center', 'summary'] });
  }, [finished, queryClient]);

  const total = job.data?.total ?? 0;
  const done = job.data?.done ?? 0;
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
          <Text size="sm" data-testid="reconcile-all-status">
            {finished
              ? t('reconcile.allDone', { done, total, failed: job.data?.failed ?? 0 })
              : t('reconcile.allRunning', { done, total })}
          </Text>
        </>
      )}
    </Group>
  );
}
