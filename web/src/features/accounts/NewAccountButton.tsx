import { Button, Group, Modal, Select, Stack, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import type { Locale } from '../../api/schema';
import { fieldError } from '../../ui/errors';
import { checkAll, checks, useFieldChecks } from '../../ui/fieldChecks';
import { useLocale } from '../../ui/useLocale';
import { useCreateAccount } from './api';

export function NewAccountButton() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [opened, { open, close }] = useDisclosure();
  const create = useCreateAccount();
  const [ownerName, setOwnerName] = useState('');
  const [ownerEmail, setOwnerEmail] = useState('');
  const [locale, setLocale] = useState<Locale>(useLocale());

  const c = checks(t);
  const check = useFieldChecks(() =>
    checkAll({ ownerName, ownerEmail }, { ownerName: c.text(200), ownerEmail: c.email }),
  );
  const errors = check.errors;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!check.passes(event)) return create.reset();
    create.mutate(
      { ownerName, ownerEmail, locale },
      { onSuccess: (account) => navigate(`/accounts/${account.id}/ledger`) },
    );
  };

  return (
    <>
      <Button onClick={open} data-testid="account-new">
        {t('accounts.new')}
      </Button>
      <Modal opened={opened} onClose={close} title={t('accounts.new')}>
        <form onSubmit={submit} noValidate data-testid="new-account-form">
          <Stack>
            <TextInput
              label={t('accounts.columns.owner')}
              required
              value={ownerName}
              onChange={(event) => setOwnerName(event.currentTarget.value)}
              error={errors.ownerName ?? fieldError(create.error, 'ownerName')}
              data-testid="new-account-name"
            />
            <TextInput
              label={t('accounts.columns.email')}
              type="email"
              required
              value={ownerEmail}
              onChange={(event) => setOwnerEmail(event.currentTarget.value)}
              error={errors.ownerEmail ?? fieldError(create.error, 'ownerEmail')}
              data-testid="new-account-email"
            />
            <Select
              label={t('accounts.locale')}
              value={locale}
              onChange={(value) => value && setLocale(value as Locale)}
              data={[
                { value: 'fr-CA', label: t('language.fr') },
                { value: 'en-CA', label: t('language.en') },
              ]}
              allowDeselect={false}
              error={fieldError(create.error, 'locale')}
              data-testid="new-account-locale"
            />
            <Group justify="flex-end">
              <Button type="submit" loading={create.isPending} data-testid="new-account-submit">
                {t('common.create')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
