import { Button, Checkbox, Group, Paper, Stack, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useOrganization } from '../../admin/session';
import { fieldError, notifySuccess } from '../../ui/errors';
import { checkAll, checks, useFieldChecks } from '../../ui/fieldChecks';
import { useAddBankAccount } from './api';

const empty = { holderName: '', routingNumber: '', accountNumber: '' };

/** A bank account for eCheck debits (sandbox: the numbers are tokenised by the server, never kept here). */
export function EcheckForm({ accountId }: { accountId: string }) {
  const { t } = useTranslation();
  const add = useAddBankAccount(accountId);
  const [bank, setBank] = useState(empty);
  const [saveToWallet, setSaveToWallet] = useState(true);
  // The Canadian electronic form (0 + institution + transit) is taken for an organization billing in CAD.
  const canadian = (useOrganization().data?.currency ?? 'CAD') === 'CAD';
  const c = checks(t);
  // The sandbox's rules (sandbox-instruments.ts): a name of at most 200, a routing number, 4 to 17 digits.
  const check = useFieldChecks(() =>
    checkAll(bank, {
      holderName: c.text(200),
      routingNumber: c.routingNumber(canadian),
      accountNumber: c.digits(4, 17),
    }),
  );

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!check.passes(event)) return add.reset();
    add.mutate(
      {
        holderName: bank.holderName.trim(),
        routingNumber: bank.routingNumber.trim(),
        accountNumber: bank.accountNumber.replace(/[\s-]/g, ''),
        saveToWallet,
      },
      {
        onSuccess: () => {
          setBank(empty);
          notifySuccess(t('wallet.echeck.added'));
        },
      },
    );
  };

  return (
    <Paper withBorder p="md" maw={560}>
      <Title order={2} size="h4" mb="sm">
        {t('wallet.echeck.title')}
      </Title>
      <form onSubmit={submit} noValidate data-testid="echeck-form">
        <Stack>
          <TextInput
            label={t('wallet.echeck.holderName')}
            autoComplete="name"
            required
            value={bank.holderName}
            onChange={(event) => setBank({ ...bank, holderName: event.currentTarget.value })}
            error={check.errors.holderName ?? fieldError(add.error, 'holderName')}
            data-testid="echeck-holder-name"
          />
          <TextInput
            label={t('wallet.echeck.routingNumber')}
            description={t('wallet.echeck.routingHint')}
            inputMode="numeric"
            autoComplete="off"
            required
            value={bank.routingNumber}
            onChange={(event) => setBank({ ...bank, routingNumber: event.currentTarget.value })}
            error={check.errors.routingNumber ?? fieldError(add.error, 'routingNumber')}
            data-testid="echeck-routing-number"
          />
          <TextInput
            label={t('wallet.echeck.accountNumber')}
            description={t('wallet.echeck.accountHint')}
            inputMode="numeric"
            autoComplete="off"
            required
            value={bank.accountNumber}
            onChange={(event) => setBank({ ...bank, accountNumber: event.currentTarget.value })}
            error={check.errors.accountNumber ?? fieldError(add.error, 'accountNumber')}
            data-testid="echeck-account-number"
          />
          <Checkbox
            label={t('wallet.saveToWallet')}
            checked={saveToWallet}
            onChange={(event) => setSaveToWallet(event.currentTarget.checked)}
            error={fieldError(add.error, 'saveToWallet')}
            data-testid="echeck-save-to-wallet"
          />
          <Group justify="flex-end">
            <Button type="submit" loading={add.isPending} data-testid="echeck-submit">
              {t('wallet.echeck.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
