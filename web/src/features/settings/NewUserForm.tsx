import { Button, Group, Paper, Select, Stack, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Role } from '../../api/schema';
import { fieldError, notifySuccess } from '../../ui/errors';
import { checkAll, checks, useFieldChecks } from '../../ui/fieldChecks';
import { PasswordField } from '../../ui/PasswordField';
import { useCreateUser } from './api';
import { ROLES } from './roles';

const empty = { email: '', name: '', password: '', role: 'staff' as Role };

export function NewUserForm() {
  const { t } = useTranslation();
  const create = useCreateUser();
  const [draft, setDraft] = useState(empty);
  const c = checks(t);
  // Once a field was flagged, its message follows what is typed (and goes when it is right).
  const check = useFieldChecks(() =>
    checkAll(draft, { name: c.text(200), email: c.email, password: c.minLength(8) }),
  );
  const errors = check.errors;
  const edit = (patch: Partial<typeof empty>) => setDraft({ ...draft, ...patch });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!check.passes(event)) return create.reset();
    create.mutate(draft, {
      onSuccess: () => {
        setDraft(empty);
        notifySuccess(t('users.created'));
      },
    });
  };

  return (
    <Paper withBorder p="md" maw={640}>
      <Title order={2} size="h4" mb="sm">
        {t('users.new')}
      </Title>
      <form onSubmit={submit} noValidate data-testid="user-form">
        <Stack>
          <Group grow align="flex-start">
            <TextInput
              label={t('users.name')}
              required
              value={draft.name}
              onChange={(event) => edit({ name: event.currentTarget.value })}
              error={errors.name ?? fieldError(create.error, 'name')}
              data-testid="user-name"
            />
            <TextInput
              label={t('users.email')}
              type="email"
              required
              value={draft.email}
              onChange={(event) => edit({ email: event.currentTarget.value })}
              error={errors.email ?? fieldError(create.error, 'email')}
              data-testid="user-email"
            />
          </Group>
          <Group grow align="flex-start">
            <PasswordField
              label={t('users.password')}
              autoComplete="new-password"
              required
              value={draft.password}
              onChange={(event) => edit({ password: event.currentTarget.value })}
              error={errors.password ?? fieldError(create.error, 'password')}
              data-testid="user-password"
            />
            <Select
              label={t('users.role')}
              data={ROLES.map((role) => ({ value: role, label: t(`roles.${role}`) }))}
              value={draft.role}
              onChange={(value) => value && setDraft({ ...draft, role: value as Role })}
              allowDeselect={false}
              error={fieldError(create.error, 'role')}
            />
          </Group>
          <Group justify="flex-end">
            <Button type="submit" loading={create.isPending} data-testid="user-create">
              {t('common.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
