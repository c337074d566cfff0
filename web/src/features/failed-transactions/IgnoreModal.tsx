import { Alert, Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fieldError, notifySuccess } from '../../ui/errors';
import { checks, useFieldChecks } from '../../ui/fieldChecks';
import { Money } from '../../ui/Money';
import { type FailedTransaction, useIgnore } from './api';

export function IgnoreModal({ entry, onClose }: { entry: FailedTransaction; onClose: () => void }) {
  const { t } = useTranslation();
  const ignore = useIgnore();
  const [note, setNote] = useState('');
  // FT6: the note is optional; the route keeps at most 1000 characters of it.
  const c = checks(t);
  const check = useFieldChecks(() => ({ note: c.maxLength(1000)(note) }));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!check.passes(event)) return ignore.reset();
    ignore.mutate(
      { id: entry.id, note: note.trim() || undefined },
      {
        onSuccess: () => {
          notifySuccess(t('feedback.ignored', { name: entry.customerName, paymentId: entry.paymentId }));
          onClose();
        },
      },
    );
  };

  return (
    <Modal opened onClose={onClose} title={t('failed.ignore.title')} data-testid="ignore-modal">
      <form onSubmit={submit} noValidate data-testid="ignore-form">
        <Stack>
          <Text>
            {entry.customerName} — {entry.paymentId} —{' '}
            <Money minor={entry.amount} currency={entry.currency} />
          </Text>
          <Alert color="yellow" title={t('failed.ignore.recommendTitle')}>
            {t('failed.ignore.recommendBody')}
          </Alert>
          <Textarea
            label={t('failed.ignore.note')}
            value={note}
            onChange={(event) => setNote(event.currentTarget.value)}
            error={check.errors.note ?? fieldError(ignore.error, 'note')}
            autosize
            minRows={2}
            maxRows={8}
            data-testid="ignore-note"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" color="red" loading={ignore.isPending} data-testid="ignore-confirm">
              {t('failed.ignore.confirm')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
