import { Badge, Button, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../ui/LoadMore';
import { QueryStatus } from '../../ui/QueryStatus';
import { CardFact, CardFacts, CardList, RowCard } from '../../ui/RowCard';
import { useFormatInstant } from '../../ui/useFormatInstant';
import { usePhone } from '../../ui/usePhone';
import { type EmailEntry, useEmails } from './api';
import { EmailPreviewModal } from './EmailPreviewModal';

const EMAIL_KINDS = [
  'customer_payment_failed',
  'failed_transactions_digest',
  'card_expiry_reminder',
] as const;
type EmailKind = (typeof EMAIL_KINDS)[number];
const isKnownKind = (kind: string): kind is EmailKind => (EMAIL_KINDS as readonly string[]).includes(kind);

/** The label wraps instead of being cut ("Logged only (no mail server)" is long), at either width. */
function EmailStatus({ email }: { email: EmailEntry }) {
  const { t } = useTranslation();
  return (
    <Badge
      variant="filled"
      color={email.status === 'sent' ? 'teal.9' : 'gray.8'}
      h="auto"
      py={2}
      styles={{
        root: { maxWidth: '100%' },
        label: { whiteSpace: 'normal', overflow: 'visible' },
      }}
      data-testid="email-status"
    >
      {t(`emailStatus.${email.status}`)}
    </Badge>
  );
}

function PreviewButton({ email, onPreview }: { email: EmailEntry; onPreview: (id: string) => void }) {
  const { t } = useTranslation();
  return (
    <Button
      size="compact-sm"
      variant="default"
      onClick={() => onPreview(email.id)}
      aria-label={t('emails.previewOf', { subject: email.subject })}
      data-testid="email-preview-open"
    >
      {t('emails.preview')}
    </Button>
  );
}

export function EmailLogPage() {
  const { t } = useTranslation();
  const instant = useFormatInstant();
  const emails = useEmails();
  const [previewing, setPreviewing] = useState<string | null>(null);
  const phone = usePhone();
  const kindOf = (email: EmailEntry) => (isKnownKind(email.kind) ? t(`emailKind.${email.kind}`) : email.kind);
  const rows = emails.data?.pages.flatMap((page) => page.items) ?? [];

  if (!emails.isSuccess) return <QueryStatus query={emails} />;
  return (
    <>
      {rows.length === 0 && <Text>{t('emails.empty')}</Text>}
      {rows.length > 0 && phone && (
        // A phone: the subject and the recipient on top, the status whole, when, then Preview.
        <CardList testId="emails-table">
          {rows.map((email) => (
            <RowCard
              key={email.id}
              data-testid="email-row"
              title={
                <>
                  <Text fw={600}>{email.subject}</Text>
                  <Text size="sm" c="gray.7">
                    {email.to}
                  </Text>
                </>
              }
              actions={<PreviewButton email={email} onPreview={setPreviewing} />}
            >
              <div>
                <EmailStatus email={email} />
              </div>
              <CardFacts>
                <CardFact label={t('emails.kind')}>{kindOf(email)}</CardFact>
                <CardFact label={t('emails.createdAt')}>{instant(email.createdAt)}</CardFact>
                {email.sentAt && <CardFact label={t('emails.sentAt')}>{instant(email.sentAt)}</CardFact>}
              </CardFacts>
            </RowCard>
          ))}
        </CardList>
      )}
      {rows.length > 0 && !phone && (
        <Table.ScrollContainer minWidth={900}>
          <Table striped data-testid="emails-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('emails.createdAt')}</Table.Th>
                <Table.Th>{t('emails.to')}</Table.Th>
                <Table.Th>{t('emails.subject')}</Table.Th>
                <Table.Th>{t('emails.kind')}</Table.Th>
                <Table.Th>{t('emails.status')}</Table.Th>
                <Table.Th>{t('emails.sentAt')}</Table.Th>
                <Table.Th>{t('common.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((email) => (
                <Table.Tr key={email.id} data-testid="email-row">
                  <Table.Td>{instant(email.createdAt)}</Table.Td>
                  <Table.Td>{email.to}</Table.Td>
                  <Table.Td>{email.subject}</Table.Td>
                  <Table.Td>{kindOf(email)}</Table.Td>
                  <Table.Td>
                    <EmailStatus email={email} />
                  </Table.Td>
                  <Table.Td>{email.sentAt ? instant(email.sentAt) : ''}</Table.Td>
                  <Table.Td>
                    <PreviewButton email={email} onPreview={setPreviewing} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore {...emails} />
      {previewing && <EmailPreviewModal id={previewing} onClose={() => setPreviewing(null)} />}
    </>
  );
}
