import { Anchor, Button, Group, List, NativeSelect, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useOrganization } from '../../admin/session';
import type { ItemOf } from '../../api/schema';
import { enCA } from '../../i18n/en-CA';
import { DateField } from '../../ui/DateField';
import { formatDate } from '../../ui/dates';
import { parseIsoDate } from '../../ui/isoDate';
import { LoadMore } from '../../ui/LoadMore';
import { Money } from '../../ui/Money';
import { formatMoney } from '../../ui/money';
import { QueryStatus } from '../../ui/QueryStatus';
import { CardFact, CardFacts, CardList, RowCard } from '../../ui/RowCard';
import { useFormatInstant } from '../../ui/useFormatInstant';
import { useLocale } from '../../ui/useLocale';
import { usePhone } from '../../ui/usePhone';
import { type AuditFilters, useAuditLog, useUsers } from './api';
import { type AuditAction, type AuditField, describeDetails, subjectLink } from './auditDetails';

type Entry = ItemOf<'listAuditLog'>;
type FieldKey = keyof typeof enCA.auditLog.fields;
type SubjectType = keyof typeof enCA.auditLog.subjectTypes;
const isFieldKey = (key: string): key is FieldKey => key in enCA.auditLog.fields;
const isSubjectType = (type: string): type is SubjectType => type in enCA.auditLog.subjectTypes;
const ACTIONS = Object.keys(enCA.auditLog.actions) as AuditAction[];

