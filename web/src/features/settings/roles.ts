import type { Role } from '../../api/types';

export const ROLES: Role[] = ['admin', 'accountant', 'staff'];
