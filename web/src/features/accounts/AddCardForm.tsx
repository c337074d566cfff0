import { Button, Checkbox, Group, Paper, Stack, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CardFields, type CardProblems, cardPayload, checkCard, emptyCard } from '../../ui/CardFields';
import { fieldError, notifySuccess } from '../../ui/errors';
import { useAddCard } from './api';

export function AddCardForm({ accountId }: { accountId: string }) {
  const { t } = useTranslation();
  const addCard = useAddCard(accountId);
  const [card, setCard] = useState(emptyCard);
  const [saveToWallet, setSaveToWallet] = useState(true);
  const [problems, setProblems] = useState<CardProblems>({});

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = checkCard(card);
    setProblems(found);
    if (Object.keys(found).length > 0) return;
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
          <CardFields value={card} onChange={setCard} error={addCard.error} problems={problems} />
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
