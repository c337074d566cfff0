import { Alert, Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fieldError, notifySuccess } from '../../ui/errors';
import { Money } from '../../ui/Money';
import { type FailedTransaction, useIgnore } from './api';

export function IgnoreModal({ entry, onClose }: { entry: FailedTransaction; onClose: () => void }) {
  const { t } = useTranslation();
  const ignore = useIgnore();
  const [note, setNote] = useState('');

  return (
    <Modal opened onClose={onClose} title={t('failed.ignore.title')} data-testid="ignore-modal">
      <Stack>
        <Text>
          {entry.customerName} — {entry.paymentId} — <Money minor={entry.amount} currency={entry.currency} />
        </Text>
        <Alert color="yellow" title={t('failed.ignore.recommendTitle')}>
          {t('failed.ignore.recommendBody')}
        </Alert>
        <Textarea
          label={t('failed.ignore.note')}
          value={note}
          onChange={(event) => setNote(event.currentTarget.value)}
          error={fieldError(ignore.error, 'note')}
          autosize
          minRows={2}
          data-testid="ignore-note"
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button
            color="red"
            loading={ignore.isPending}
            onClick={() =>
              ignore.mutate(
                { id: entry.id, note: note.trim() || undefined },
                {
                  onSuccess: () => {
                    notifySuccess(
                      t('feedback.ignored', { name: entry.customerName, paymentId: entry.paymentId }),
                    );
                    onClose();
                  },
                },
              )
            }
            data-testid="ignore-confirm"
          >
            {t('failed.ignore.confirm')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
