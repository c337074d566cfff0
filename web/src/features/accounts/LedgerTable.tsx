import { Badge, Button, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDate } from '../../ui/dates';
import { Money } from '../../ui/Money';
import { CardFact, CardFacts, CardList, RowCard } from '../../ui/RowCard';
import { useLocale } from '../../ui/useLocale';
import { usePhone } from '../../ui/usePhone';
import type { LedgerDocument, ReconciliationStatus } from './api';
import { documentName, gatewayReference, readableDescription, readableReference } from './documentOptions';
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

type Props = {
  documents: LedgerDocument[];
  currency: string;
  /** Given to those who may refund (billing.write): a Refund action on refundable payment rows. */
  onRefund?: (payment: LedgerDocument) => void;
};

function DocumentStatusText({ document }: { document: LedgerDocument }) {
  const { t } = useTranslation();
  return (
    <>
      {document.status && isKnownStatus(document.status)
        ? t(`documentStatus.${document.status}`)
        : (document.status ?? '')}
    </>
  );
}

/** What the document is for (a subscription's name, a credit note's reason), under its kind. */
function Description({ document }: { document: LedgerDocument }) {
  const description = readableDescription(document);
  if (!description) return null;
  return (
    <Text size="xs" c="gray.7" data-testid="ledger-description">
      {description}
    </Text>
  );
}

/** A card payment's or refund's reference at the gateway: small, for looking it up there, never its name. */
function GatewayReference({ document }: { document: LedgerDocument }) {
  const reference = gatewayReference(document);
  if (!reference) return null;
  return (
    <Text size="xs" c="gray.7" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
      {reference}
    </Text>
  );
}

function ReconciliationBadge({ document }: { document: LedgerDocument }) {
  const { t } = useTranslation();
  return (
    <Badge
      variant="filled"
      color={STATUS_COLORS[document.reconciliationStatus]}
      h="auto"
      py={2}
      // A long label ("Couvert par des paiements à venir") wraps in a narrow card instead of being cut.
      styles={{ root: { maxWidth: '100%' }, label: { whiteSpace: 'normal', overflow: 'visible' } }}
      data-testid="ledger-reconciliation"
      data-status={document.reconciliationStatus}
    >
      {t(`ledger.reconciliation.${document.reconciliationStatus}`)}
    </Badge>
  );
}

function RefundAction({ document, documents, currency, onRefund }: Props & { document: LedgerDocument }) {
  const { t } = useTranslation();
  const locale = useLocale();
  if (!onRefund || !canRefund(document, documents)) return null;
  return (
    <Button
      size="compact-sm"
      variant="default"
      onClick={() => onRefund(document)}
      aria-label={t('refunds.actionFor', { reference: documentName(document, t, currency, locale) })}
      data-testid="refund-button"
    >
      {t('refunds.action')}
    </Button>
  );
}

/**
 * A phone's version of a ledger row: the document as people name it (its kind and reference) with its date
 * and amount on top, then what is open and how far it is reconciled, then the Refund action.
 */
function LedgerCard(props: Props & { document: LedgerDocument }) {
  const { document, currency } = props;
  const { t } = useTranslation();
  const locale = useLocale();
  const reference = readableReference(document);
  return (
    <RowCard
      data-testid="ledger-row"
      data-id={document.id}
      title={
        <>
          <Text fw={600}>
            {t(`documentKind.${document.kind}`)}
            {reference && (
              <>
                {' '}
                <span data-testid="ledger-reference">{reference}</span>
              </>
            )}
          </Text>
          <Description document={document} />
          <Text size="sm">{formatDate(document.date, locale)}</Text>
          <GatewayReference document={document} />
        </>
      }
      aside={
        <Text fw={700} style={{ whiteSpace: 'nowrap' }}>
          <Money minor={document.amount} currency={currency} />
        </Text>
      }
      actions={canRefund(document, props.documents) && props.onRefund && <RefundAction {...props} />}
    >
      <CardFacts>
        <CardFact label={t('ledger.columns.open')} testId="ledger-open">
          <Money minor={document.openAmount} currency={currency} />
        </CardFact>
        {document.status && (
          <CardFact label={t('ledger.columns.status')}>
            <DocumentStatusText document={document} />
          </CardFact>
        )}
      </CardFacts>
      <div>
        <ReconciliationBadge document={document} />
      </div>
    </RowCard>
  );
}

export function LedgerTable(props: Props) {
  const { documents, currency, onRefund } = props;
  const { t } = useTranslation();
  const locale = useLocale();
  const phone = usePhone();
  if (phone) {
    return (
      <CardList testId="ledger-table">
        {documents.map((document) => (
          <LedgerCard key={document.id} {...props} document={document} />
        ))}
      </CardList>
    );
  }
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
              <Table.Td>
                {t(`documentKind.${document.kind}`)}
                <Description document={document} />
              </Table.Td>
              {/* The kind, date and amount are beside it: a document without a reference people know shows a
                  dash (or, for a card payment, the gateway's reference in small type), never an ID of ours. */}
              <Table.Td data-testid="ledger-reference">
                {readableReference(document) ??
                  (gatewayReference(document) ? <GatewayReference document={document} /> : '—')}
              </Table.Td>
              <Table.Td ta="right">
                <Money minor={document.amount} currency={currency} />
              </Table.Td>
              <Table.Td ta="right" data-testid="ledger-open">
                <Money minor={document.openAmount} currency={currency} />
              </Table.Td>
              <Table.Td>
                <DocumentStatusText document={document} />
              </Table.Td>
              <Table.Td>
                <ReconciliationBadge document={document} />
              </Table.Td>
              {onRefund && (
                <Table.Td>
                  <RefundAction {...props} document={document} />
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
