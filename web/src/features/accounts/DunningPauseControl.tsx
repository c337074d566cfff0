import { Badge, Button, Group, Modal, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../admin/session';
import { answer, api } from '../../api/client';
import { DateField } from '../../ui/DateField';
import { formatDate, today } from '../../ui/dates';
import { fieldError, notifySuccess } from '../../ui/errors';
import { checkAll, checks, useFieldChecks } from '../../ui/fieldChecks';
import { useLocale } from '../../ui/useLocale';
import { useOrganizationToday } from '../../ui/useOrganizationToday';

const pauseKey = (id: string) => ['accounts', id, 'dunning-pause'] as const;

/** RC5 on the account file: the pause badge, and pausing or resuming dunning (transactions.manage). */
export function DunningPauseControl({ accountId }: { accountId: string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const can = useCan();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [until, setUntil] = useState(today());
  const [reason, setReason] = useState('');
  const pause = useQuery({
    queryKey: pauseKey(accountId),
    queryFn: () =>
      answer(api.GET('/api/v1/accounts/{id}/dunning-pause', { params: { path: { id: accountId } } })),
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: pauseKey(accountId) });
    void queryClient.invalidateQueries({ queryKey: ['failed-transactions'] });
  };
  const set = useMutation({
    mutationFn: () =>
      answer(
        api.PUT('/api/v1/accounts/{id}/dunning-pause', {
          params: { path: { id: accountId } },
          body: { until, reason },
        }),
      ),
    onSuccess: () => {
      refresh();
      setOpen(false);
      notifySuccess(t('dunning.saved'));
    },
    meta: { form: true },
  });
  const clear = useMutation({
    mutationFn: () =>
      answer(api.DELETE('/api/v1/accounts/{id}/dunning-pause', { params: { path: { id: accountId } } })),
    onSuccess: () => {
      refresh();
      notifySuccess(t('dunning.resumed'));
    },
  });
  const manage = can('transactions.manage');
  const current = pause.data ?? null;
  const c = checks(t);
  // RC5 and the route: the pause runs through a date today or later, and says why (1 to 500 characters).
  const from = useOrganizationToday();
  const check = useFieldChecks(() =>
    checkAll({ until, reason }, { until: c.date({ from }), reason: c.text(500) }),
  );
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!check.passes(event)) return set.reset();
    set.mutate();
  };

  return (
    <Group gap="xs" data-testid="dunning-pause">
      {current && (
        <Tooltip label={current.reason} multiline maw={260}>
          <Badge color="violet.9" variant="filled" data-testid="account-dunning-paused">
            {t('dunning.paused', { until: formatDate(current.until, locale) })}
          </Badge>
        </Tooltip>
      )}
      {manage &&
        (current ? (
          <Button
            size="compact-sm"
            variant="default"
            loading={clear.isPending}
            onClick={() => clear.mutate()}
            data-testid="dunning-resume"
          >
            {t('dunning.resume')}
          </Button>
        ) : (
          <Button
            size="compact-sm"
            variant="default"
            onClick={() => setOpen(true)}
            data-testid="dunning-pause-open"
          >
            {t('dunning.pause')}
          </Button>
        ))}
      <Modal
        opened={open}
        onClose={() => {
          setOpen(false);
          check.reset();
        }}
        title={t('dunning.title')}
      >
        <form onSubmit={submit} noValidate data-testid="dunning-pause-form">
          <Stack>
            <Text size="sm">{t('dunning.help')}</Text>
            <DateField
              label={t('dunning.until')}
              required
              value={until}
              onChange={(value) => setUntil(value)}
              error={check.errors.until ?? fieldError(set.error, 'until')}
              data-testid="dunning-until"
            />
            <TextInput
              label={t('dunning.reason')}
              required
              placeholder={t('dunning.reasonPlaceholder')}
              value={reason}
              onChange={(event) => setReason(event.currentTarget.value)}
              error={check.errors.reason ?? fieldError(set.error, 'reason')}
              data-testid="dunning-reason"
            />
            <Group justify="flex-end">
              <Button type="submit" loading={set.isPending} data-testid="dunning-save">
                {t('dunning.save')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Group>
  );
}
