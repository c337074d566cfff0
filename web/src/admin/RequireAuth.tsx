import { Center } from '@mantine/core';
import { type ReactNode, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation } from 'react-router-dom';
import { isApiError } from '../api/client';
import type { Locale } from '../api/schema';
import { changeLocale, storedLocale } from '../i18n';
import { LoadingIndicator } from '../ui/LoadingIndicator';
import { QueryStatus } from '../ui/QueryStatus';
import { useMe, useOrganization } from './session';

/**
 * The language the signed-in person works in: the choice saved in this browser, else their profile's, else
 * their organization's. It is settled before any page fetches data, so that reasons, next steps and chart
 * labels the server words are never fetched in the browser's language first (the language race).
 */
function useSettledLanguage(me: ReturnType<typeof useMe>): boolean {
  const { i18n } = useTranslation();
  const stored = storedLocale();
  const profile = me.data?.profileLocale ?? null;
  const organization = useOrganization({ enabled: me.isSuccess && !stored && !profile });
  const target: Locale | undefined = stored ?? profile ?? organization.data?.locale;
  useEffect(() => {
    if (target && i18n.language !== target) void changeLocale(target, false);
  }, [target, i18n]);
  // An organization that cannot be read leaves the browser's language rather than a blank page.
  return (target !== undefined && i18n.language === target) || organization.isError;
}

export function RequireAuth({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const me = useMe();
  const location = useLocation();
  const settled = useSettledLanguage(me);
  if (me.isError && isApiError(me.error) && me.error.status === 401) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (!me.isSuccess) return <QueryStatus query={me} />;
  if (!settled) {
    return (
      <Center p="lg">
        <LoadingIndicator label={t('common.loading')} />
      </Center>
    );
  }
  return <>{children}</>;
}
