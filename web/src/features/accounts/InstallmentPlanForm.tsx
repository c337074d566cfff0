import {
  ActionIcon,
  Alert,
  Button,
  Group,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { type FormEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DateField } from '../../ui/DateField';
import { today } from '../../ui/dates';
import { fieldError, notifySuccess } from '../../ui/errors';
import { checks, type FieldErrors, useFieldChecks } from '../../ui/fieldChecks';
import { parseIsoDate } from '../../ui/isoDate';
import { MoneyInput } from '../../ui/MoneyInput';
import { currencyDigits, decimalSeparator, formatMoney, parseMoneyInput, toMoneyInput } from '../../ui/money';
import { useLocale } from '../../ui/useLocale';
import { type LedgerDocument, type PaymentMethod, useCreateInstallmentPlan } from './api';
import { openDocumentOptions } from './documentOptions';
import { addMonths, monthlyDates, splitEvenly } from './installments';
import { PaymentMethodSelect } from './MethodSelect';

interface Row {
  key: number;
  dueDate: string;
  amount: string;
}

const MAX_INSTALLMENTS = 120;

/**
 * Splits an invoice with an open amount into dated installments paid by one method. "Split evenly" fills
 * the list with N monthly installments that add up exactly to the open amount; every row stays editable.
 */
export function InstallmentPlanForm(props: {
  accountId: string;
  currency: string;
  documents: LedgerDocument[];
  methods: PaymentMethod[];
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const digits = currencyDigits(props.currency);
  const separator = decimalSeparator(locale);
  const create = useCreateInstallmentPlan(props.accountId);
  const nextKey = useRef(0);
  const [invoiceId, setInvoiceId] = useState<string | null>(null);
  const [paymentMethodId, setPaymentMethodId] = useState<string | null>(null);
  const [count, setCount] = useState<number | string>(3);
  const [firstDate, setFirstDate] = useState(today());
  const [rows, setRows] = useState<Row[]>([]);

  // Invoices fully covered by upcoming payments have nothing left to schedule (RA2).
  const invoices = props.documents.filter(
    (document) => document.kind === 'invoice' && document.reconciliationStatus !== 'covered',
  );
  const invoiceOptions = openDocumentOptions(invoices, t, props.currency, locale);
  const invoice = invoices.find((document) => document.id === invoiceId);
  const parsed = rows.map((row) => parseMoneyInput(row.amount, digits));
  const total = parsed.reduce<number>((sum, amount) => sum + (amount ?? 0), 0);
  const overOpen = invoice !== undefined && total > invoice.openAmount;
  const money = (minor: number) => formatMoney(minor, props.currency, locale);
  const c = checks(t);
  // The plan route's rules: an invoice and a method, 1 to 120 installments, each a date and an amount, the
  // dates strictly increasing, and the total at most what is open on the invoice.
  const check = useFieldChecks(() => {
    const found: FieldErrors = {
      invoiceId: c.required(invoiceId ?? ''),
      paymentMethodId: c.required(paymentMethodId ?? ''),
      installments: rows.length === 0 ? t('fieldCheck.atLeastOneInstallment') : undefined,
      total:
        invoice && total > invoice.openAmount
          ? t('fieldCheck.installmentsOverOpen', { total: money(total), open: money(invoice.openAmount) })
          : undefined,
    };
    rows.forEach((entry, index) => {
      const previous = index > 0 ? parseIsoDate(rows[index - 1]?.dueDate ?? '') : null;
      const date = c.date()(entry.dueDate);
      found[`date-${entry.key}`] =
        date ??
        (previous && entry.dueDate <= previous ? t('fieldCheck.dateAfter', { date: previous }) : undefined);
      found[`amount-${entry.key}`] = c.amount(digits)(entry.amount);
    });
    return found;
  });

  const row = (dueDate: string, amount: string): Row => {
    nextKey.current += 1;
    return { key: nextKey.current, dueDate, amount };
  };

  const split = (target = invoice, installments = count, first = firstDate) => {
    const n = Math.trunc(Number(installments));
    if (!target || !Number.isFinite(n) || n < 1 || n > MAX_INSTALLMENTS || !first) return;
    const amounts = splitEvenly(target.openAmount, n);
    const dates = monthlyDates(first, n);
    setRows(
      amounts.map((amount, index) => row(dates[index] ?? first, toMoneyInput(amount, digits, separator))),
    );
  };

  const chooseInvoice = (id: string | null) => {
    setInvoiceId(id);
    const chosen = invoices.find((document) => document.id === id);
    if (chosen && rows.length === 0) split(chosen);
  };

  const update = (key: number, change: Partial<Row>) =>
    setRows((current) => current.map((entry) => (entry.key === key ? { ...entry, ...change } : entry)));

  const addRow = () => {
    const last = rows.at(-1);
    setRows([...rows, row(last ? addMonths(last.dueDate, 1) : firstDate, '')]);
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!check.passes(event) || !invoiceId || !paymentMethodId) return create.reset();
    create.mutate(
      {
        invoiceId,
        paymentMethodId,
        installments: rows.map((entry, index) => ({ dueDate: entry.dueDate, amount: parsed[index] ?? 0 })),
      },
      {
        onSuccess: () => {
          setRows([]);
          setInvoiceId(null);
          notifySuccess(t('installments.created'));
        },
      },
    );
  };

  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">
        {t('installments.title')}
      </Title>
      <form onSubmit={submit} noValidate data-testid="installment-form">
        <Stack>
          <Select
            label={t('installments.invoice')}
            data={invoiceOptions}
            value={invoiceId}
            onChange={chooseInvoice}
            required
            searchable
            nothingFoundMessage={t('installments.noInvoice')}
            placeholder={invoiceOptions.length === 0 ? t('installments.noInvoice') : undefined}
            error={check.errors.invoiceId ?? fieldError(create.error, 'invoiceId')}
            data-testid="installment-invoice"
          />
          <PaymentMethodSelect
            label={t('installments.paymentMethod')}
            methods={props.methods}
            value={paymentMethodId}
            onChange={setPaymentMethodId}
            required
            error={check.errors.paymentMethodId ?? fieldError(create.error, 'paymentMethodId')}
            data-testid="installment-method"
          />
          <SimpleGrid cols={{ base: 1, xs: 3 }} spacing="sm" style={{ alignItems: 'end' }}>
            <NumberInput
              label={t('installments.count')}
              min={1}
              max={MAX_INSTALLMENTS}
              allowDecimal={false}
              allowNegative={false}
              value={count}
              onChange={setCount}
              data-testid="installment-count"
            />
            <DateField
              label={t('installments.firstDate')}
              value={firstDate}
              onChange={(value) => setFirstDate(value)}
              data-testid="installment-first-date"
            />
            <Button
              variant="light"
              onClick={() => split()}
              disabled={!invoice || !firstDate || !(Number(count) >= 1 && Number(count) <= MAX_INSTALLMENTS)}
              data-testid="installment-split"
            >
              {t('installments.split')}
            </Button>
          </SimpleGrid>
          {rows.length === 0 ? (
            <Text
              size="sm"
              c={check.errors.installments ? 'red.8' : 'gray.7'}
              role={check.errors.installments ? 'alert' : undefined}
              data-testid="installment-empty"
            >
              {check.errors.installments ?? t('installments.empty')}
            </Text>
          ) : (
            <Table data-testid="installment-list" aria-label={t('installments.listLabel')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('installments.number')}</Table.Th>
                  <Table.Th>{t('installments.dueDate')}</Table.Th>
                  <Table.Th>{t('installments.amount')}</Table.Th>
                  <Table.Th>{t('common.actions')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((entry, index) => {
                  const number = index + 1;
                  return (
                    <Table.Tr key={entry.key} data-testid="installment-row">
                      <Table.Td>{number}</Table.Td>
                      <Table.Td>
                        <DateField
                          aria-label={t('installments.dueDateOf', { number })}
                          value={entry.dueDate}
                          onChange={(value) => update(entry.key, { dueDate: value })}
                          required
                          error={
                            check.errors[`date-${entry.key}`] ??
                            fieldError(create.error, `installments.${index}.dueDate`)
                          }
                          data-testid="installment-date"
                        />
                      </Table.Td>
                      <Table.Td>
                        <MoneyInput
                          aria-label={t('installments.amountOf', { number })}
                          currency={props.currency}
                          value={entry.amount}
                          onChange={(event) => update(entry.key, { amount: event.currentTarget.value })}
                          required
                          error={
                            check.errors[`amount-${entry.key}`] ??
                            fieldError(create.error, `installments.${index}.amount`)
                          }
                          data-testid="installment-amount"
                        />
                      </Table.Td>
                      <Table.Td>
                        <ActionIcon
                          variant="subtle"
                          color="red.9"
                          onClick={() => setRows(rows.filter((candidate) => candidate.key !== entry.key))}
                          aria-label={t('installments.removeOf', { number })}
                          data-testid="installment-remove"
                        >
                          <IconTrash size={16} aria-hidden="true" />
                        </ActionIcon>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          )}
          <Group justify="space-between" align="center">
            <Button
              variant="default"
              leftSection={<IconPlus size={14} aria-hidden="true" />}
              onClick={addRow}
              disabled={rows.length >= MAX_INSTALLMENTS}
              data-testid="installment-add"
            >
              {t('installments.add')}
            </Button>
            {invoice && rows.length > 0 && (
              <Text size="sm" data-testid="installment-total" data-total={total}>
                {t('installments.total', { total: money(total), open: money(invoice.openAmount) })}
              </Text>
            )}
          </Group>
          {check.errors.total ? (
            <Text size="sm" c="red.8" role="alert" data-testid="installment-total-error">
              {check.errors.total}
            </Text>
          ) : (
            overOpen && (
              <Alert color="orange" data-testid="installment-over-open">
                {t('installments.overOpen')}
              </Alert>
            )
          )}
          {fieldError(create.error, 'installments') && (
            <Text size="sm" c="red.8">
              {fieldError(create.error, 'installments')}
            </Text>
          )}
          <Group justify="flex-end">
            <Button type="submit" loading={create.isPending} data-testid="installment-submit">
              {t('installments.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
