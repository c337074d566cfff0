import type { Role } from '../../api/schema';

export const ROLES: Role[] = ['admin', 'accountant', 'staff'];
