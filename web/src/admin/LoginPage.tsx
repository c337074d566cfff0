import { Button, Center, Group, Paper, Stack, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { isApiError } from '../api/client';
import { fieldError } from '../ui/errors';
import { checkAll, checks, useFieldChecks } from '../ui/fieldChecks';
import { LanguageSwitch } from '../ui/LanguageSwitch';
import { PasswordField } from '../ui/PasswordField';
import { useLogin } from './session';

function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/action-center/failed-transactions';
}

export function LoginPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const login = useLogin();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  const c = checks(t);
  const check = useFieldChecks(() =>
    checkAll({ email, password }, { email: c.email, password: c.text(200) }),
  );

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!check.passes(event)) return login.reset();
    login.mutate(
      { email, password },
      { onSuccess: () => navigate(safeNext(params.get('next')), { replace: true }) },
    );
  };
  const rejected = isApiError(login.error) && login.error.status === 401;

  return (
    <Center mih="100vh" bg="gray.1" component="main">
      <Paper withBorder shadow="sm" p="xl" w={380}>
        <form onSubmit={submit} noValidate data-testid="login-form">
          <Stack>
            <Group justify="space-between">
              <Title order={1} size="h3">
                {t('login.title')}
              </Title>
              <LanguageSwitch persist />
            </Group>
            <TextInput
              label={t('login.email')}
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(event) => setEmail(event.currentTarget.value)}
              error={check.errors.email ?? fieldError(login.error, 'email')}
              data-testid="login-email"
            />
            <PasswordField
              label={t('login.password')}
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.currentTarget.value)}
              error={
                check.errors.password ??
                fieldError(login.error, 'password') ??
                (rejected ? t('login.rejected') : undefined)
              }
              data-testid="login-password"
            />
            <Button type="submit" loading={login.isPending} data-testid="login-submit">
              {t('login.submit')}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