function FieldValue({ field, currency }: { field: AuditField; currency: string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const instant = useFormatInstant();
  switch (field.kind) {
    case 'money':
      return <Money minor={field.minor} currency={currency} />;
    case 'date':
      return <>{formatDate(field.value, locale)}</>;
    case 'instant':
      return <>{instant(field.value)}</>;
    case 'boolean':
      return <>{field.value ? t('auditLog.yes') : t('auditLog.no')}</>;
    case 'count':
      return <>{field.value.toLocaleString(locale)}</>;
    case 'allocations':
      return (
        <>
          {t('auditLog.allocationsSummary', {
            count: field.count,
            total: formatMoney(field.totalMinor, currency, locale),
          })}
        </>
      );
    case 'group':
      return <Fields fields={field.fields} currency={currency} />;
    default:
      return <span style={{ overflowWrap: 'anywhere' }}>{field.value}</span>;
  }
}

/** Details as "label: value" lines, in the viewer's language, never as raw JSON. */
function Fields({ fields, currency }: { fields: AuditField[]; currency: string }) {
  const { t } = useTranslation();
  return (
    <List size="sm" listStyleType="none" spacing={2}>
      {fields.map((field) => (
        <List.Item key={field.key} data-testid={`audit-field-${field.key}`}>
          <Text span size="sm" fw={600}>
            {t('auditLog.fieldLabel', {
              label: isFieldKey(field.key) ? t(`auditLog.fields.${field.key}`) : field.key,
            })}
          </Text>{' '}
          <FieldValue field={field} currency={currency} />
        </List.Item>
      ))}
    </List>
  );
}

function Subject({ entry, userNames }: { entry: Entry; userNames: Map<string, string> }) {
  const { t } = useTranslation();
  const link = subjectLink(entry);
  const type = isSubjectType(entry.subjectType)
    ? t(`auditLog.subjectTypes.${entry.subjectType}`)
    : entry.subjectType;
  const named = entry.subjectType === 'user' ? userNames.get(entry.subjectId) : undefined;
  const text = (
    <>
      {type}{' '}
      <Text span ff={named ? undefined : 'monospace'} size="sm">
        {named ?? entry.subjectId}
      </Text>
    </>
  );
  if (!link) return text;
  return (
    <Anchor component={Link} to={link} size="sm" data-testid="audit-subject-link">
      {text}
    </Anchor>
  );
}

export function AuditLogPage() {
  const { t } = useTranslation();
  const locale = useLocale();
  const instant = useFormatInstant();
  const [filters, setFilters] = useState<AuditFilters>({});
  const log = useAuditLog(filters);
  const users = useUsers();
  const organization = useOrganization();
  const currency = organization.data?.currency ?? 'CAD';
  const userNames = new Map((users.data?.items ?? []).map((u) => [u.id, u.name]));
  const rows = log.data?.pages.flatMap((page) => page.items) ?? [];
  const phone = usePhone();
  const actor = (entry: Entry) =>
    entry.actorId ? (entry.actorName ?? userNames.get(entry.actorId) ?? entry.actorId) : t('audit.system');
  const filtered = Object.values(filters).some((value) => value);
  const set = (patch: AuditFilters) => setFilters((current) => ({ ...current, ...patch }));
  const actionOptions = ACTIONS.map((action) => ({
    value: action,
    label: t(`auditLog.actions.${action}`),
  })).sort((a, b) => a.label.localeCompare(b.label, locale));

  return (
    <>
      <Group align="flex-end" wrap="wrap" mb="md" data-testid="audit-filters">
        <NativeSelect
          label={t('auditLog.filters.action')}
          value={filters.action ?? ''}
          onChange={(event) =>
            set({ action: (event.currentTarget.value || undefined) as AuditAction | undefined })
          }
          data={[{ value: '', label: t('auditLog.filters.any') }, ...actionOptions]}
          data-testid="audit-filter-action"
        />
        <NativeSelect
          label={t('auditLog.filters.actor')}
          value={filters.actorId ?? ''}
          onChange={(event) => set({ actorId: event.currentTarget.value || undefined })}
          data={[
            { value: '', label: t('auditLog.filters.any') },
            ...(users.data?.items ?? []).map((u) => ({ value: u.id, label: u.name })),
          ]}
          data-testid="audit-filter-actor"
        />
        <DateField
          label={t('auditLog.filters.from')}
          value={filters.from ?? ''}
          maxDate={filters.to}
          onChange={(value) => set({ from: parseIsoDate(value) ?? undefined })}
          data-testid="audit-filter-from"
        />
        <DateField
          label={t('auditLog.filters.to')}
          value={filters.to ?? ''}
          minDate={filters.from}
          onChange={(value) => set({ to: parseIsoDate(value) ?? undefined })}
          data-testid="audit-filter-to"
        />
        {filtered && (
          <Button variant="default" onClick={() => setFilters({})} data-testid="audit-filter-clear">
            {t('auditLog.filters.clear')}
          </Button>
        )}
      </Group>
      {!log.isSuccess && <QueryStatus query={log} />}
      {log.isSuccess && rows.length === 0 && (
        <Text data-testid="audit-empty">{filtered ? t('auditLog.filters.none') : t('audit.empty')}</Text>
      )}
      {rows.length > 0 && phone && (
        // A phone: what was done and when on top, who and on what, then the details as labelled lines.
        <CardList testId="audit-table">
          {rows.map((entry) => (
            <RowCard
              key={entry.id}
              data-testid="audit-row"
              data-action={entry.action}
              title={
                <Text fw={600} data-testid="audit-action">
                  {t(`auditLog.actions.${entry.action}`)}
                </Text>
              }
              aside={<Text size="sm">{instant(entry.at)}</Text>}
            >
              <CardFacts>
                <CardFact label={t('audit.actor')} testId="audit-actor">
                  {actor(entry)}
                </CardFact>
                <CardFact label={t('audit.subject')}>
                  <Subject entry={entry} userNames={userNames} />
                </CardFact>
              </CardFacts>
              <div data-testid="audit-details">
                <Fields fields={describeDetails(entry.action, entry.details)} currency={currency} />
              </div>
            </RowCard>
          ))}
        </CardList>
      )}
      {rows.length > 0 && !phone && (
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
                <Table.Tr key={entry.id} data-testid="audit-row" data-action={entry.action}>
                  <Table.Td>{instant(entry.at)}</Table.Td>
                  <Table.Td data-testid="audit-actor">{actor(entry)}</Table.Td>
                  <Table.Td data-testid="audit-action">{t(`auditLog.actions.${entry.action}`)}</Table.Td>
                  <Table.Td>
                    <Subject entry={entry} userNames={userNames} />
                  </Table.Td>
                  <Table.Td data-testid="audit-details">
                    <Fields fields={describeDetails(entry.action, entry.details)} currency={currency} />
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
