import { Badge, Button, Group, Modal, Select, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan, useMe } from '../../admin/session';
import type { Role, Schemas } from '../../api/schema';
import { notifySuccess } from '../../ui/errors';
import { QueryStatus } from '../../ui/QueryStatus';
import { CardList, RowCard } from '../../ui/RowCard';
import { usePhone } from '../../ui/usePhone';
import { useChangeRole, useSetUserActive, useUsers } from './api';
import { NewUserForm } from './NewUserForm';
import { ROLES } from './roles';

type User = Schemas['User'];

function RoleSelect({ user, labelled }: { user: User; labelled?: boolean }) {
  const { t } = useTranslation();
  const changeRole = useChangeRole();
  const roleOptions = ROLES.map((role) => ({ value: role, label: t(`roles.${role}`) }));
  return (
    <Select
      // On a phone the label is shown above the select; in the table the column header says it.
      label={labelled ? t('users.role') : undefined}
      aria-label={labelled ? undefined : t('users.roleOf', { name: user.name })}
      data={roleOptions}
      value={user.role}
      allowDeselect={false}
      disabled={changeRole.isPending}
      onChange={(role) =>
        role &&
        changeRole.mutate(
          { id: user.id, role: role as Role },
          {
            onSuccess: () =>
              notifySuccess(t('feedback.roleChanged', { name: user.name, role: t(`roles.${role as Role}`) })),
          },
        )
      }
      w={labelled ? '100%' : 180}
      data-testid="user-role"
    />
  );
}

function ActiveBadge({ user }: { user: User }) {
  const { t } = useTranslation();
  return (
    <Badge
      color={user.active ? 'teal.9' : 'gray.8'}
      variant="filled"
      data-testid="user-status"
      data-active={user.active}
    >
      {user.active ? t('users.active') : t('users.deactivated')}
    </Badge>
  );
}

/** Deactivate asks first (sign-in and every session stop at once); Reactivate lets the person sign in again. */
function ActiveButton({ user, onDeactivate }: { user: User; onDeactivate: (user: User) => void }) {
  const { t } = useTranslation();
  const setActive = useSetUserActive();
  if (user.active) {
    return (
      <Button
        size="compact-sm"
        variant="default"
        onClick={() => onDeactivate(user)}
        aria-label={t('users.deactivateOf', { name: user.name })}
        data-testid="user-deactivate"
      >
        {t('users.deactivate')}
      </Button>
    );
  }
  return (
    <Button
      size="compact-sm"
      variant="light"
      loading={setActive.isPending}
      onClick={() =>
        setActive.mutate(
          { id: user.id, active: true },
          { onSuccess: () => notifySuccess(t('feedback.reactivated', { name: user.name })) },
        )
      }
      aria-label={t('users.reactivateOf', { name: user.name })}
      data-testid="user-reactivate"
    >
      {t('users.reactivate')}
    </Button>
  );
}

function DeactivateModal({ user, onClose }: { user: User; onClose: () => void }) {
  const { t } = useTranslation();
  const setActive = useSetUserActive();
  return (
    <Modal opened onClose={onClose} title={t('users.confirmTitle', { name: user.name })}>
      <Stack data-testid="user-deactivate-confirm">
        <Text size="sm">{t('users.confirmBody', { name: user.name })}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button
            color="red.8"
            loading={setActive.isPending}
            onClick={() =>
              setActive.mutate(
                { id: user.id, active: false },
                {
                  onSuccess: () => {
                    notifySuccess(t('feedback.deactivated', { name: user.name }));
                    onClose();
                  },
                },
              )
            }
            data-testid="user-deactivate-submit"
          >
            {t('users.deactivate')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function UsersPage() {
  const { t } = useTranslation();
  const can = useCan();
  const me = useMe();
  const users = useUsers();
  const phone = usePhone();
  const [deactivating, setDeactivating] = useState<User | null>(null);
  const canManage = can('settings.manage');
  // Nobody changes their own role or deactivates themselves: the organization keeps the administrator.
  const manages = (user: User) => canManage && user.id !== me.data?.id;

  return (
    <Stack>
      <QueryStatus query={users} />
      {users.isSuccess &&
        (phone ? (
          // A phone: the person and their access on top, then the role select and Deactivate in full view.
          <CardList testId="users-table">
            {users.data.items.map((user) => (
              <RowCard
                key={user.id}
                data-testid="user-row"
                data-id={user.id}
                title={
                  <>
                    <Text fw={600}>{user.name}</Text>
                    <Text size="sm" c="gray.7">
                      {user.email}
                    </Text>
                  </>
                }
                aside={<ActiveBadge user={user} />}
                actions={manages(user) && <ActiveButton user={user} onDeactivate={setDeactivating} />}
              >
                {manages(user) ? (
                  <RoleSelect user={user} labelled />
                ) : (
                  <Text size="sm">{t('users.roleIs', { role: t(`roles.${user.role}`) })}</Text>
                )}
              </RowCard>
            ))}
          </CardList>
        ) : (
          <Table.ScrollContainer minWidth={760}>
            <Table striped data-testid="users-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('users.name')}</Table.Th>
                  <Table.Th>{t('users.email')}</Table.Th>
                  <Table.Th>{t('users.role')}</Table.Th>
                  <Table.Th>{t('users.status')}</Table.Th>
                  {canManage && <Table.Th>{t('common.actions')}</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {users.data.items.map((user) => (
                  <Table.Tr key={user.id} data-testid="user-row" data-id={user.id}>
                    <Table.Td>{user.name}</Table.Td>
                    <Table.Td>{user.email}</Table.Td>
                    <Table.Td>
                      {manages(user) ? <RoleSelect user={user} /> : t(`roles.${user.role}`)}
                    </Table.Td>
                    <Table.Td>
                      <ActiveBadge user={user} />
                    </Table.Td>
                    {canManage && (
                      <Table.Td>
                        {manages(user) && <ActiveButton user={user} onDeactivate={setDeactivating} />}
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ))}
      {canManage && <NewUserForm />}
      {deactivating && <DeactivateModal user={deactivating} onClose={() => setDeactivating(null)} />}
    </Stack>
  );
}
