import { Button, Checkbox, Group, Paper, Stack, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CardFields, cardPayload, checkCard, emptyCard } from '../../ui/CardFields';
import { fieldError, notifySuccess } from '../../ui/errors';
import { useFieldChecks } from '../../ui/fieldChecks';
import { useAddCard } from './api';

export function AddCardForm({ accountId }: { accountId: string }) {
  const { t } = useTranslation();
  const addCard = useAddCard(accountId);
  const [card, setCard] = useState(emptyCard);
  const [saveToWallet, setSaveToWallet] = useState(true);
  const check = useFieldChecks(() => checkCard(card));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!check.passes(event)) return addCard.reset();
    addCard.mutate(
      { ...cardPayload(card), saveToWallet },
      {
        onSuccess: () => {
          setCard(emptyCard);
          notifySuccess(t('wallet.added'));
        },
      },
    );
  };

  return (
    <Paper withBorder p="md" maw={560}>
      <Title order={2} size="h4" mb="sm">
        {t('wallet.addCard')}
      </Title>
      <form onSubmit={submit} noValidate data-testid="add-card-form">
        <Stack>
          <CardFields value={card} onChange={setCard} error={addCard.error} problems={check.errors} />
          <Checkbox
            label={t('wallet.saveToWallet')}
            checked={saveToWallet}
            onChange={(event) => setSaveToWallet(event.currentTarget.checked)}
            error={fieldError(addCard.error, 'saveToWallet')}
          />
          <Group justify="flex-end">
            <Button type="submit" loading={addCard.isPending} data-testid="add-card-submit">
              {t('wallet.addCard')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
