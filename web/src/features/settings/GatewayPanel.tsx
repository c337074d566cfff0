import { Badge, Code, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { QueryStatus } from '../../ui/QueryStatus';
import { useGatewayStatus } from './gateway';

/** Settings: the active payment gateway, the webhook URL to register at Stripe and the last webhook received. */
export function GatewayPanel() {
  const { t, i18n } = useTranslation();
  const status = useGatewayStatus();
  const s = status.data;
  const when = (iso: string) => new Date(iso).toLocaleString(i18n.language);
  return (
    <Paper withBorder p="md" maw={640} data-testid="gateway-panel">
      <Title order={2} size="h4" mb="sm">
        {t('gateway.title')}
      </Title>
      <QueryStatus query={status} />
      {s && (
        <Stack gap="xs">
          <Group gap="xs">
            <Text fw={500}>{t('gateway.active')}</Text>
            <Badge color={s.gateway ? 'teal.9' : 'red.9'} variant="filled" data-testid="gateway-active">
              {s.gateway === 'stripe'
                ? `Stripe (${s.mode === 'live' ? t('gateway.live') : t('gateway.test')})`
                : s.gateway === 'sandbox'
                  ? t('gateway.sandbox')
                  : t('gateway.none')}
            </Badge>
          </Group>
          {s.webhookUrl && (
            <>
              <Text fw={500}>{t('gateway.webhookUrl')}</Text>
              <Code data-testid="gateway-webhook-url">{s.webhookUrl}</Code>
              <Text size="sm">{t('gateway.webhookHelp')}</Text>
              <Text fw={500}>{t('gateway.lastWebhook')}</Text>
              <Text data-testid="gateway-last-webhook">
                {s.lastWebhook
                  ? `${s.lastWebhook.type} — ${when(s.lastWebhook.receivedAt)}${s.lastWebhook.outcome ? ` (${s.lastWebhook.outcome})` : ''}`
                  : t('gateway.noWebhook')}
              </Text>
            </>
          )}
        </Stack>
      )}
    </Paper>
  );
}
