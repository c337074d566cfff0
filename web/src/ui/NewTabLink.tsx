import { Anchor, VisuallyHidden } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export function NewTabLink({
  href,
  children,
  testId,
}: {
  href: string;
  children: ReactNode;
  testId?: string;
}) {
  const { t } = useTranslation();
  return (
    <Anchor href={href} target="_blank" rel="noopener noreferrer" data-testid={testId}>
      {children}
      <VisuallyHidden> ({t('common.opensInNewTab')})</VisuallyHidden>
    </Anchor>
  );
}
