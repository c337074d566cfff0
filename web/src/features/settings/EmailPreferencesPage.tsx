import { Paper, Switch, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { QueryStatus } from '../../ui/QueryStatus';
import { useEmailPreferences, useUpdateEmailPreferences } from './api';

export function EmailPreferencesPage() {
  const { t } = useTranslation();
  const preferences = useEmailPreferences();
  const update = useUpdateEmailPreferences();

  return (
    <Paper withBorder p="md" maw={640}>
      <Title order={2} size="h4" mb="sm">
        {t('emailPreferences.title')}
      </Title>
      <QueryStatus query={preferences} />
      {preferences.isSuccess && (
        <>
          <Switch
            label={t('emailPreferences.digest')}
            checked={
              update.isPending
                ? update.variables.failedTransactionsDigest
                : preferences.data.failedTransactionsDigest
            }
            disabled={update.isPending}
            onChange={(event) => update.mutate({ failedTransactionsDigest: event.currentTarget.checked })}
            data-testid="digest-switch"
          />
          <Text size="sm" mt="xs" c="gray.7">
            {t('emailPreferences.digestHint')}
          </Text>
        </>
      )}
    </Paper>
  );
}
