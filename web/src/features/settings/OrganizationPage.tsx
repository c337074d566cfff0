import { Button, Group, Paper, Select, Stack, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan, useOrganization } from '../../admin/session';
import type { Locale, Schemas } from '../../api/schema';
import { fieldError, notifySuccess } from '../../ui/errors';
import { checkAll, checks, useFieldChecks } from '../../ui/fieldChecks';
import { QueryStatus } from '../../ui/QueryStatus';
import { useUpdateOrganization, useUsers } from './api';
import { GatewayPanel } from './GatewayPanel';
import { LogoUpload } from './LogoUpload';

const CURRENCIES = ['CAD', 'USD', 'EUR'];
const TIME_ZONES = Intl.supportedValuesOf('timeZone');

type Draft = Omit<Schemas['Organization'], 'id' | 'logoUrl'>;

function OrganizationForm({
  organization,
  canEdit,
}: {
  organization: Schemas['Organization'];
  canEdit: boolean;
}) {
  const { t } = useTranslation();
  const users = useUsers(canEdit);
  const update = useUpdateOrganization();
  const [draft, setDraft] = useState<Draft>(organization);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft({ ...draft, [key]: value });
  const userOptions = (users.data?.items ?? []).map((user) => ({
    value: user.id,
    label: `${user.name} <${user.email}>`,
  }));

  const c = checks(t);
  // The route: a name of 1 to 200 characters, an optional contact e-mail address.
  const check = useFieldChecks(() =>
    checkAll(
      { name: draft.name, contactEmail: draft.contactEmail ?? '' },
      { name: c.text(200), contactEmail: c.optional(c.email) },
    ),
  );

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!check.passes(event)) return update.reset();
    update.mutate(draft, { onSuccess: () => notifySuccess(t('settings.saved')) });
  };

  return (
    <Paper withBorder p="md" maw={640}>
      <Title order={2} size="h4" mb="sm">
        {t('organization.title')}
      </Title>
      <form onSubmit={submit} noValidate data-testid="organization-form">
        <Stack>
          <TextInput
            label={t('organization.name')}
            required
            disabled={!canEdit}
            value={draft.name}
            onChange={(event) => set('name', event.currentTarget.value)}
            error={check.errors.name ?? fieldError(update.error, 'name')}
            data-testid="organization-name"
          />
          <TextInput
            label={t('organization.contactEmail')}
            type="email"
            disabled={!canEdit}
            value={draft.contactEmail ?? ''}
            onChange={(event) => set('contactEmail', event.currentTarget.value.trim() || null)}
            error={check.errors.contactEmail ?? fieldError(update.error, 'contactEmail')}
            data-testid="organization-contact-email"
          />
          <Select
            label={t('organization.billingContact')}
            disabled={!canEdit}
            data={userOptions}
            value={draft.billingContactUserId}
            onChange={(value) => set('billingContactUserId', value)}
            searchable
            error={fieldError(update.error, 'billingContactUserId')}
          />
          <Select
            label={t('organization.timezone')}
            disabled={!canEdit}
            data={TIME_ZONES.includes(draft.timezone) ? TIME_ZONES : [draft.timezone, ...TIME_ZONES]}
            value={draft.timezone}
            onChange={(value) => value && set('timezone', value)}
            searchable
            allowDeselect={false}
            error={fieldError(update.error, 'timezone')}
          />
          <Group grow align="flex-start">
            <Select
              label={t('organization.locale')}
              disabled={!canEdit}
              data={[
                { value: 'fr-CA', label: t('language.fr') },
                { value: 'en-CA', label: t('language.en') },
              ]}
              value={draft.locale}
              onChange={(value) => value && set('locale', value as Locale)}
              allowDeselect={false}
              error={fieldError(update.error, 'locale')}
            />
            <Select
              label={t('organization.currency')}
              disabled={!canEdit}
              data={CURRENCIES.includes(draft.currency) ? CURRENCIES : [draft.currency, ...CURRENCIES]}
              value={draft.currency}
              onChange={(value) => value && set('currency', value)}
              allowDeselect={false}
              error={fieldError(update.error, 'currency')}
            />
          </Group>
          {canEdit && (
            <Group justify="flex-end">
              <Button type="submit" loading={update.isPending} data-testid="organization-save">
                {t('common.save')}
              </Button>
            </Group>
          )}
        </Stack>
      </form>
    </Paper>
  );
}

export function OrganizationPage() {
  const organization = useOrganization();
  const can = useCan();
  if (!organization.isSuccess) return <QueryStatus query={organization} />;
  return (
    <Stack>
      <LogoUpload currentUrl={organization.data.logoUrl} canEdit={can('settings.manage')} />
      <OrganizationForm
        key={organization.data.id}
        organization={organization.data}
        canEdit={can('settings.manage')}
      />
      {can('billing.write') && <GatewayPanel />}
    </Stack>
  );
}
