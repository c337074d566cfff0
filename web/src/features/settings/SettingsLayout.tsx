import { Tabs, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';

const TABS = ['organization', 'users', 'email-preferences', 'emails', 'audit-log'] as const;

export function SettingsLayout() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const current = TABS.find((tab) => pathname.endsWith(`/${tab}`)) ?? 'organization';
  const labels: Record<(typeof TABS)[number], string> = {
    organization: t('settings.tabs.organization'),
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
          {TABS.map((tab) => (
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
