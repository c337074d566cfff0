import { AppShell, Burger, Button, Group, NavLink, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconAlertTriangle, IconSettings, IconUsers } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Outlet, NavLink as RouterLink, useLocation, useNavigate } from 'react-router-dom';
import { LanguageSwitch } from '../ui/LanguageSwitch';
import { ReadOnlyNotice } from './ReadOnlyNotice';
import { SandboxBanner } from './SandboxBanner';
import { useLogout, useMe, useOrganization } from './session';

export function AdminShell() {
  const { t } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure();
  const me = useMe();
  const organization = useOrganization();
  const logout = useLogout();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const signOut = () => logout.mutate(undefined, { onSettled: () => navigate('/login') });

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 260, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={t('nav.toggle')}
              data-testid="nav-burger"
            />
            <Text fw={700} size="lg">
              Recoup
            </Text>
            {organization.data && (
              // On a phone the organization's name moves into the menu: the header keeps to one line.
              <Text c="gray.7" visibleFrom="sm" truncate="end" maw={320}>
                {organization.data.name}
              </Text>
            )}
          </Group>
          <Group gap="sm" wrap="nowrap">
            <LanguageSwitch persist />
            <Text size="sm" visibleFrom="sm" data-testid="current-user">
              {me.data?.name}
            </Text>
            <Button
              variant="default"
              size="xs"
              visibleFrom="sm"
              loading={logout.isPending}
              onClick={signOut}
              data-testid="logout"
            >
              {t('nav.logout')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" component="nav" aria-label={t('nav.label')}>
        <NavLink
          label={t('nav.finance')}
          defaultOpened
          childrenOffset={28}
          leftSection={<IconAlertTriangle size={18} />}
        >
          <NavLink
            component={RouterLink}
            to="/action-center"
            label={t('nav.actionCenter')}
            active={pathname.startsWith('/action-center')}
            onClick={close}
            data-testid="nav-action-center"
          />
        </NavLink>
        <NavLink
          component={RouterLink}
          to="/accounts"
          label={t('nav.accounts')}
          leftSection={<IconUsers size={18} />}
          active={pathname.startsWith('/accounts')}
          onClick={close}
          data-testid="nav-accounts"
        />
        <NavLink
          component={RouterLink}
          to="/settings"
          label={t('nav.settings')}
          leftSection={<IconSettings size={18} />}
          active={pathname.startsWith('/settings')}
          onClick={close}
          data-testid="nav-settings"
        />
        {/* A phone: who is signed in, where, and the way out, in the menu the burger opens. */}
        <Stack gap={6} mt="auto" pt="md" hiddenFrom="sm" data-testid="nav-phone-account">
          {organization.data && (
            <Text size="sm" fw={600}>
              {organization.data.name}
            </Text>
          )}
          {me.data && (
            <Text size="sm" c="gray.7">
              {t('layout.signedInAs', { name: me.data.name })}
            </Text>
          )}
          <Button
            variant="default"
            size="xs"
            loading={logout.isPending}
            onClick={signOut}
            data-testid="logout-phone"
          >
            {t('nav.logout')}
          </Button>
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main>
        <SandboxBanner canManage={me.data?.permissions.includes('settings.manage') ?? false} />
        <ReadOnlyNotice />
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
