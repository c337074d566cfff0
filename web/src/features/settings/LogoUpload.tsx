import { Button, FileInput, Group, Image, Paper, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../../ui/errors';
import { useUploadLogo } from './api';

const MAX_BYTES = 1024 * 1024;
const TYPES = ['image/png', 'image/jpeg'];

export function LogoUpload({ currentUrl, canEdit }: { currentUrl: string | null; canEdit: boolean }) {
  const { t } = useTranslation();
  const upload = useUploadLogo();
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const problem =
    file && !TYPES.includes(file.type)
      ? t('logo.wrongType')
      : file && file.size > MAX_BYTES
        ? t('logo.tooLarge')
        : undefined;

  useEffect(() => {
    if (!file) {
      setPreview(null);
      return;
    }
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  const shown = preview ?? currentUrl;
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">
        {t('logo.title')}
      </Title>
      <Group align="flex-start">
        {shown ? (
          <Image src={shown} alt={t('logo.alt')} h={80} w="auto" fit="contain" data-testid="logo-preview" />
        ) : (
          <Text>{t('logo.none')}</Text>
        )}
        {canEdit && (
          <Stack gap="xs">
            <FileInput
              label={t('logo.choose')}
              accept="image/png,image/jpeg"
              value={file}
              onChange={setFile}
              clearable
              error={problem}
              description={t('logo.hint')}
              data-testid="logo-input"
            />
            <Button
              disabled={!file || problem !== undefined}
              loading={upload.isPending}
              onClick={() =>
                file &&
                upload.mutate(file, {
                  onSuccess: () => {
                    setFile(null);
                    notifySuccess(t('logo.uploaded'));
                  },
                })
              }
              data-testid="logo-upload"
            >
              {t('logo.upload')}
            </Button>
          </Stack>
        )}
      </Group>
    </Paper>
  );
}
