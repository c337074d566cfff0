import { Button, Group, Paper, SegmentedControl, Select, Stack, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LedgerDocument } from '../../api/types';
import { today } from '../../ui/dates';
import { fieldError, notifySuccess } from '../../ui/errors';
import { MoneyInput } from '../../ui/MoneyInput';
import { currencyDigits, parseMoneyInput } from '../../ui/money';
import { useLocale } from '../../ui/useLocale';
import { type NewDocument, useCreateDocument } from './api';
import { openDocumentOptions } from './documentOptions';

type Kind = NewDocument['kind'];
const METHODS = ['cash', 'cheque', 'other'] as const;

export function AddDocumentForm(props: { accountId: string; documents: LedgerDocument[]; currency: string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const create = useCreateDocument(props.accountId);
  const [kind, setKind] = useState<Kind>('invoices');
  const [amount, setAmount] = useState('');
  const [amountInvalid, setAmountInvalid] = useState(false);
  const [date, setDate] = useState(today());
  const [text, setText] = useState('');
  const [method, setMethod] = useState<(typeof METHODS)[number]>('cheque');
  const [invoiceId, setInvoiceId] = useState<string | null>(null);
  const invoices = openDocumentOptions(
    props.documents.filter((document) => document.kind === 'invoice'),
    t,
    props.currency,
    locale,
  );

  const toDocument = (minor: number): NewDocument => {
    const note = text.trim() || undefined;
    if (kind === 'invoices') return { kind, body: { amount: minor, date, reference: note } };
    if (kind === 'credit-notes') return { kind, body: { amount: minor, date, reason: note } };
    return { kind, body: { amount: minor, date, method, invoiceId: invoiceId ?? undefined } };
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const minor = parseMoneyInput(amount, currencyDigits(props.currency));
    setAmountInvalid(minor === null);
    if (minor === null) return;
    create.mutate(toDocument(minor), {
      onSuccess: () => {
        setAmount('');
        setText('');
        setInvoiceId(null);
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
              { value: 'payments', label: t('documentKind.payment') },
            ]}
          />
          <Group align="flex-start" grow>
            <MoneyInput
              label={t('documents.amount')}
              currency={props.currency}
              value={amount}
              onChange={(event) => setAmount(event.currentTarget.value)}
              required
              error={
                (amountInvalid ? t('form.invalidAmount') : undefined) ?? fieldError(create.error, 'amount')
              }
            />
            <TextInput
              label={t('documents.date')}
              type="date"
              value={date}
              onChange={(event) => setDate(event.currentTarget.value)}
              required
              error={fieldError(create.error, 'date')}
            />
            {kind === 'payments' ? (
              <Select
                label={t('documents.method')}
                value={method}
                onChange={(value) => value && setMethod(value as (typeof METHODS)[number])}
                allowDeselect={false}
                data={METHODS.map((value) => ({ value, label: t(`documents.methods.${value}`) }))}
                error={fieldError(create.error, 'method')}
              />
            ) : (
              <TextInput
                label={kind === 'invoices' ? t('documents.reference') : t('documents.reason')}
                value={text}
                onChange={(event) => setText(event.currentTarget.value)}
                error={fieldError(create.error, kind === 'invoices' ? 'reference' : 'reason')}
              />
            )}
          </Group>
          {kind === 'payments' && (
            <Select
              label={t('documents.invoice')}
              value={invoiceId}
              onChange={setInvoiceId}
              data={invoices}
              clearable
              error={fieldError(create.error, 'invoiceId')}
            />
          )}
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
