import { Button, Stack, Text } from '@mantine/core';
import { IconMailForward } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api/client';
import { notifyError, notifySuccess } from '../../ui/errors';
import { useFormatInstant } from '../../ui/useFormatInstant';
import { useRemind } from './api';

/** "Send the reminder again" only where one was sent (automatically or by hand); "Send a reminder" otherwise. */
export function RemindButton({ paymentMethodId, reminded }: { paymentMethodId: string; reminded: boolean }) {
  const { t } = useTranslation();
  const instant = useFormatInstant();
  const remind = useRemind();
  const tooSoon = isApiError(remind.error) && remind.error.status === 429 ? remind.error.problem : null;

  return (
    <Stack gap={4} align="flex-start">
      <Button
        size="compact-sm"
        variant="light"
        leftSection={<IconMailForward size={14} />}
        loading={remind.isPending}
        onClick={() =>
          remind.mutate(paymentMethodId, {
            onSuccess: () => notifySuccess(t('expiring.reminderQueued')),
            onError: (error) => {
              if (!(isApiError(error) && error.status === 429)) notifyError(error);
            },
          })
        }
        data-testid="ec-remind"
      >
        {reminded ? t('expiring.remind') : t('expiringHelp.remindFirst')}
      </Button>
      {tooSoon && (
        <Text size="xs" c="red.8" role="status" data-testid="ec-remind-too-soon">
          {/* The server's detail is English with a raw instant: say it in the viewer's language. */}
          {tooSoon.retryAfter
            ? t('expiring.possibleFrom', { when: instant(tooSoon.retryAfter) })
            : tooSoon.detail}
        </Text>
      )}
    </Stack>
  );
}
