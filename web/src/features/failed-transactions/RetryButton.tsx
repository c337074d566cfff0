import { Button, Tooltip } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { newIdempotencyKey } from '../../ui/idempotency';
import { type FailedTransaction, useRetry } from './api';

/** FT4: one key per click, and the button locks before the request leaves so a double click sends one. */
export function RetryButton({ entry }: { entry: FailedTransaction }) {
  const { t } = useTranslation();
  const retry = useRetry();
  const inFlight = useRef(false);
  const [sending, setSending] = useState(false);
  const retrying = entry.status === 'retrying';
  const blocked = !retrying && !entry.actions.retry;

  const onClick = () => {
    if (retrying || blocked || inFlight.current) return;
    inFlight.current = true;
    setSending(true);
    retry.mutate(
      { id: entry.id, idempotencyKey: newIdempotencyKey() },
      {
        onSettled: () => {
          inFlight.current = false;
          setSending(false);
        },
      },
    );
  };

  const button = (
    <Button
      size="compact-sm"
      leftSection={<IconRefresh size={14} />}
      disabled={retrying}
      data-disabled={blocked || undefined}
      aria-disabled={blocked || undefined}
      loading={sending}
      onClick={onClick}
      data-testid="ft-retry"
    >
      {t('failed.retry')}
    </Button>
  );
  if (blocked && entry.retryBlockedReason) {
    return (
      <Tooltip
        label={entry.retryBlockedReason}
        events={{ hover: true, focus: true, touch: true }}
        multiline
        w={260}
      >
        {button}
      </Tooltip>
    );
  }
  return button;
}
