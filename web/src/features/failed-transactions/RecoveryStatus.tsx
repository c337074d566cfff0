import { Badge, Stack, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDate } from '../../ui/dates';
import { formatMoney } from '../../ui/money';
import { useFormatInstant } from '../../ui/useFormatInstant';
import { useLocale } from '../../ui/useLocale';
import type { FailedTransaction } from './api';

/** RC5: the account is under a dunning pause (no automatic retry, no dunning e-mail until it ends). */
export function DunningPauseBadge({ entry }: { entry: FailedTransaction }) {
  const { t } = useTranslation();
  const locale = useLocale();
  if (!entry.dunningPause) return null;
  return (
    <Tooltip
      label={t('recovery.pausedUntil', {
        until: formatDate(entry.dunningPause.until, locale),
        reason: entry.dunningPause.reason,
      })}
      multiline
      maw={260}
    >
      <Badge color="violet.9" variant="filled" size="sm" miw="max-content" data-testid="ft-dunning-paused">
        {t('recovery.paused')}
      </Badge>
    </Tooltip>
  );
}

/** RC4: when the policy next retries the entry by itself and how many retries are left, or that it needs you. */
export function RecoveryStatus({ entry }: { entry: FailedTransaction }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const instant = useFormatInstant();
  if (entry.status !== 'open') return null;
  return (
    <Stack gap={2} data-testid="ft-recovery">
      {entry.nextRetryAt ? (
        <>
          <Text size="xs" fw={500} data-testid="ft-next-retry">
            {t('recovery.nextRetry', { when: instant(entry.nextRetryAt) })}
          </Text>
          <Tooltip label={t(`recovery.afterLast.${entry.afterLastRetry}`)}>
            <Text size="xs" c="gray.7" data-testid="ft-retries-left">
              {t('recovery.retriesLeft', { count: entry.automaticRetriesLeft })}
            </Text>
          </Tooltip>
        </>
      ) : (
        <Tooltip label={t('recovery.needsYouHelp')}>
          <Text size="xs" fw={600} data-testid="ft-needs-you">
            {t('recovery.needsYou')}
          </Text>
        </Tooltip>
      )}
      {entry.retryCost > 0 && (
        <Text size="xs" c="gray.7" data-testid="ft-retry-cost">
          {t('recovery.retryCost', { amount: formatMoney(entry.retryCost, entry.currency, locale) })}
        </Text>
      )}
    </Stack>
  );
}
