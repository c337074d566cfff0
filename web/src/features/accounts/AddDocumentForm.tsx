import { Button, Group, Paper, SegmentedControl, Stack, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DateField } from '../../ui/DateField';
import { today } from '../../ui/dates';
import { fieldError, notifySuccess } from '../../ui/errors';
import { checkAll, checks, useFieldChecks } from '../../ui/fieldChecks';
import { MoneyInput } from '../../ui/MoneyInput';
import { currencyDigits, parseMoneyInput } from '../../ui/money';
import { type NewDocument, useCreateDocument } from './api';

type Kind = NewDocument['kind'];

/** Invoices and credit notes; payments have their own form (PaymentForm), which can also charge. */
export function AddDocumentForm(props: { accountId: string; currency: string }) {
  const { t } = useTranslation();
  const create = useCreateDocument(props.accountId);
  const [kind, setKind] = useState<Kind>('invoices');
  const [amount, setAmount] = useState('');
  const [date, setDate] = useState(today());
  const [text, setText] = useState('');
  const digits = currencyDigits(props.currency);
  const c = checks(t);
  // The ledger routes: an invoice's reference is at most 200 characters, a credit note's reason 2000.
  const check = useFieldChecks(() =>
    checkAll(
      { amount, date, text },
      { amount: c.amount(digits), date: c.date(), text: c.maxLength(kind === 'invoices' ? 200 : 2000) },
    ),
  );

  const toDocument = (minor: number): NewDocument => {
    const note = text.trim() || undefined;
    if (kind === 'invoices') return { kind, body: { amount: minor, date, reference: note } };
    return { kind, body: { amount: minor, date, reason: note } };
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const minor = parseMoneyInput(amount, digits);
    if (!check.passes(event) || minor === null) return create.reset();
    create.mutate(toDocument(minor), {
      onSuccess: () => {
        setAmount('');
        setText('');
        notifySuccess(t('documents.created'));
      },
    });
  };

  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">
        {t('documents.title')}
      </Title>
      <form onSubmit={submit} noValidate data-testid="document-form">
        <Stack>
          <SegmentedControl
            aria-label={t('documents.kind')}
            value={kind}
            onChange={(value) => setKind(value as Kind)}
            data={[
              { value: 'invoices', label: t('documentKind.invoice') },
              { value: 'credit-notes', label: t('documentKind.credit_note') },
            ]}
            data-testid="document-kind"
          />
          <Group align="flex-start" grow>
            <MoneyInput
              label={t('documents.amount')}
              currency={props.currency}
              value={amount}
              onChange={(event) => setAmount(event.currentTarget.value)}
              required
              error={check.errors.amount ?? fieldError(create.error, 'amount')}
              data-testid="document-amount"
            />
            <DateField
              label={t('documents.date')}
              value={date}
              onChange={(value) => setDate(value)}
              required
              error={check.errors.date ?? fieldError(create.error, 'date')}
              data-testid="document-date"
            />
            <TextInput
              label={kind === 'invoices' ? t('documents.reference') : t('documents.reason')}
              value={text}
              onChange={(event) => setText(event.currentTarget.value)}
              error={
                check.errors.text ?? fieldError(create.error, kind === 'invoices' ? 'reference' : 'reason')
              }
              data-testid="document-text"
            />
          </Group>
          <Group justify="flex-end">
            <Button type="submit" loading={create.isPending} data-testid="document-submit">
              {t('documents.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
