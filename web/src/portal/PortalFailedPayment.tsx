import { Alert, Badge, Button, Group, Paper, Select, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';
import { formatInstant } from '../ui/dates';
import { Money } from '../ui/Money';
import { usePaymentMethodLabel } from '../ui/PaymentMethodLabel';
import { useLocale } from '../ui/useLocale';
import { type PortalFailedPayment as Payment, type PortalCard, usePortalPay } from './api';

export function PortalFailedPayment(props: {
  token: string;
  payment: Payment;
  currency: string;
  /** the wallet cards, and any bank account saved on this page (`type: 'echeck'`) */
  cards: (PortalCard & { type?: 'card' | 'echeck' })[];
  preferredCardId: string | null;
  /** the organization's zone: the failure time reads as on its own screens */
  timeZone: string;
}) {
  const { payment, cards } = props;
  const { t } = useTranslation();
  const locale = useLocale();
  const label = usePaymentMethodLabel();
  const pay = usePortalPay(props.token);
  const [chosen, setChosen] = useState<string | null>(null);
  const cardId = chosen ?? props.preferredCardId ?? cards[0]?.id ?? null;
  // The server's word first: a link reopened after paying must not offer the same amount again (MS1).
  const settled = payment.collection === 'paid' || payment.paidElsewhere || pay.data?.status === 'succeeded';
  const processing = !settled && (payment.collection === 'processing' || pay.data?.status === 'pending');

  return (
    <Paper withBorder p="md" data-testid="portal-payment" data-id={payment.id}>
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={700} size="lg">
            <Money minor={payment.amount} currency={props.currency} />
          </Text>
          {settled && (
            <Badge color="teal.9" variant="filled" data-testid="portal-paid">
              {t('portal.paid')}
            </Badge>
          )}
          {processing && (
            <Badge color="orange.9" variant="filled" data-testid="portal-processing">
              {t('portal.processing')}
            </Badge>
          )}
        </Group>
        <Text size="sm">
          {t(`transactionType.${payment.type}`)} · {formatInstant(payment.failedAt, locale, props.timeZone)}
        </Text>
        {!settled && <Text size="sm">{t('portal.reasonLine', { reason: payment.reason.message })}</Text>}
        {processing && <Text size="sm">{t('portal.processingHint')}</Text>}
        {payment.paymentMethod.last4 && (
          <Text size="sm" data-testid="portal-payment-method">
            {t('portal.failedWith')}: {label(payment.paymentMethod)}
          </Text>
        )}
        {!settled && !processing && (
          <Group align="flex-end">
            <Select
              label={t('portal.payWith')}
              data={cards.map((card) => ({
                value: card.id,
                label: label({ ...card, type: card.type ?? 'card' }, true),
              }))}
              value={cardId}
              onChange={setChosen}
              allowDeselect={false}
              placeholder={t('portal.addCardFirst')}
              disabled={cards.length === 0}
              data-testid="portal-pay-card"
            />
            <Button
              disabled={!cardId}
              loading={pay.isPending}
              onClick={() =>
                cardId && pay.mutate({ failedTransactionId: payment.id, paymentMethodId: cardId })
              }
              data-testid="portal-pay"
            >
              {t('portal.payNow')}
            </Button>
          </Group>
        )}
        {pay.data?.status === 'succeeded' && (
          <Alert color="teal" data-testid="portal-pay-result" data-status="succeeded">
            {t('portal.paySucceeded')}
          </Alert>
        )}
        {pay.error && (
          <Alert color="orange" data-testid="portal-pay-result" data-status="refused">
            {pay.error instanceof ApiError ? pay.error.problem.detail : t('portal.processingHint')}
          </Alert>
        )}
        {pay.data?.status === 'failed' && (
          <Alert color="red" data-testid="portal-pay-result" data-status="failed">
            {t('portal.payFailed', { reason: pay.data.reason?.message ?? '' })}
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}
