import { Paper, Switch, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useMe, useOrganization } from '../../admin/session';
import { notifySuccess } from '../../ui/errors';
import { QueryStatus } from '../../ui/QueryStatus';
import { useEmailPreferences, useUpdateEmailPreferences } from './api';

export function EmailPreferencesPage() {
  const { t } = useTranslation();
  const preferences = useEmailPreferences();
  const update = useUpdateEmailPreferences();
  const me = useMe();
  const organization = useOrganization();
  // FT10: the primary billing contact receives the digest whatever their preference, so the switch shows
  // it on and cannot be turned off (a switch showing "off" beside "you always receive it" says two things).
  const isBillingContact = me.data !== undefined && organization.data?.billingContactUserId === me.data.id;

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
            description={isBillingContact ? t('digestPreference.alwaysAsBillingContact') : undefined}
            checked={
              isBillingContact ||
              (update.isPending
                ? update.variables.failedTransactionsDigest
                : preferences.data.failedTransactionsDigest)
            }
            disabled={update.isPending || isBillingContact}
            onChange={(event) => {
              const on = event.currentTarget.checked;
              update.mutate(
                { failedTransactionsDigest: on },
                { onSuccess: () => notifySuccess(t(on ? 'digestPreference.on' : 'digestPreference.off')) },
              );
            }}
            data-testid="digest-switch"
            data-billing-contact={isBillingContact}
          />
          <Text size="sm" mt="xs" c="gray.7">
            {t('emailPreferences.digestHint')}
          </Text>
        </>
      )}
    </Paper>
  );
}
