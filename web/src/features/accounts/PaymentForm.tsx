import { Alert, Anchor, Button, Group, Paper, Select, Stack, Text, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { isApiError } from '../../api/client';
import type { MethodType } from '../../api/schema';
import { DateField } from '../../ui/DateField';
import { today } from '../../ui/dates';
import { errorMessage, fieldError, notifySuccess } from '../../ui/errors';
import { checkAll, checks, useFieldChecks } from '../../ui/fieldChecks';
import { newIdempotencyKey } from '../../ui/idempotency';
import { MoneyInput } from '../../ui/MoneyInput';
import { currencyDigits, parseMoneyInput } from '../../ui/money';
import { useLocale } from '../../ui/useLocale';
import { type LedgerDocument, type PaymentMethod, type PaymentMethodKind, useRecordPayment } from './api';
import { openDocumentOptions } from './documentOptions';
import { PaymentMethodSelect } from './MethodSelect';

const METHODS: PaymentMethodKind[] = ['cheque', 'cash', 'other', 'card', 'echeck'];
const isGateway = (method: PaymentMethodKind): method is MethodType =>
  method === 'card' || method === 'echeck';

/**
 * Records a payment received by hand (cash, cheque, other) or charges one through the gateway with one of
 * the account's cards or bank accounts. Every error shows here, next to the form: field errors by field,
 * a declined card (402) with its decline code, anything else as one message.
 */
export function PaymentForm(props: {
  accountId: string;
  documents: LedgerDocument[];
  methods: PaymentMethod[];
  currency: string;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const record = useRecordPayment(props.accountId);
  const [amount, setAmount] = useState('');
  const [date, setDate] = useState(today());
  const [method, setMethod] = useState<PaymentMethodKind>('cheque');
  const [paymentMethodId, setPaymentMethodId] = useState<string | null>(null);
  const [invoiceId, setInvoiceId] = useState<string | null>(null);
  const invoices = openDocumentOptions(
    props.documents.filter((document) => document.kind === 'invoice'),
    t,
    props.currency,
    locale,
  );
  const gateway = isGateway(method);
  const usable = gateway ? props.methods.filter((candidate) => candidate.type === method) : [];
  const error = record.error;
  const declined = isApiError(error) && error.status === 402;
  const otherError = error && !declined && (!isApiError(error) || error.fieldErrors.length === 0);
  const digits = currencyDigits(props.currency);
  const c = checks(t);
  const check = useFieldChecks(() =>
    checkAll(
      { amount, date, paymentMethodId: paymentMethodId ?? '' },
      // A charge needs the card or bank account it goes to.
      { amount: c.amount(digits), date: c.date(), paymentMethodId: gateway ? c.required : undefined },
    ),
  );

  const chooseMethod = (value: PaymentMethodKind) => {
    setMethod(value);
    const first = isGateway(value) ? props.methods.find((candidate) => candidate.type === value) : undefined;
    setPaymentMethodId(first?.id ?? null);
    record.reset();
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const minor = parseMoneyInput(amount, digits);
    if (!check.passes(event) || minor === null) return record.reset();
    record.mutate(
      {
        body: {
          amount: minor,
          date,
          method,
          paymentMethodId: gateway ? (paymentMethodId ?? undefined) : undefined,
          invoiceId: invoiceId ?? undefined,
        },
        idempotencyKey: newIdempotencyKey(),
      },
      {
        onSuccess: (result) => {
          setAmount('');
          setInvoiceId(null);
          notifySuccess(t(`payments.${result.status}`));
        },
      },
    );
  };

  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">
        {t('payments.title')}
      </Title>
      <form onSubmit={submit} noValidate data-testid="payment-form">
        <Stack>
          <Group align="flex-start" grow>
            <MoneyInput
              label={t('payments.amount')}
              currency={props.currency}
              value={amount}
              onChange={(event) => setAmount(event.currentTarget.value)}
              required
              error={check.errors.amount ?? fieldError(error, 'amount')}
              data-testid="payment-amount"
            />
            <DateField
              label={t('payments.date')}
              value={date}
              onChange={(value) => setDate(value)}
              required
              error={check.errors.date ?? fieldError(error, 'date')}
              data-testid="payment-date"
            />
          </Group>
          <Select
            label={t('payments.method')}
            value={method}
            onChange={(value) => value && chooseMethod(value as PaymentMethodKind)}
            allowDeselect={false}
            data={METHODS.map((value) => ({ value, label: t(`payments.methods.${value}`) }))}
            error={fieldError(error, 'method')}
            data-testid="payment-method"
          />
          {gateway &&
            (usable.length > 0 ? (
              <PaymentMethodSelect
                label={t('payments.paymentMethod')}
                methods={usable}
                value={paymentMethodId}
                onChange={setPaymentMethodId}
                required
                error={check.errors.paymentMethodId ?? fieldError(error, 'paymentMethodId')}
                data-testid="payment-method-id"
              />
            ) : (
              <Text size="sm" data-testid="payment-no-method">
                {t(method === 'card' ? 'payments.noCard' : 'payments.noEcheck')}{' '}
                <Anchor component={Link} to={`/accounts/${props.accountId}/wallet`}>
                  {t('payments.openWallet')}
                </Anchor>
              </Text>
            ))}
          <Select
            label={t('payments.invoice')}
            value={invoiceId}
            onChange={setInvoiceId}
            data={invoices}
            clearable
            error={fieldError(error, 'invoiceId')}
            data-testid="payment-invoice"
          />
          {declined && (
            <Alert
              color="red"
              title={t('payments.declinedTitle')}
              role="alert"
              data-testid="payment-declined"
            >
              <Text size="sm">{error.problem.detail}</Text>
              {error.problem.code && (
                <Text size="sm" data-testid="payment-decline-code" data-code={error.problem.code}>
                  {t('payments.declinedCode', { code: error.problem.code })}
                </Text>
              )}
              <Text size="sm">{t('payments.declinedHint')}</Text>
            </Alert>
          )}
          {otherError && (
            <Alert color="red" title={t('errors.title')} role="alert" data-testid="payment-error">
              {errorMessage(error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button
              type="submit"
              loading={record.isPending}
              // Without a card or bank account of that kind there is nothing to charge (the text says where to add one).
              disabled={gateway && usable.length === 0}
              data-testid="payment-submit"
            >
              {gateway ? t('payments.charge') : t('payments.record')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
