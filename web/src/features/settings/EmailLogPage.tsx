import { Badge, Button, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatInstant } from '../../ui/dates';
import { LoadMore } from '../../ui/LoadMore';
import { QueryStatus } from '../../ui/QueryStatus';
import { useLocale } from '../../ui/useLocale';
import { useEmails } from './api';
import { EmailPreviewModal } from './EmailPreviewModal';

const EMAIL_STATUSES = ['queued', 'sending', 'sent', 'failed'] as const;
type EmailStatus = (typeof EMAIL_STATUSES)[number];
const isKnownStatus = (status: string): status is EmailStatus =>
  (EMAIL_STATUSES as readonly string[]).includes(status);

export function EmailLogPage() {
  const { t } = useTranslation();
  const locale = useLocale();
  const emails = useEmails();
  const [previewing, setPreviewing] = useState<string | null>(null);
  const rows = emails.data?.pages.flatMap((page) => page.items) ?? [];

  if (!emails.isSuccess) return <QueryStatus query={emails} />;
  return (
    <>
      {rows.length === 0 && <Text>{t('emails.empty')}</Text>}
      {rows.length > 0 && (
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
                  <Table.Td>{formatInstant(email.createdAt, locale)}</Table.Td>
                  <Table.Td>{email.to}</Table.Td>
                  <Table.Td>{email.subject}</Table.Td>
                  <Table.Td>{email.kind}</Table.Td>
                  <Table.Td>
                    <Badge variant="filled" color={email.status === 'sent' ? 'teal.9' : 'gray.8'}>
                      {isKnownStatus(email.status) ? t(`emailStatus.${email.status}`) : email.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{email.sentAt ? formatInstant(email.sentAt, locale) : ''}</Table.Td>
                  <Table.Td>
                    <Button
                      size="compact-sm"
                      variant="default"
                      onClick={() => setPreviewing(email.id)}
                      aria-label={t('emails.previewOf', { subject: email.subject })}
                      data-testid="email-preview-open"
                    >
                      {t('emails.preview')}
                    </Button>
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
