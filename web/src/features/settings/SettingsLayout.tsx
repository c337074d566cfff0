import { Tabs, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { DENIED_STATE } from '../../admin/ReadOnlyNotice';
import { useCan, useMe } from '../../admin/session';

const TABS = ['organization', 'retry-policy', 'users', 'email-preferences', 'emails', 'audit-log'] as const;
type Tab = (typeof TABS)[number];
/** These pages answer 403 without `settings.manage`; everyone may read the organization and own preferences. */
const MANAGERS_ONLY: Tab[] = ['users', 'emails', 'audit-log'];

export function SettingsLayout() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const can = useCan();
  const { pathname } = useLocation();
  const me = useMe();
  const visible = TABS.filter((tab) => can('settings.manage') || !MANAGERS_ONLY.includes(tab));
  const current = TABS.find((tab) => pathname.endsWith(`/${tab}`)) ?? 'organization';
  // Until the signed-in person's permissions are known, nothing is decided: redirecting then sent a manager
  // who opened /settings/emails to the organization page (seen in the browser journeys).
  if (!me.data) return null;
  if (!visible.includes(current))
    return <Navigate to="/settings/organization" replace state={DENIED_STATE} />;

  const labels: Record<Tab, string> = {
    organization: t('settings.tabs.organization'),
    'retry-policy': t('retryPolicy.tab'),
    users: t('settings.tabs.users'),
    'email-preferences': t('settings.tabs.emailPreferences'),
    emails: t('settings.tabs.emails'),
    'audit-log': t('settings.tabs.auditLog'),
  };

  return (
    <>
      <Title order={1} mb="md">
        {t('settings.title')}
      </Title>
      <Tabs value={current} onChange={(value) => navigate(`/settings/${value}`)} keepMounted={false}>
        <Tabs.List mb="md">
          {visible.map((tab) => (
            <Tabs.Tab key={tab} value={tab} data-testid={`tab-settings-${tab}`}>
              {labels[tab]}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value={current}>
          <Outlet />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
