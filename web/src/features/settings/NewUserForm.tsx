import { Button, Group, Paper, PasswordInput, Select, Stack, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Role } from '../../api/schema';
import { fieldError, notifySuccess } from '../../ui/errors';
import { useCreateUser } from './api';
import { ROLES } from './roles';

const empty = { email: '', name: '', password: '', role: 'staff' as Role };

export function NewUserForm() {
  const { t } = useTranslation();
  const create = useCreateUser();
  const [draft, setDraft] = useState(empty);

  const submit = (event: FormEvent) => {
    event.preventDefault();
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
              onChange={(event) => setDraft({ ...draft, name: event.currentTarget.value })}
              error={fieldError(create.error, 'name')}
            />
            <TextInput
              label={t('users.email')}
              type="email"
              required
              value={draft.email}
              onChange={(event) => setDraft({ ...draft, email: event.currentTarget.value })}
              error={fieldError(create.error, 'email')}
            />
          </Group>
          <Group grow align="flex-start">
            <PasswordInput
              label={t('users.password')}
              autoComplete="new-password"
              required
              value={draft.password}
              onChange={(event) => setDraft({ ...draft, password: event.currentTarget.value })}
              error={fieldError(create.error, 'password')}
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
