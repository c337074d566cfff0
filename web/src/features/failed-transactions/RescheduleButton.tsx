import { Button, Group, Modal, Radio, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { answer, api } from '../../api/client';
import { DateField } from '../../ui/DateField';
import { today } from '../../ui/dates';
import { fieldError, notifySuccess } from '../../ui/errors';
import { checks, useFieldChecks } from '../../ui/fieldChecks';
import { useOrganizationToday } from '../../ui/useOrganizationToday';
import type { FailedTransaction } from './api';

type Mode = 'next_installment' | 'spread' | 'new_installment';
const MODES: Mode[] = ['next_installment', 'spread', 'new_installment'];

/** RC6: a failed installment moved onto its plan (next installment, spread, or a new date). */
export function RescheduleButton({ entry }: { entry: FailedTransaction }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [mode, setMode] = useState<Mode>('next_installment');
  const [date, setDate] = useState(today());
  const [key] = useState(() => crypto.randomUUID());
  const reschedule = useMutation({
    mutationFn: () =>
      answer(
        api.POST('/api/v1/action-center/failed-transactions/{id}/reschedule', {
          params: { path: { id: entry.id } },
          headers: { 'Idempotency-Key': `${key}-${mode}-${date}` },
          body: mode === 'new_installment' ? { mode, date } : { mode },
        }),
      ),
    onSuccess: () => {
      setOpen(false);
      notifySuccess(t('reschedule.done'));
      void queryClient.invalidateQueries({ queryKey: ['failed-transactions'] });
      void queryClient.invalidateQueries({ queryKey: ['action-center'] });
    },
    meta: { form: true },
  });
  const c = checks(t);
  // RC6: a new installment needs its date, today or later.
  const from = useOrganizationToday();
  const check = useFieldChecks(() => ({
    date: mode === 'new_installment' ? c.date({ from })(date) : undefined,
  }));
  if (entry.type !== 'installment' || entry.status !== 'open' || entry.paidElsewhere) return null;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!check.passes(event)) return reschedule.reset();
    reschedule.mutate();
  };
  return (
    <>
      <Button size="compact-sm" variant="default" onClick={() => setOpen(true)} data-testid="ft-reschedule">
        {t('reschedule.action')}
      </Button>
      <Modal
        opened={open}
        onClose={() => {
          setOpen(false);
          check.reset();
        }}
        title={t('reschedule.title')}
      >
        <form onSubmit={submit} noValidate data-testid="reschedule-form">
          <Stack>
            <Text size="sm">{t('reschedule.help')}</Text>
            <Radio.Group value={mode} onChange={(value) => setMode(value as Mode)}>
              <Stack gap="xs">
                {MODES.map((value) => (
                  <Radio
                    key={value}
                    value={value}
                    label={t(`reschedule.modes.${value}`)}
                    data-testid={`reschedule-${value}`}
                  />
                ))}
              </Stack>
            </Radio.Group>
            {mode === 'new_installment' && (
              <DateField
                label={t('reschedule.date')}
                value={date}
                onChange={(value) => setDate(value)}
                required
                error={check.errors.date ?? fieldError(reschedule.error, 'date')}
                data-testid="reschedule-date"
              />
            )}
            <Group justify="flex-end">
              <Button type="submit" loading={reschedule.isPending} data-testid="reschedule-save">
                {t('reschedule.save')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
