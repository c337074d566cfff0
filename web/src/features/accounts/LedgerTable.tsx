import { Badge, Button, Table } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDate } from '../../ui/dates';
import { Money } from '../../ui/Money';
import { useLocale } from '../../ui/useLocale';
import type { LedgerDocument, ReconciliationStatus } from './api';
import { documentName } from './documentOptions';
import { canRefund } from './RefundModal';

const DOCUMENT_STATUSES = ['posted', 'void', 'received', 'succeeded', 'pending', 'failed'] as const;
type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];
const isKnownStatus = (status: string): status is DocumentStatus =>
  (DOCUMENT_STATUSES as readonly string[]).includes(status);

const STATUS_COLORS: Record<ReconciliationStatus, string> = {
  full: 'teal.9',
  // The theme's darkest orange (orange.9) is 4.3:1 under white badge text; this one is 6:1 (WCAG AA).
  partial: '#a8400e',
  none: 'red.9',
  covered: 'blue.9',
};

export function LedgerTable({
  documents,
  currency,
  onRefund,
}: {
  documents: LedgerDocument[];
  currency: string;
  /** Given to those who may refund (billing.write): a Refund action on refundable payment rows. */
  onRefund?: (payment: LedgerDocument) => void;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  return (
    <Table.ScrollContainer minWidth={800}>
      <Table striped data-testid="ledger-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('ledger.columns.date')}</Table.Th>
            <Table.Th>{t('ledger.columns.kind')}</Table.Th>
            <Table.Th>{t('ledger.columns.reference')}</Table.Th>
            <Table.Th ta="right">{t('ledger.columns.amount')}</Table.Th>
            <Table.Th ta="right">{t('ledger.columns.open')}</Table.Th>
            <Table.Th>{t('ledger.columns.status')}</Table.Th>
            <Table.Th>{t('ledger.columns.reconciliation')}</Table.Th>
            {onRefund && <Table.Th>{t('common.actions')}</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {documents.map((document) => (
            <Table.Tr key={document.id} data-testid="ledger-row" data-id={document.id}>
              <Table.Td>{formatDate(document.date, locale)}</Table.Td>
              <Table.Td>{t(`documentKind.${document.kind}`)}</Table.Td>
              {/* The kind, date and amount are beside it: a document without a reference shows a dash, not its ID. */}
              <Table.Td data-testid="ledger-reference">{document.reference ?? '—'}</Table.Td>
              <Table.Td ta="right">
                <Money minor={document.amount} currency={currency} />
              </Table.Td>
              <Table.Td ta="right" data-testid="ledger-open">
                <Money minor={document.openAmount} currency={currency} />
              </Table.Td>
              <Table.Td>
                {document.status && isKnownStatus(document.status)
                  ? t(`documentStatus.${document.status}`)
                  : (document.status ?? '')}
              </Table.Td>
              <Table.Td>
                <Badge
                  variant="filled"
                  color={STATUS_COLORS[document.reconciliationStatus]}
                  data-testid="ledger-reconciliation"
                  data-status={document.reconciliationStatus}
                >
                  {t(`ledger.reconciliation.${document.reconciliationStatus}`)}
                </Badge>
              </Table.Td>
              {onRefund && (
                <Table.Td>
                  {canRefund(document, documents) && (
                    <Button
                      size="compact-sm"
                      variant="default"
                      onClick={() => onRefund(document)}
                      aria-label={t('refunds.actionFor', {
                        reference: documentName(document, t, currency, locale),
                      })}
                      data-testid="refund-button"
                    >
                      {t('refunds.action')}
                    </Button>
                  )}
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
