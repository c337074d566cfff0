import { Alert, List, Text, Title } from '@mantine/core';
import { IconLinkOff } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';

export function InvalidLink() {
  const { t } = useTranslation();
  return (
    <Alert color="red" icon={<IconLinkOff />} data-testid="portal-invalid" variant="outline">
      <Title order={1} size="h3" mb="sm">
        {t('portal.invalid.title')}
      </Title>
      <Text mb="sm">{t('portal.invalid.body')}</Text>
      <Text fw={600}>{t('portal.invalid.howTitle')}</Text>
      <List>
        <List.Item>{t('portal.invalid.step1')}</List.Item>
        <List.Item>{t('portal.invalid.step2')}</List.Item>
      </List>
    </Alert>
  );
}
