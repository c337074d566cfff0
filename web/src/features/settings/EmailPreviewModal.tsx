import { Code, Modal, Stack, Tabs, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { QueryStatus } from '../../ui/QueryStatus';
import { useEmail } from './api';

export function EmailPreviewModal({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useTranslation();
  const email = useEmail(id);
  return (
    <Modal opened onClose={onClose} size="xl" title={email.data?.subject ?? t('emails.preview')}>
      <QueryStatus query={email} />
      {email.isSuccess && (
        <Stack data-testid="email-preview">
          <Text size="sm">
            {t('emails.to')}: {email.data.to}
          </Text>
          <Tabs defaultValue="html">
            <Tabs.List>
              <Tabs.Tab value="html">{t('emails.html')}</Tabs.Tab>
              <Tabs.Tab value="text">{t('emails.text')}</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="html" pt="sm">
              <iframe
                title={t('emails.preview')}
                sandbox=""
                srcDoc={email.data.html}
                style={{ width: '100%', height: 480, border: '1px solid var(--mantine-color-gray-4)' }}
                data-testid="email-preview-html"
              />
            </Tabs.Panel>
            <Tabs.Panel value="text" pt="sm">
              <Code block>{email.data.text}</Code>
            </Tabs.Panel>
          </Tabs>
        </Stack>
      )}
    </Modal>
  );
}
