import { Alert } from '@mantine/core';
import { IconFlask } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { answer, api } from '../api/client';
import { useFormatInstant } from '../ui/useFormatInstant';

/**
 * Says plainly that this is the sandbox (test payments, a movable clock) and that the clock shown is this
 * organization's own. Only for people who hold settings.manage, where the sandbox is on (else the clock
 * answers 403 or 404 and nothing is shown).
 */
export function SandboxBanner({ canManage }: { canManage: boolean }) {
  const { t } = useTranslation();
  const instant = useFormatInstant();
  const clock = useQuery({
    queryKey: ['sandbox', 'clock'],
    queryFn: () => answer(api.GET('/api/v1/sandbox/clock')),
    enabled: canManage,
    retry: false,
    refetchInterval: 60_000,
  });
  if (!clock.data) return null;
  return (
    <Alert color="grape" icon={<IconFlask />} mb="md" data-testid="sandbox-banner" title={t('sandbox.title')}>
      {t('sandbox.clock', { now: instant(clock.data.now) })}
    </Alert>
  );
}
