import { Button, Group, Modal, Select, Stack, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import type { Locale } from '../../api/schema';
import { fieldError } from '../../ui/errors';
import { checkAll, checks } from '../../ui/fieldChecks';
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

  const [errors, setErrors] = useState<Partial<Record<'ownerName' | 'ownerEmail', string>>>({});
  const c = checks(t);
  const rules = { ownerName: c.required, ownerEmail: c.email };
  const recheck = (values: { ownerName: string; ownerEmail: string }) => {
    if (Object.keys(errors).length > 0) setErrors(checkAll(values, rules));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = checkAll({ ownerName, ownerEmail }, rules);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
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
              onChange={(event) => {
                setOwnerName(event.currentTarget.value);
                recheck({ ownerName: event.currentTarget.value, ownerEmail });
              }}
              error={errors.ownerName ?? fieldError(create.error, 'ownerName')}
              data-testid="new-account-name"
            />
            <TextInput
              label={t('accounts.columns.email')}
              type="email"
              required
              value={ownerEmail}
              onChange={(event) => {
                setOwnerEmail(event.currentTarget.value);
                recheck({ ownerName, ownerEmail: event.currentTarget.value });
              }}
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
