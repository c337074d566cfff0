import { Badge, Button, Group, Menu, Modal, Stack, Text } from '@mantine/core';
import { IconDotsVertical } from '@tabler/icons-react';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DateField } from '../../ui/DateField';
import { formatDate } from '../../ui/dates';
import { fieldError, notifySuccess } from '../../ui/errors';
import { checkAll, checks, useFieldChecks } from '../../ui/fieldChecks';
import { MoneyInput } from '../../ui/MoneyInput';
import { currencyDigits, decimalSeparator, formatMoney, parseMoneyInput, toMoneyInput } from '../../ui/money';
import { useLocale } from '../../ui/useLocale';
import { useOrganizationToday } from '../../ui/useOrganizationToday';
import { type ScheduleAction, type UpcomingPayment, useEditScheduledPayment, useScheduleAction } from './api';

/** A subscription cancelled at period end still has its last charge(s) to come: it is "ending", not gone. */
function isEnding(payment: UpcomingPayment): boolean {
  return (
    payment.schedule.status === 'cancelled' &&
    payment.schedule.endsOn !== null &&
    payment.status === 'scheduled'
  );
}

/** What can be done to this charge's subscription or plan now (API.md, Lifecycle). */
export function actionsFor(payment: UpcomingPayment): ScheduleAction[] {
  const { status } = payment.schedule;
  if (payment.source === 'installment') return status === 'active' ? ['cancelPlan'] : [];
  if (status === 'active') return ['pause', 'cancelAtPeriodEnd', 'cancelNow'];
  if (status === 'paused') return ['resume', 'cancelNow'];
  return [];
}

/** The charge's own status, and its schedule's when that is why the charge is (or is not) coming. */
export function ScheduleStatus({ payment }: { payment: UpcomingPayment }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const color = {
    scheduled: 'indigo',
    processing: 'orange',
    paid: 'teal',
    failed: 'red',
    skipped: 'gray',
    cancelled: 'gray',
  }[payment.status];
  return (
    <Group
      gap={4}
      wrap="wrap"
      data-testid="upcoming-status"
      data-status={payment.status}
      data-schedule={payment.schedule.status}
    >
      <Badge variant="light" color={color} size="sm" style={{ textTransform: 'none' }}>
        {t(`schedule.status.${payment.status}`)}
      </Badge>
      {isEnding(payment) && payment.schedule.endsOn ? (
        <Badge
          variant="light"
          color="orange"
          size="sm"
          style={{ textTransform: 'none' }}
          data-testid="upcoming-ending"
        >
          {t('schedule.state.cancelling', { date: formatDate(payment.schedule.endsOn, locale) })}
        </Badge>
      ) : (
        payment.schedule.status !== 'active' && (
          <Badge
            variant="outline"
            color="gray.7"
            size="sm"
            style={{ textTransform: 'none' }}
            data-testid="upcoming-schedule-state"
          >
            {t(`schedule.state.${payment.schedule.status}`)}
          </Badge>
        )
      )}
    </Group>
  );
}

