import { Alert, Button, Group, Paper, Select, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fieldError, notifySuccess } from '../../ui/errors';
import { checkAll, checks, useFieldChecks } from '../../ui/fieldChecks';
import { MoneyInput } from '../../ui/MoneyInput';
import { currencyDigits, decimalSeparator, formatMoney, parseMoneyInput, toMoneyInput } from '../../ui/money';
import { useLocale } from '../../ui/useLocale';
import { allocationRefusal } from './allocationRefusal';
import { type LedgerDocument, useCreateAllocation } from './api';
import { isDebit, openDocumentOptions } from './documentOptions';

export function AllocationForm(props: { accountId: string; documents: LedgerDocument[]; currency: string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const allocate = useCreateAllocation(props.accountId);
  const [creditId, setCreditId] = useState<string | null>(null);
  const [debitId, setDebitId] = useState<string | null>(null);
  const [amount, setAmount] = useState('');
  /** the amount this form filled in itself, replaced when another pair is chosen (never what was typed) */
  const [prefilled, setPrefilled] = useState<string | null>(null);

  const credits = openDocumentOptions(
    props.documents.filter((document) => !isDebit(document)),
    t,
    props.currency,
    locale,
  );
  const debits = openDocumentOptions(props.documents.filter(isDebit), t, props.currency, locale);
  const documentById = (id: string | undefined | null) =>
    props.documents.find((document) => document.id === id);
  // What can be allocated: the smaller of the two open amounts, filled in once both sides are chosen.
  const choose = (nextCredit: string | null, nextDebit: string | null) => {
    const credit = documentById(nextCredit);
    const debit = documentById(nextDebit);
    if (!credit || !debit || (amount !== '' && amount !== prefilled)) return;
    const most = Math.min(credit.openAmount, debit.openAmount);
    const text = toMoneyInput(most, currencyDigits(props.currency), decimalSeparator(locale));
    setAmount(text);
    setPrefilled(text);
  };
  const refusal = allocationRefusal(
    allocate.error,
    { credit: documentById(allocate.variables?.creditId), debit: documentById(allocate.variables?.debitId) },
    t,
    (minor) => formatMoney(minor, props.currency, locale),
  );
  // A refusal is about what was submitted: it goes as soon as the form is changed.
  const edited = () => {
    if (allocate.isError) allocate.reset();
  };

  const digits = currencyDigits(props.currency);
  const c = checks(t);
  // At most what is open on both sides, once both are chosen (the server answers 422 beyond that).
  const check = useFieldChecks(() => {
    const credit = documentById(creditId);
    const debit = documentById(debitId);
    const most = credit && debit ? Math.min(credit.openAmount, debit.openAmount) : undefined;
    return checkAll(
      { creditId: creditId ?? '', debitId: debitId ?? '', amount },
      {
        creditId: c.required,
        debitId: c.required,
        amount: c.amount(digits, {
          max:
            most === undefined
              ? undefined
              : { minor: most, label: formatMoney(most, props.currency, locale) },
        }),
      },
    );
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const minor = parseMoneyInput(amount, digits);
    if (!check.passes(event) || minor === null || !creditId || !debitId) return allocate.reset();
    allocate.mutate(
      { creditId, debitId, amount: minor },
      {
        onSuccess: () => {
          setAmount('');
          setPrefilled(null);
          setCreditId(null);
          setDebitId(null);
          notifySuccess(t('allocations.created'));
        },
      },
    );
  };

  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">
        {t('allocations.formTitle')}
      </Title>
      <form onSubmit={submit} noValidate data-testid="allocation-form">
        <Group align="flex-start" grow>
          <Select
            label={t('allocations.credit')}
            data={credits}
            value={creditId}
            onChange={(value) => {
              edited();
              setCreditId(value);
              choose(value, debitId);
            }}
            required
            searchable
            nothingFoundMessage={t('allocations.noneOpen')}
            error={check.errors.creditId ?? fieldError(allocate.error, 'creditId')}
            data-testid="allocation-credit"
          />
          <Select
            label={t('allocations.debit')}
            data={debits}
            value={debitId}
            onChange={(value) => {
              edited();
              setDebitId(value);
              choose(creditId, value);
            }}
            required
            searchable
            nothingFoundMessage={t('allocations.noneOpen')}
            error={check.errors.debitId ?? fieldError(allocate.error, 'debitId')}
            data-testid="allocation-debit"
          />
          <MoneyInput
            label={t('allocations.amount')}
            currency={props.currency}
            value={amount}
            onChange={(event) => {
              edited();
              setAmount(event.currentTarget.value);
            }}
            required
            error={check.errors.amount ?? fieldError(allocate.error, 'amount')}
            data-testid="allocation-amount"
          />
        </Group>
        {refusal && (
          <Alert color="red" variant="light" mt="sm" role="alert" data-testid="allocation-refused">
            {refusal}
          </Alert>
        )}
        <Group justify="flex-end" mt="sm">
          <Button type="submit" loading={allocate.isPending} data-testid="allocation-submit">
            {t('allocations.submit')}
          </Button>
        </Group>
      </form>
    </Paper>
  );
}
