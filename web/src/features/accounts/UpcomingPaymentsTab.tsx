import { Alert, Anchor, Select, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { useCan } from '../../admin/session';
import { formatDate } from '../../ui/dates';
import { notifySuccess } from '../../ui/errors';
import { LoadMore } from '../../ui/LoadMore';
import { Money } from '../../ui/Money';
import { PaymentMethodLabel, usePaymentMethodLabel } from '../../ui/PaymentMethodLabel';
import { QueryStatus } from '../../ui/QueryStatus';
import { CardList, RowCard } from '../../ui/RowCard';
import { useLocale } from '../../ui/useLocale';
import { usePhone } from '../../ui/usePhone';
import type { PaymentMethod, UpcomingPayment } from './api';
import {
  useAccount,
  useChangeScheduleMethod,
  useLedger,
  usePaymentMethods,
  useUpcomingPayments,
} from './api';
import { InstallmentPlanForm } from './InstallmentPlanForm';
import { ScheduleActions, ScheduleStatus } from './ScheduleLifecycle';
import { SubscriptionForm } from './SubscriptionForm';

function MethodSelect(props: { accountId: string; payment: UpcomingPayment; methods: PaymentMethod[] }) {
  const { t } = useTranslation();
  const label = usePaymentMethodLabel();
  const change = useChangeScheduleMethod(props.accountId);
  const options = props.methods.map((method) => ({ value: method.id, label: label(method, true) }));
  if (!options.some((option) => option.value === props.payment.paymentMethod.id)) {
    options.push({ value: props.payment.paymentMethod.id, label: label(props.payment.paymentMethod, true) });
  }
  return (
    <Select
      aria-label={t('upcoming.changeMethodFor', { date: props.payment.dueDate })}
      data={options}
      value={props.payment.paymentMethod.id}
      allowDeselect={false}
      disabled={change.isPending}
      onChange={(paymentMethodId) =>
        paymentMethodId &&
        change.mutate(
          { payment: props.payment, paymentMethodId },
          { onSuccess: () => notifySuccess(t('upcoming.changed')) },
        )
      }
      data-testid="upcoming-method-select"
    />
  );
}

export function UpcomingPaymentsTab() {
  const { t } = useTranslation();
  const locale = useLocale();
  const { id = '' } = useParams();
  const can = useCan();
  const account = useAccount(id);
  const upcoming = useUpcomingPayments(id);
  const methods = usePaymentMethods(id);
  const rows = upcoming.data?.pages.flatMap((page) => page.items) ?? [];
  const usable = methods.data?.pages.flatMap((page) => page.items) ?? [];
  const currency = account.data?.currency;
  const phone = usePhone();

  if (!upcoming.isSuccess || !currency)
    return <QueryStatus query={upcoming.isSuccess ? account : upcoming} />;
  const methodCell = (payment: UpcomingPayment) =>
    can('transactions.manage') ? (
      <MethodSelect accountId={id} payment={payment} methods={usable} />
    ) : (
      <PaymentMethodLabel method={payment.paymentMethod} withExpiry />
    );
  const actionsCell = (payment: UpcomingPayment) =>
    can('billing.write') ? (
      <ScheduleActions accountId={id} payment={payment} all={rows} currency={currency} />
    ) : null;
  return (
    <Stack>
      {rows.length === 0 ? (
        <Text>{t('upcoming.empty')}</Text>
      ) : phone ? (
        // A phone: one card per charge, with its status, method and actions within the width.
        <CardList testId="upcoming-table">
          {rows.map((payment) => (
            <RowCard
              key={payment.id}
              data-testid="upcoming-row"
              data-id={payment.id}
              data-source-id={payment.sourceId}
              title={
                <>
                  <Text fw={600}>{formatDate(payment.dueDate, locale)}</Text>
                  <Text size="sm">{t(`upcoming.source.${payment.source}`)}</Text>
                </>
              }
              aside={
                <Text fw={700} style={{ whiteSpace: 'nowrap' }}>
                  <Money minor={payment.amount} currency={currency} />
                </Text>
              }
              actions={actionsCell(payment)}
            >
              <ScheduleStatus payment={payment} />
              {methodCell(payment)}
            </RowCard>
          ))}
        </CardList>
      ) : (
        <Table.ScrollContainer minWidth={860}>
          <Table striped data-testid="upcoming-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('upcoming.columns.dueDate')}</Table.Th>
                <Table.Th ta="right">{t('upcoming.columns.amount')}</Table.Th>
                <Table.Th>{t('upcoming.columns.source')}</Table.Th>
                <Table.Th>{t('schedule.columns.status')}</Table.Th>
                <Table.Th>{t('upcoming.columns.method')}</Table.Th>
                {can('billing.write') && <Table.Th>{t('schedule.columns.actions')}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((payment) => (
                <Table.Tr
                  key={payment.id}
                  data-testid="upcoming-row"
                  data-id={payment.id}
                  data-source-id={payment.sourceId}
                >
                  <Table.Td>{formatDate(payment.dueDate, locale)}</Table.Td>
                  <Table.Td ta="right">
                    <Money minor={payment.amount} currency={currency} />
                  </Table.Td>
                  <Table.Td>{t(`upcoming.source.${payment.source}`)}</Table.Td>
                  <Table.Td>
                    <ScheduleStatus payment={payment} />
                  </Table.Td>
                  <Table.Td>{methodCell(payment)}</Table.Td>
                  {can('billing.write') && <Table.Td>{actionsCell(payment)}</Table.Td>}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore {...upcoming} />
      {can('billing.write') && <NewSchedules accountId={id} currency={currency} methods={methods} />}
    </Stack>
  );
}

/** The forms that add upcoming payments: a subscription, or an installment plan for an open invoice. */
function NewSchedules(props: {
  accountId: string;
  currency: string;
  methods: ReturnType<typeof usePaymentMethods>;
}) {
  const { t } = useTranslation();
  const ledger = useLedger(props.accountId);
  const methods = props.methods.data?.pages.flatMap((page) => page.items) ?? [];
  const documents = ledger.data?.pages.flatMap((page) => page.items) ?? [];
  if (!props.methods.isSuccess) return <QueryStatus query={props.methods} />;
  if (methods.length === 0) {
    return (
      <Alert color="blue" data-testid="upcoming-no-method">
        {t('upcoming.noMethod')}{' '}
        <Anchor component={Link} to={`/accounts/${props.accountId}/wallet`}>
          {t('payments.openWallet')}
        </Anchor>
      </Alert>
    );
  }
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }}>
      <SubscriptionForm accountId={props.accountId} currency={props.currency} methods={methods} />
      {ledger.isSuccess ? (
        <InstallmentPlanForm
          accountId={props.accountId}
          currency={props.currency}
          documents={documents}
          methods={methods}
        />
      ) : (
        <QueryStatus query={ledger} />
      )}
    </SimpleGrid>
  );
}
