import { Alert, Button, Center } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { errorMessage } from './errors';
import { LoadingIndicator } from './LoadingIndicator';

/** Loader while pending, a message with a retry button on error, nothing once the data is there. */
export function QueryStatus({
  query,
}: {
  query: Pick<UseQueryResult, 'isPending' | 'isError' | 'error' | 'refetch'>;
}) {
  const { t } = useTranslation();
  if (query.isPending) {
    return (
      <Center p="lg">
        <LoadingIndicator label={t('common.loading')} />
      </Center>
    );
  }
  if (query.isError) {
    return (
      <Alert color="red" title={t('errors.title')} role="alert">
        {errorMessage(query.error)}{' '}
        <Button size="compact-xs" variant="white" onClick={() => void query.refetch()}>
          {t('common.tryAgain')}
        </Button>
      </Alert>
    );
  }
  return null;
}
