import { Button, Group, Paper, Select, SimpleGrid, Stack, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DateField } from '../../ui/DateField';
import { today } from '../../ui/dates';
import { fieldError, notifySuccess } from '../../ui/errors';
import { checkAll, checks, useFieldChecks } from '../../ui/fieldChecks';
import { MoneyInput } from '../../ui/MoneyInput';
import { currencyDigits, parseMoneyInput } from '../../ui/money';
import { type Interval, type PaymentMethod, useCreateSubscription } from './api';
import { PaymentMethodSelect } from './MethodSelect';

const INTERVALS: Interval[] = ['month', 'week', 'year'];

export function SubscriptionForm(props: { accountId: string; currency: string; methods: PaymentMethod[] }) {
  const { t } = useTranslation();
  const create = useCreateSubscription(props.accountId);
  const [amount, setAmount] = useState('');
  const [interval, setPeriod] = useState<Interval>('month');
  const [startDate, setStartDate] = useState(today());
  const [paymentMethodId, setPaymentMethodId] = useState<string | null>(null);
  const [description, setDescription] = useState('');

  const digits = currencyDigits(props.currency);
  const c = checks(t);
  const check = useFieldChecks(() =>
    checkAll(
      { amount, startDate, paymentMethodId: paymentMethodId ?? '', description },
      {
        amount: c.amount(digits),
        startDate: c.date(),
        paymentMethodId: c.required,
        description: c.maxLength(500),
      },
    ),
  );

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const minor = parseMoneyInput(amount, digits);
    if (!check.passes(event) || minor === null || !paymentMethodId) return create.reset();
    create.mutate(
      { amount: minor, interval, startDate, paymentMethodId, description: description.trim() || undefined },
      {
        onSuccess: () => {
          setAmount('');
          setDescription('');
          notifySuccess(t('subscriptions.created'));
        },
      },
    );
  };

  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">
        {t('subscriptions.title')}
      </Title>
      <form onSubmit={submit} noValidate data-testid="subscription-form">
        <Stack>
          <SimpleGrid cols={{ base: 1, xs: 3 }} spacing="sm">
            <MoneyInput
              label={t('subscriptions.amount')}
              currency={props.currency}
              value={amount}
              onChange={(event) => setAmount(event.currentTarget.value)}
              required
              error={check.errors.amount ?? fieldError(create.error, 'amount')}
              data-testid="subscription-amount"
            />
            <Select
              label={t('subscriptions.interval')}
              value={interval}
              onChange={(value) => value && setPeriod(value as Interval)}
              allowDeselect={false}
              data={INTERVALS.map((value) => ({ value, label: t(`subscriptions.intervals.${value}`) }))}
              error={fieldError(create.error, 'interval')}
              data-testid="subscription-interval"
            />
            <DateField
              label={t('subscriptions.startDate')}
              value={startDate}
              onChange={(value) => setStartDate(value)}
              required
              error={check.errors.startDate ?? fieldError(create.error, 'startDate')}
              data-testid="subscription-start-date"
            />
          </SimpleGrid>
          <PaymentMethodSelect
            label={t('subscriptions.paymentMethod')}
            methods={props.methods}
            value={paymentMethodId}
            onChange={setPaymentMethodId}
            required
            error={check.errors.paymentMethodId ?? fieldError(create.error, 'paymentMethodId')}
            data-testid="subscription-method"
          />
          <TextInput
            label={t('subscriptions.description')}
            value={description}
            maxLength={500}
            onChange={(event) => setDescription(event.currentTarget.value)}
            error={check.errors.description ?? fieldError(create.error, 'description')}
            data-testid="subscription-description"
          />
          <Group justify="flex-end">
            <Button type="submit" loading={create.isPending} data-testid="subscription-submit">
              {t('subscriptions.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
