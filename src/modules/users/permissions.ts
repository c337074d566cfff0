import type { Locale } from '../../lib/locale';

export const PERMISSIONS = [
  'action_center.view',
  'transactions.manage',
  'reconciliations.manage',
  'billing.write',
  'settings.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['admin', 'accountant', 'staff'] as const;
export type Role = (typeof ROLES)[number];

/** API.md: admin and accountant have every permission; staff may only look at the Action Center. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: PERMISSIONS,
  accountant: PERMISSIONS,
  staff: ['action_center.view'],
};

export function permissionsOf(role: Role): readonly Permission[] {
  return ROLE_PERMISSIONS[role];
}

/** Who is calling: set on the request by the auth guard. */
export interface Principal {
  userId: string;
  organizationId: string;
  role: Role;
  permissions: readonly Permission[];
  tokenId: string;
  via: 'session' | 'bearer';
  /** the language the caller reads (Accept-Language, else the user's, else the organization's) */
  locale: Locale;
}
