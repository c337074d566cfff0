import { Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CardFields, cardPayload, checkCard, emptyCard } from '../ui/CardFields';
import { notifySuccess } from '../ui/errors';
import { useFieldChecks } from '../ui/fieldChecks';
import { type PortalCard, usePortalSaveCard } from './api';

export function PortalCardForm({ token, onSaved }: { token: string; onSaved: (card: PortalCard) => void }) {
  const { t } = useTranslation();
  const save = usePortalSaveCard(token);
  const [card, setCard] = useState(emptyCard);
  const check = useFieldChecks(() => checkCard(card));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!check.passes(event)) return save.reset();
    save.mutate(cardPayload(card), {
      onSuccess: (saved) => {
        setCard(emptyCard);
        notifySuccess(t('portal.cardSaved'));
        onSaved(saved);
      },
    });
  };

  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="xs">
        {t('portal.cardTitle')}
      </Title>
      <Text size="sm" mb="sm">
        {t('portal.cardHint')}
      </Text>
      <form onSubmit={submit} noValidate data-testid="portal-card-form">
        <Stack>
          <CardFields value={card} onChange={setCard} error={save.error} problems={check.errors} />
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending} data-testid="portal-card-submit">
              {t('portal.saveCard')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
