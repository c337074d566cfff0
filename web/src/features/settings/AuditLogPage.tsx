import { Code, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../ui/LoadMore';
import { QueryStatus } from '../../ui/QueryStatus';
import { useFormatInstant } from '../../ui/useFormatInstant';
import { useAuditLog } from './api';

export function AuditLogPage() {
  const { t } = useTranslation();
  const instant = useFormatInstant();
  const log = useAuditLog();
  const rows = log.data?.pages.flatMap((page) => page.items) ?? [];

  if (!log.isSuccess) return <QueryStatus query={log} />;
  return (
    <>
      {rows.length === 0 && <Text>{t('audit.empty')}</Text>}
      {rows.length > 0 && (
        <Table.ScrollContainer minWidth={900}>
          <Table striped data-testid="audit-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('audit.at')}</Table.Th>
                <Table.Th>{t('audit.actor')}</Table.Th>
                <Table.Th>{t('audit.action')}</Table.Th>
                <Table.Th>{t('audit.subject')}</Table.Th>
                <Table.Th>{t('audit.details')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((entry) => (
                <Table.Tr key={entry.id} data-testid="audit-row">
                  <Table.Td>{instant(entry.at)}</Table.Td>
                  <Table.Td ff="monospace">{entry.actorId ?? t('audit.system')}</Table.Td>
                  <Table.Td>{entry.action}</Table.Td>
                  <Table.Td ff="monospace">
                    {entry.subjectType} {entry.subjectId}
                  </Table.Td>
                  <Table.Td>
                    {entry.details !== null && entry.details !== undefined && (
                      <Code block>{JSON.stringify(entry.details, null, 1)}</Code>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore {...log} />
    </>
  );
}
