import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { accountsRoutes } from '../modules/accounts/accounts.routes';
import { actionCenterRoutes } from '../modules/action-center/action-center.routes';
import { auditRoutes } from '../modules/audit/audit.routes';
import { expiringCardsRoutes } from '../modules/expiring-cards/expiring-cards.routes';
import { failedTransactionsRoutes } from '../modules/failed-transactions/failed-transactions.routes';
import { gatewayRoutes } from '../modules/gateway/gateway.routes';
import { ledgerRoutes } from '../modules/ledger/ledger.routes';
import { notificationsRoutes } from '../modules/notifications/notifications.routes';
import { organizationsRoutes } from '../modules/organizations/organizations.routes';
import { paymentMethodsRoutes } from '../modules/payment-methods/payment-methods.routes';
import { paymentsRoutes } from '../modules/payments/payments.routes';
import { portalRoutes } from '../modules/portal/portal.routes';
import { reconciliationRoutes } from '../modules/reconciliation/reconciliation.routes';
import { recoveryRoutes } from '../modules/recovery/recovery.routes';
import { sandboxRoutes } from '../modules/sandbox/sandbox.routes';
import { sandboxGatewayRoutes } from '../modules/sandbox/sandbox-gateway.routes';
import { schedulesRoutes } from '../modules/schedules/schedules.routes';
import { organizationContextHook } from '../modules/users/auth.guard';
import { usersRoutes } from '../modules/users/users.routes';
import { createServer } from '../platform/http/server';
import { WEB_ROOT } from '../platform/paths';
import type { Services } from './container';
import { healthRoutes } from './health.routes';

export { WEB_ROOT };

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  authRateLimit?: { max: number; timeWindow: number };
  portalRateLimit?: import('../modules/portal/portal.routes').PortalRateLimit;
  serveWeb?: boolean;
}

/** The HTTP application: every route of API.md under /api/v1, the OpenAPI document, the docs and the UI. */
export async function buildApp(c: Services, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = await createServer({
    logger: opts.logger ?? false,
    webRoot: opts.serveWeb === false ? undefined : WEB_ROOT,
    trustProxy: c.config.trustProxy,
    stripeJs: c.config.gateway === 'stripe',
  });
  const sandboxClock = c.sandboxClock;
  if (sandboxClock) {
    // Re-read the shared sandbox clock (at most once a second) so that every process agrees on "now".
    app.addHook('onRequest', async () => sandboxClock.refresh());
  }
  // Each request of a signed-in caller runs in their organization's context (its own sandbox clock).
  app.addHook('preHandler', organizationContextHook);

  await app.register(healthRoutes, { db: c.db, queue: c.queue });
  await app.register(
    async (api) => {
      api.get(
        '/openapi.json',
        {
          schema: {
            operationId: 'getOpenApi',
            tags: ['ops'],
            summary: 'This OpenAPI document (browsable at /docs)',
          },
        },
        async () => app.swagger(),
      );
      await api.register(usersRoutes, {
        auth: c.auth,
        guard: c.guard,
        users: c.users,
        organizations: c.organizations,
        database: c.database,
        secureCookies: c.config.publicUrl.startsWith('https://'),
        authRateLimit: opts.authRateLimit ?? { max: 30, timeWindow: 60_000 },
      });
      await api.register(organizationsRoutes, { organizations: c.organizations, guard: c.guard });
      await api.register(auditRoutes, {
        audit: c.audit,
        users: c.users,
        organizations: c.organizations,
        guard: c.guard,
      });
      await api.register(notificationsRoutes, { notifications: c.notifications, guard: c.guard });
      await api.register(actionCenterRoutes, { actionCenter: c.actionCenter, guard: c.guard });
      await api.register(failedTransactionsRoutes, {
        failedTransactions: c.failedTransactions,
        organizations: c.organizations,
        idempotency: c.idempotency,
        guard: c.guard,
        clock: c.clock,
      });
      await api.register(recoveryRoutes, {
        recovery: c.recovery,
        previews: c.failedTransactionNotices,
        idempotency: c.idempotency,
        guard: c.guard,
      });
      await api.register(portalRoutes, {
        portal: c.portal,
        idempotency: c.idempotency,
        guard: c.guard,
        rateLimit: opts.portalRateLimit,
      });
      await api.register(reconciliationRoutes, {
        reconciliation: c.reconciliation,
        guard: c.guard,
        idempotency: c.idempotency,
      });
      await api.register(expiringCardsRoutes, {
        expiringCards: c.expiringCards,
        idempotency: c.idempotency,
        guard: c.guard,
      });
      if (sandboxClock) {
        await api.register(sandboxRoutes, {
          guard: c.guard,
          sandboxClock,
          queue: c.queue,
          mailbox: c.notifications,
        });
      }
      await api.register(accountsRoutes, { accounts: c.accounts, guard: c.guard });
      await api.register(ledgerRoutes, {
        documents: c.documents,
        payments: c.payments,
        idempotency: c.idempotency,
        guard: c.guard,
      });
      await api.register(paymentMethodsRoutes, { paymentMethods: c.paymentMethods, guard: c.guard });
      await api.register(paymentsRoutes, { payments: c.payments, guard: c.guard });
      await api.register(gatewayRoutes, {
        guard: c.guard,
        gateway: c.config.gateway,
        stripeMode: c.config.stripe?.mode ?? null,
        publicUrl: c.config.publicUrl,
        stripe: c.stripeGateway,
        webhooks: c.stripeWebhooks,
        accounts: c.accounts,
        organizations: c.organizations,
      });
      await api.register(schedulesRoutes, { schedules: c.schedules, lifecycle: c.lifecycle, guard: c.guard });
      if (c.sandboxGateway) {
        await api.register(sandboxGatewayRoutes, {
          guard: c.guard,
          controls: c.sandboxGateway,
          paymentMethods: c.paymentMethods,
        });
      }
    },
    { prefix: '/api/v1' },
  );
  await app.ready();
  return app;
}
