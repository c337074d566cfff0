// Every table of the product, for Drizzle's typed queries and drizzle-kit's migrations.
export * from '../../modules/accounts/accounts.table';
export * from '../../modules/audit/audit.table';
export * from '../../modules/expiring-cards/expiring-cards.table';
export * from '../../modules/failed-transactions/failed-transactions.table';
export * from '../../modules/gateway/gateway.table';
export * from '../../modules/ledger/ledger.table';
export * from '../../modules/notifications/notifications.table';
export * from '../../modules/organizations/organizations.table';
export * from '../../modules/payment-methods/payment-methods.table';
export * from '../../modules/reconciliation/reconciliation.table';
export * from '../../modules/schedules/schedules.table';
export * from '../../modules/users/users.table';
export * from '../http/idempotency.table';
