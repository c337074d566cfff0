import { Select, Stack, Table } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useCan, useMe } from '../../admin/session';
import type { Role } from '../../api/schema';
import { notifySuccess } from '../../ui/errors';
import { QueryStatus } from '../../ui/QueryStatus';
import { useChangeRole, useUsers } from './api';
import { NewUserForm } from './NewUserForm';
import { ROLES } from './roles';

export function UsersPage() {
  const { t } = useTranslation();
  const can = useCan();
  const me = useMe();
  const users = useUsers();
  const changeRole = useChangeRole();
  const canManage = can('settings.manage');
  const roleOptions = ROLES.map((role) => ({ value: role, label: t(`roles.${role}`) }));

  return (
    <Stack>
      <QueryStatus query={users} />
      {users.isSuccess && (
        <Table.ScrollContainer minWidth={600}>
          <Table striped data-testid="users-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('users.name')}</Table.Th>
                <Table.Th>{t('users.email')}</Table.Th>
                <Table.Th>{t('users.role')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.data.items.map((user) => (
                <Table.Tr key={user.id} data-testid="user-row">
                  <Table.Td>{user.name}</Table.Td>
                  <Table.Td>{user.email}</Table.Td>
                  <Table.Td>
                    {canManage && user.id !== me.data?.id ? (
                      <Select
                        aria-label={t('users.roleOf', { name: user.name })}
                        data={roleOptions}
                        value={user.role}
                        allowDeselect={false}
                        disabled={changeRole.isPending && changeRole.variables?.id === user.id}
                        onChange={(role) =>
                          role &&
                          changeRole.mutate(
                            { id: user.id, role: role as Role },
                            {
                              onSuccess: () =>
                                notifySuccess(
                                  t('feedback.roleChanged', {
                                    name: user.name,
                                    role: t(`roles.${role as Role}`),
                                  }),
                                ),
                            },
                          )
                        }
                        w={180}
                      />
                    ) : (
                      t(`roles.${user.role}`)
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {canManage && <NewUserForm />}
    </Stack>
  );
}
