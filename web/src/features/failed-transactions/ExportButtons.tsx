import { Button, Group, Progress } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { downloadFile } from '../../ui/download';
import { notifyError } from '../../ui/errors';
import { LoadingIndicator } from '../../ui/LoadingIndicator';
import type { FailedTransactionFilters } from './api';

type Format = 'csv' | 'xlsx';

/**
 * The file is exactly what the list shows (issue 16): every filter of the list goes to the server, the
 * "paid elsewhere only" toggle included (the server filters the whole list, not only the loaded pages).
 */
export function ExportButtons({
  filters,
  paidElsewhereOnly = false,
}: {
  filters: FailedTransactionFilters;
  paidElsewhereOnly?: boolean;
}) {
  const { t } = useTranslation();
  const [format, setFormat] = useState<Format | null>(null);
  const [progress, setProgress] = useState<number | null>(null);

  const start = async (next: Format) => {
    setFormat(next);
    setProgress(null);
    try {
      await downloadFile(
        api.GET('/api/v1/action-center/failed-transactions/export', {
          params: {
            query: { format: next, ...filters, ...(paidElsewhereOnly ? { paidElsewhere: true } : {}) },
          },
          headers: { Accept: '*/*' },
          parseAs: 'stream',
        }),
        `failed-transactions.${next}`,
        setProgress,
      );
    } catch (error) {
      notifyError(error);
    } finally {
      setFormat(null);
    }
  };

  return (
    <Group gap="xs">
      {(['csv', 'xlsx'] as const).map((value) => (
        <Button
          key={value}
          size="xs"
          variant="default"
          leftSection={<IconDownload size={14} />}
          disabled={format !== null}
          loading={format === value}
          onClick={() => void start(value)}
          data-testid={`export-${value}`}
        >
          {t(value === 'csv' ? 'failed.exportCsv' : 'failed.exportXlsx')}
        </Button>
      ))}
      {format !== null &&
        (progress === null ? (
          <LoadingIndicator size="xs" label={t('failed.downloading')} testId="export-progress" />
        ) : (
          <Progress
            w={120}
            value={Math.round(progress * 100)}
            aria-label={t('failed.downloading')}
            data-testid="export-progress"
          />
        ))}
    </Group>
  );
}
