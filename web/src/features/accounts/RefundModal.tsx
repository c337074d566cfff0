import { Alert, Anchor, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { isApiError } from '../../api/client';
import { DateField } from '../../ui/DateField';
import { formatDate, today } from '../../ui/dates';
import { errorMessage, fieldError, notifySuccess } from '../../ui/errors';
import { checkAll, checks, useFieldChecks } from '../../ui/fieldChecks';
import { newIdempotencyKey } from '../../ui/idempotency';
import { MoneyInput } from '../../ui/MoneyInput';
import { currencyDigits, decimalSeparator, formatMoney, parseMoneyInput, toMoneyInput } from '../../ui/money';
import { useLocale } from '../../ui/useLocale';
import { type LedgerDocument, type RefundResult, useRefund } from './api';
import { documentName, readableReference } from './documentOptions';

/** What is left to refund on a payment, as far as the ledger shows (the server has the last word). */
export function refundableOn(payment: LedgerDocument, documents: LedgerDocument[]): number {
  const refunded = documents
    .filter((document) => document.kind === 'refund' && document.refundedPaymentId === payment.id)
    .reduce((sum, document) => sum + document.amount, 0);
  return Math.max(0, payment.amount - refunded);
}

/** A payment that can be refunded: posted (a pending eCheck cannot be yet) and not all given back. */
export function canRefund(document: LedgerDocument, documents: LedgerDocument[]): boolean {
  return (
    document.kind === 'payment' &&
    (document.status === undefined || document.status === 'posted') &&
    refundableOn(document, documents) > 0
  );
}

/**
 * Refunds part or all of a payment. The gateway may refuse (e.g. not enough funds in the merchant account):
 * the answer is then 201 with status failed, and the refund waits in the Action Center's failed
 * transactions; the modal says so and links there.
 */
export function RefundModal(props: {
  accountId: string;
  payment: LedgerDocument;
  documents: LedgerDocument[];
  currency: string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const digits = currencyDigits(props.currency);
  const refundable = refundableOn(props.payment, props.documents);
  const refund = useRefund(props.accountId);
  const [amount, setAmount] = useState(toMoneyInput(refundable, digits, decimalSeparator(locale)));
  const [date, setDate] = useState(today());
  const [failed, setFailed] = useState<RefundResult | null>(null);
  const money = (minor: number) => formatMoney(minor, props.currency, locale);
  // The payment as people know it: a payment without a reference by its date and amount, never its ID.
  const reference = readableReference(props.payment);
  const paymentName = reference
    ? t('refunds.payment', {
        reference,
        amount: money(props.payment.amount),
        date: formatDate(props.payment.date, locale),
      })
    : documentName(props.payment, t, props.currency, locale);
  const error = refund.error;
  // More than is left (e.g. a failed refund of this payment still waits in the Action Center): say how much.
  const left = isApiError(error) ? error.problem.refundableAmount : undefined;
  const tooMuch =
    left === undefined
      ? undefined
      : left > 0
        ? t('refunds.atMost', { amount: money(left) })
        : t('refunds.nothingLeft');
  const generalError =
    error && tooMuch === undefined && (!isApiError(error) || error.fieldErrors.length === 0);

  const c = checks(t);
  // More than zero and at most what is left on the payment; the date is optional (today when left out).
  const check = useFieldChecks(() =>
    checkAll(
      { amount, date },
      {
        amount: c.amount(digits, { max: { minor: refundable, label: money(refundable) } }),
        date: c.optional(c.date()),
      },
    ),
  );

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const minor = parseMoneyInput(amount, digits);
    if (!check.passes(event) || minor === null) return refund.reset();
    refund.mutate(
      {
        body: { amount: minor, paymentId: props.payment.id, date: date || undefined },
        idempotencyKey: newIdempotencyKey(),
      },
      {
        onSuccess: (result) => {
          if (result.status === 'failed') {
            setFailed(result);
            return;
          }
          // A payment without a reference people know is told by its date ("of payment made on …").
          const done = {
            amount: money(result.amount),
            reference: reference ?? t('refunds.paymentOn', { date: formatDate(props.payment.date, locale) }),
          };
          notifySuccess(t(result.status === 'paid_out' ? 'refunds.paidOut' : 'refunds.succeeded', done));
          props.onClose();
        },
      },
    );
  };

  return (
    <Modal opened onClose={props.onClose} title={t('refunds.title')}>
      {failed ? (
        <Stack>
          <Alert color="orange" title={t('refunds.failedTitle')} role="alert" data-testid="refund-failed">
            <Text size="sm">{t('refunds.failedBody', { code: failed.code ?? '—' })}</Text>
          </Alert>
          <Group justify="space-between">
            <Anchor component={Link} to="/action-center/failed-transactions" data-testid="refund-open-failed">
              {t('refunds.openFailed')}
            </Anchor>
            <Button variant="default" onClick={props.onClose} data-testid="refund-close">
              {t('common.close')}
            </Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate data-testid="refund-form">
          <Stack>
            <Text size="sm" data-testid="refund-payment">
              {paymentName}
            </Text>
            <MoneyInput
              label={t('refunds.amount')}
              description={t('refunds.refundable', { amount: money(refundable) })}
              currency={props.currency}
              value={amount}
              onChange={(event) => setAmount(event.currentTarget.value)}
              required
              data-autofocus
              error={check.errors.amount ?? tooMuch ?? fieldError(error, 'amount')}
              data-testid="refund-amount"
            />
            <DateField
              label={t('refunds.date')}
              value={date}
              onChange={(value) => setDate(value)}
              error={check.errors.date ?? fieldError(error, 'date')}
              data-testid="refund-date"
            />
            {generalError && (
              <Alert color="red" title={t('errors.title')} role="alert" data-testid="refund-error">
                {errorMessage(error)}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={props.onClose}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" color="red.8" loading={refund.isPending} data-testid="refund-submit">
                {t('refunds.submit')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
