import { Badge, Button, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import { useCan } from '../../admin/session';
import { formatExpiry } from '../../ui/dates';
import { PaymentMethodLabel } from '../../ui/PaymentMethodLabel';
import { QueryStatus } from '../../ui/QueryStatus';
import { CardFact, CardFacts, CardList, RowCard } from '../../ui/RowCard';
import { usePhone } from '../../ui/usePhone';
import { useGatewayStatus } from '../settings/gateway';
import { AddCardForm } from './AddCardForm';
import { type PaymentMethod, usePaymentMethods, useRemoveFromWallet } from './api';
import { EcheckForm } from './EcheckForm';
import { StripeMethodForm } from './StripeMethodForm';

function WalletBadge({ method }: { method: PaymentMethod }) {
  const { t } = useTranslation();
  return method.inWallet ? (
    <Badge color="teal.9" variant="filled">
      {t('wallet.inWallet')}
    </Badge>
  ) : (
    <Badge color="gray.8" variant="filled">
      {t('wallet.notInWallet')}
    </Badge>
  );
}

export function WalletTab() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const can = useCan();
  const methods = usePaymentMethods(id);
  const remove = useRemoveFromWallet(id);
  const rows = methods.data?.pages.flatMap((page) => page.items) ?? [];
  const gateway = useGatewayStatus(can('billing.write'));
  const phone = usePhone();
  const removeButton = (method: PaymentMethod) =>
    can('billing.write') &&
    method.inWallet && (
      <Button
        size="compact-sm"
        variant="default"
        loading={remove.isPending && remove.variables === method.id}
        onClick={() => remove.mutate(method.id)}
        data-testid="wallet-remove"
      >
        {t('wallet.remove')}
      </Button>
    );

  return (
    <Stack>
      <QueryStatus query={methods} />
      {methods.isSuccess && rows.length === 0 && <Text>{t('wallet.empty')}</Text>}
      {rows.length > 0 && phone && (
        // A phone: the method and whether it is in the wallet on top, its expiry, then Remove.
        <CardList testId="wallet-table">
          {rows.map((method) => (
            <RowCard
              key={method.id}
              data-testid="wallet-row"
              data-id={method.id}
              title={
                <Text fw={600}>
                  <PaymentMethodLabel method={method} />
                </Text>
              }
              aside={<WalletBadge method={method} />}
              actions={removeButton(method)}
            >
              {formatExpiry(method.expMonth, method.expYear) && (
                <CardFacts>
                  <CardFact label={t('wallet.columns.expiry')}>
                    {formatExpiry(method.expMonth, method.expYear)}
                  </CardFact>
                </CardFacts>
              )}
            </RowCard>
          ))}
        </CardList>
      )}
      {rows.length > 0 && !phone && (
        <Table.ScrollContainer minWidth={600}>
          <Table striped data-testid="wallet-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('wallet.columns.method')}</Table.Th>
                <Table.Th>{t('wallet.columns.expiry')}</Table.Th>
                <Table.Th>{t('wallet.columns.wallet')}</Table.Th>
                {can('billing.write') && <Table.Th>{t('common.actions')}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((method) => (
                <Table.Tr key={method.id} data-testid="wallet-row" data-id={method.id}>
                  <Table.Td>
                    <PaymentMethodLabel method={method} />
                  </Table.Td>
                  <Table.Td>{formatExpiry(method.expMonth, method.expYear)}</Table.Td>
                  <Table.Td>
                    <WalletBadge method={method} />
                  </Table.Td>
                  {can('billing.write') && <Table.Td>{removeButton(method)}</Table.Td>}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {can('billing.write') && gateway.data?.gateway === 'stripe' && (
        // The live gateway: Stripe.js takes the numbers; Recoup only ever receives the pm_… ID (PCI DSS SAQ A).
        <SimpleGrid cols={{ base: 1, lg: 2 }}>
          <StripeMethodForm accountId={id} type="card" />
          <StripeMethodForm accountId={id} type="echeck" />
        </SimpleGrid>
      )}
      {can('billing.write') && gateway.data && gateway.data.gateway !== 'stripe' && (
        <SimpleGrid cols={{ base: 1, lg: 2 }}>
          <AddCardForm accountId={id} />
          <EcheckForm accountId={id} />
        </SimpleGrid>
      )}
    </Stack>
  );
}
