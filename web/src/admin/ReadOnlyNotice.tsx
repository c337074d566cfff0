import { Alert } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'react-router-dom';
import type { Permission } from '../api/schema';
import { useMe } from './session';

/** Every permission that lets a person change something; staff hold none of them. */
const WRITE_PERMISSIONS: Permission[] = [
  'transactions.manage',
  'reconciliations.manage',
  'billing.write',
  'settings.manage',
];

/** Where a page sent someone who may not see the address they opened (read by ReadOnlyNotice). */
export const DENIED_STATE = { denied: true } as const;

/**
 * Tells people who may only look that they are read-only (the buttons they do not see are not missing),
 * and, when a page they may not open sent them elsewhere, that this is why they are here.
 */
export function ReadOnlyNotice() {
  const { t } = useTranslation();
  const me = useMe();
  const location = useLocation();
  const denied = (location.state as { denied?: boolean } | null)?.denied === true;
  const readOnly = me.data ? !WRITE_PERMISSIONS.some((p) => me.data.permissions.includes(p)) : false;
  if (!readOnly && !denied) return null;
  return (
    <Alert
      color="blue"
      icon={<IconLock />}
      mb="md"
      data-testid="read-only-notice"
      title={t('readOnly.title')}
    >
      {denied && <span data-testid="read-only-denied">{t('readOnly.denied')} </span>}
      {readOnly ? t('readOnly.body') : t('readOnly.ask')}
    </Alert>
  );
}