/** The menu of one charge: its schedule's lifecycle, and editing the charge itself while it is scheduled. */
export function ScheduleActions(props: {
  accountId: string;
  payment: UpcomingPayment;
  all: UpcomingPayment[];
  currency: string;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const { payment } = props;
  const [confirming, setConfirming] = useState<ScheduleAction | null>(null);
  const [editing, setEditing] = useState(false);
  const actions = actionsFor(payment);
  const editable = payment.status === 'scheduled';
  if (actions.length === 0 && !editable) return null;
  const date = formatDate(payment.dueDate, locale);
  return (
    <>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <Button
            size="compact-sm"
            variant="default"
            rightSection={<IconDotsVertical size={14} aria-hidden="true" />}
            aria-label={t('schedule.actions.menu', { date })}
            data-testid="upcoming-actions"
          >
            {t('schedule.columns.actions')}
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          {editable && (
            <Menu.Item onClick={() => setEditing(true)} data-testid="upcoming-action-edit">
              {t('schedule.actions.edit')}
            </Menu.Item>
          )}
          {actions.map((action) => (
            <Menu.Item
              key={action}
              color={action.startsWith('cancel') ? 'red' : undefined}
              onClick={() => setConfirming(action)}
              data-testid={`upcoming-action-${action}`}
            >
              {t(`schedule.actions.${action}`)}
            </Menu.Item>
          ))}
        </Menu.Dropdown>
      </Menu>
      {confirming && (
        <ConfirmScheduleAction {...props} action={confirming} onClose={() => setConfirming(null)} />
      )}
      {editing && <EditScheduledPayment {...props} onClose={() => setEditing(false)} />}
    </>
  );
}

function ConfirmScheduleAction(props: {
  accountId: string;
  payment: UpcomingPayment;
  all: UpcomingPayment[];
  currency: string;
  action: ScheduleAction;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const run = useScheduleAction(props.accountId);
  const { payment, action } = props;
  const date = formatDate(payment.dueDate, locale);
  const amount = formatMoney(payment.amount, props.currency, locale);
  // A plan's cancellation withdraws every installment still scheduled: say how many and how much.
  const planRest = props.all.filter((p) => p.sourceId === payment.sourceId && p.status === 'scheduled');
  const planTotal = formatMoney(
    planRest.reduce((sum, p) => sum + p.amount, 0),
    props.currency,
    locale,
  );
  const body =
    action === 'cancelPlan'
      ? t('schedule.confirm.cancelPlan', { count: planRest.length, amount: planTotal })
      : action === 'resume' || action === 'cancelAtPeriodEnd'
        ? t(`schedule.confirm.${action}`)
        : t(`schedule.confirm.${action}`, { amount, date });
  const done = (answer: unknown) => {
    const endsOn = (answer as { endsOn?: string | null } | null)?.endsOn;
    notifySuccess(
      action === 'cancelNow'
        ? t('schedule.done.cancelled')
        : action === 'cancelAtPeriodEnd'
          ? t('schedule.done.cancelling', { date: endsOn ? formatDate(endsOn, locale) : date })
          : action === 'pause'
            ? t('schedule.done.paused')
            : action === 'resume'
              ? t('schedule.done.resumed')
              : t('schedule.done.planCancelled'),
    );
    props.onClose();
  };
  return (
    <Modal
      opened
      onClose={props.onClose}
      title={t(`schedule.confirm.${action}Title`)}
      data-testid="schedule-confirm"
    >
      <Stack>
        <Text data-testid="schedule-confirm-text">{body}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            {t('schedule.confirm.back')}
          </Button>
          <Button
            color={action === 'resume' ? undefined : 'red'}
            loading={run.isPending}
            onClick={() => run.mutate({ action, sourceId: payment.sourceId }, { onSuccess: done })}
            data-testid="schedule-confirm-ok"
          >
            {t(`schedule.actions.${action}`)}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function EditScheduledPayment(props: {
  accountId: string;
  payment: UpcomingPayment;
  currency: string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const edit = useEditScheduledPayment(props.accountId);
  const digits = currencyDigits(props.currency);
  const [dueDate, setDueDate] = useState(props.payment.dueDate);
  const [amount, setAmount] = useState(toMoneyInput(props.payment.amount, digits, decimalSeparator(locale)));
  const c = checks(t);
  // The route: a new date is today or later (the organization's today), the amount positive (the server
  // checks it against the invoice). An unchanged date is not sent, so it is not checked against today.
  const today = useOrganizationToday();
  const from = dueDate === props.payment.dueDate ? undefined : today;
  const check = useFieldChecks(() =>
    checkAll({ dueDate, amount }, { dueDate: c.date({ from }), amount: c.amount(digits) }),
  );
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const minor = parseMoneyInput(amount, digits);
    if (!check.passes(event) || minor === null) return edit.reset();
    const body = {
      ...(dueDate !== props.payment.dueDate ? { dueDate } : {}),
      ...(minor !== props.payment.amount ? { amount: minor } : {}),
    };
    if (Object.keys(body).length === 0) return props.onClose();
    edit.mutate(
      { paymentId: props.payment.id, body },
      {
        onSuccess: (saved) => {
          notifySuccess(
            t('schedule.done.edited', {
              date: formatDate(saved.dueDate, locale),
              amount: formatMoney(saved.amount, props.currency, locale),
            }),
          );
          props.onClose();
        },
      },
    );
  };
  const refusal = edit.error && !fieldError(edit.error, 'amount') && !fieldError(edit.error, 'dueDate');
  return (
    <Modal
      opened
      onClose={props.onClose}
      title={t('schedule.edit.title', { date: formatDate(props.payment.dueDate, locale) })}
      data-testid="schedule-edit"
    >
      <form onSubmit={submit} noValidate data-testid="schedule-edit-form">
        <Stack>
          <Text size="sm">{t('schedule.edit.help')}</Text>
          <DateField
            label={t('schedule.edit.dueDate')}
            value={dueDate}
            onChange={(value) => setDueDate(value)}
            required
            error={check.errors.dueDate ?? fieldError(edit.error, 'dueDate')}
            data-testid="schedule-edit-date"
          />
          <MoneyInput
            label={t('schedule.edit.amount')}
            currency={props.currency}
            value={amount}
            onChange={(event) => setAmount(event.currentTarget.value)}
            required
            error={check.errors.amount ?? fieldError(edit.error, 'amount')}
            data-testid="schedule-edit-amount"
          />
          {refusal && (
            <Text c="red.8" size="sm" role="alert" data-testid="schedule-edit-error">
              {(edit.error as { problem?: { detail?: string } }).problem?.detail}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={edit.isPending} data-testid="schedule-edit-save">
              {t('schedule.edit.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
