import { type Clock, systemClock } from '../lib/clock';
import { AccountsService } from '../modules/accounts/accounts.service';
import { ActionCenterService } from '../modules/action-center/action-center.service';
import { AuditService } from '../modules/audit/audit.service';
import { ExpiringCardsService } from '../modules/expiring-cards/expiring-cards.service';
import { FailedTransactionEntries } from '../modules/failed-transactions/failed-transactions.entries';
import { FailedTransactionNotices } from '../modules/failed-transactions/failed-transactions.notices';
import { FailedTransactionsService } from '../modules/failed-transactions/failed-transactions.service';
import type { PaymentGateway } from '../modules/gateway/gateway.port';
import { createStripeClient, StripeGateway } from '../modules/gateway/stripe/stripe-gateway';
import { StripeWebhooks } from '../modules/gateway/stripe/stripe-webhooks';
import { DocumentsService } from '../modules/ledger/documents.service';
import { LedgerService } from '../modules/ledger/ledger.service';
import { createMailTransport } from '../modules/notifications/mail-transport';
import { NotificationsService } from '../modules/notifications/notifications.service';
import { OrganizationsService } from '../modules/organizations/organizations.service';
import { PaymentMethodsService } from '../modules/payment-methods/payment-methods.service';
import { noGateway, PaymentsService } from '../modules/payments/payments.service';
import { PortalService } from '../modules/portal/portal.service';
import { PortalLinks } from '../modules/portal/portal-token';
import { ReconciliationService } from '../modules/reconciliation/reconciliation.service';
import { PolicyRetryPlanner, RecoveryService } from '../modules/recovery/recovery.service';
import { RecoverySummary } from '../modules/recovery/recovery-summary';
import { SandboxClockService } from '../modules/sandbox/sandbox-clock.service';
import { SandboxGateway } from '../modules/sandbox/sandbox-gateway';
import { ScheduledPayments } from '../modules/schedules/scheduled-payments';
import { ScheduleLifecycle } from '../modules/schedules/schedules.lifecycle';
import { SchedulesService } from '../modules/schedules/schedules.service';
import { createAuthGuard } from '../modules/users/auth.guard';
import { AuthService } from '../modules/users/auth.service';
import { UsersService } from '../modules/users/users.service';
import type { Config } from '../platform/config/config';
import { createDb, type Database, migrateDb } from '../platform/db/db';
import { IdempotencyStore } from '../platform/http/idempotency';
import { JobQueue } from '../platform/jobs/queue';
import { registerJobs } from './jobs';

export interface ContainerOptions {
  /** an already open database (tests); otherwise opened from the configuration */
  database?: Database;
  /** run background workers in this process (roles all and worker) */
  workers: boolean;
  /** install the cron schedules (one scheduling process is enough; pg-boss dedupes) */
  schedules: boolean;
  /** pg-boss maintenance in this process */
  supervise?: boolean;
  migrate?: boolean;
}

/**
 * The composition root: every service is built here, once, with exactly the dependencies it uses.
 * Routes and job handlers receive what they need from here (STYLE habit 3).
 */
export async function createContainer(config: Config, opts: ContainerOptions) {
  const database =
    opts.database ??
    (await createDb({
      databaseUrl: config.databaseUrl,
      databaseSessionUrl: config.databaseSessionUrl,
      dataDir: config.dataDir,
    }));
  if (opts.migrate !== false) await migrateDb(database);
  const db = database.db;

  const sandboxClock = config.sandbox ? new SandboxClockService({ db }) : null;
  if (sandboxClock) await sandboxClock.load();
  const clock: Clock = sandboxClock ? sandboxClock.clock : systemClock;

  const queue = await JobQueue.create(database, {
    schedule: opts.schedules,
    supervise: opts.supervise ?? opts.workers,
  });

  const audit = new AuditService({ db, clock });
  const auth = new AuthService({ db, clock });
  const guard = createAuthGuard(auth);
  // The auth service keeps resolved tokens a few seconds; both drop its entries when they change a role,
  // a language or an organization.
  const users = new UsersService({ db, clock, audit, principals: auth });
  const organizations = new OrganizationsService({
    db,
    clock,
    audit,
    publicUrl: config.publicUrl,
    principals: auth,
    people: { users, tokens: auth },
  });
  const ledger = new LedgerService({ db, clock });
  // With the sandbox off and no live gateway configured, every call that moves money answers 503
  // "no payment gateway configured": the rest of the product (lists, reconciliation, settings) still works.
  const sandboxGateway = config.gateway === 'sandbox' ? new SandboxGateway({ db, clock }) : null;
  const stripeClient = config.stripe
    ? createStripeClient({ secretKey: config.stripe.secretKey, apiBase: config.stripe.apiBase })
    : null;
  const stripeGateway =
    config.stripe && stripeClient
      ? new StripeGateway({ db, clock, stripe: stripeClient, publishableKey: config.stripe.publishableKey })
      : null;
  const gateway: PaymentGateway = sandboxGateway ?? stripeGateway ?? noGateway;
  const accounts = new AccountsService({ db, clock, audit, ledger, organizations });
  const paymentMethods = new PaymentMethodsService({
    db,
    clock,
    audit,
    accounts,
    organizations,
    sandbox: config.gateway === 'sandbox',
    liveTokens: stripeGateway,
  });
  const documents = new DocumentsService({ db, clock, audit, ledger, accounts, organizations });
  // The writers other modules' money flows go through (one writer per table): scheduled payments and
  // Action Center entries. The payments module moves the money and calls them with its transaction.
  const scheduled = new ScheduledPayments({ clock });
  // RC1/RC4: every failure the entries writer records is planned with the organization's retry policy.
  const entries = new FailedTransactionEntries({
    clock,
    audit,
    queue,
    planner: new PolicyRetryPlanner({ organizations }),
  });
  const payments = new PaymentsService({
    db,
    clock,
    gateway,
    ledger,
    documents,
    audit,
    organizations,
    accounts,
    paymentMethods,
    entries,
    scheduled,
  });
  const stripeWebhooks =
    config.stripe && stripeClient && stripeGateway
      ? new StripeWebhooks({
          db,
          clock,
          stripe: stripeClient,
          webhookSecret: config.stripe.webhookSecret,
          queue,
          gateway: stripeGateway,
          payments,
          paymentMethods,
          audit,
        })
      : null;
  const schedules = new SchedulesService({
    db,
    clock,
    audit,
    ledger,
    documents,
    accounts,
    paymentMethods,
    organizations,
    payments,
    scheduled,
    // RC2: a schedule that gets another method retries its failed charges at once (failed-transactions).
    methodChanged: {
      methodChanged: (tx, organizationId, actorId, change): Promise<unknown> =>
        failedTransactions.methodChanged(tx, organizationId, actorId, change),
    },
  });
  // RC2: a card saved to the wallet replaces the failed cards it is for (the schedules move to it, which
  // retries their entries); a card the gateway updated in place retries the entries that failed on it.
  paymentMethods.walletCardChanged.listen(async (tx, change) => {
    if (change.how === 'updated') {
      await failedTransactions.cardUpdated(tx, change.organizationId, change);
      return;
    }
    const failed = await failedTransactions.replacedByWalletCard(
      tx,
      change.organizationId,
      change.accountId,
      change.paymentMethodId,
    );
    await schedules.replaceWalletCard(tx, change.organizationId, change.actorId, { ...change, failed });
  });
  const lifecycle = new ScheduleLifecycle({ db, clock, audit, ledger, organizations, scheduled });
  // Portal links are minted only as an e-mail leaves for SMTP; the delivery log keeps none.
  const portalLinks = new PortalLinks({ db, publicUrl: config.publicUrl });
  const notifications = new NotificationsService({
    db,
    clock,
    queue,
    transport: createMailTransport(config.smtpUrl),
    fromAddress: `Recoup <no-reply@${new URL(config.publicUrl).hostname}>`,
    links: portalLinks,
  });
  const reconciliation = new ReconciliationService({ db, clock, ledger, audit, organizations, queue });
  const expiringCards = new ExpiringCardsService({
    db,
    clock,
    audit,
    notifications,
    organizations,
    portalLinks,
    publicUrl: config.publicUrl,
  });
  // The stored summaries are kept by listeners of their owners' writes, in the writer's transaction: the
  // reconcilable accounts (RA1–RA3) follow the ledger, the expiring cards (EC1–EC3) follow scheduled
  // payments, schedules, wallets and owners' names.
  ledger.accountChanged.listen((tx, change) => reconciliation.accountChanged(tx, change), {
    inline: (change) => reconciliation.accountChangedSql(change),
  });
  scheduled.scheduleChanged.listen((tx, change) => expiringCards.cardsChanged(tx, change));
  paymentMethods.methodChanged.listen((tx, change) => expiringCards.cardsChanged(tx, change));
  accounts.ownerChanged.listen((tx, change) => expiringCards.cardsChanged(tx, change));
  // A retry and a portal payment are gateway attempts, so they go through PaymentsService (the one writer of
  // payments), which this section sees only as its FailedTransactionPayments port.
  const idempotency = new IdempotencyStore({ db, clock });
  const recoverySummary = new RecoverySummary({ db, clock });
  const recovery: RecoveryService = new RecoveryService({
    db,
    clock,
    audit,
    organizations,
    accounts,
    entries,
    payments,
    scheduled,
    lifecycle,
    reminders: {
      retryReminders: (organizationId: string): Promise<unknown> =>
        failedTransactionNotices.retryReminders(organizationId),
    },
    facts: recoverySummary,
  });
  const failedTransactions: FailedTransactionsService = new FailedTransactionsService({
    db,
    clock,
    queue,
    audit,
    payments,
    entries,
    recovery,
  });
  const failedTransactionNotices: FailedTransactionNotices = new FailedTransactionNotices({
    db,
    clock,
    repository: failedTransactions.repository,
    organizations,
    users,
    notifications,
    portalLinks,
    publicUrl: config.publicUrl,
    // RC5: no dunning e-mail under a pause; the policy's `emails` flags.
    dunning: recovery,
  });
  const actionCenter = new ActionCenterService({
    clock,
    failedTransactions: failedTransactions.repository,
    organizations,
    counters: {
      countExpiringCards: (organizationId) => expiringCards.countExpiringCards(organizationId),
      countReconcilable: (organizationId) => reconciliation.countReconcilable(organizationId),
    },
  });
  const portal = new PortalService({
    db,
    clock,
    links: portalLinks,
    organizations,
    failedTransactions: failedTransactions.repository,
    notices: failedTransactionNotices,
    payments,
    paymentMethods,
    schedules,
    audit,
    gateway: { name: config.gateway ?? null, live: stripeGateway },
  });

  // An entry that leaves the list (resolved, ignored) takes its portal links with it.
  entries.onLeftList({
    entryLeftList: (tx, organizationId, id, why) =>
      portalLinks.revokeForEntries(tx, organizationId, [id], `entry_${why}`),
  });

  const container = {
    config,
    database,
    db,
    clock,
    sandboxClock,
    queue,
    audit,
    auth,
    guard,
    users,
    organizations,
    ledger,
    notifications,
    portalLinks,
    gateway,
    sandboxGateway,
    stripeGateway,
    stripeWebhooks,
    accounts,
    paymentMethods,
    documents,
    payments,
    schedules,
    scheduled,
    lifecycle,
    idempotency,
    failedTransactions,
    failedTransactionNotices,
    actionCenter,
    portal,
    reconciliation,
    expiringCards,
    recovery,
    recoverySummary,
  };

  // Revocations and deactivations made by another process reach this one's principal cache at once.
  // LISTEN is session state: never through a transaction-mode pooler (sessionUrl).
  if (database.kind === 'pg' && database.url) await auth.listen(database.sessionUrl ?? database.url);

  registerJobs(container);
  await queue.prepare({ schedules: opts.schedules });
  if (opts.workers) await queue.startWorkers();

  return {
    ...container,
    async close() {
      await queue.stop({ graceful: true });
      await auth.stopListening();
      await database.close();
    },
  };
}

export type Container = Awaited<ReturnType<typeof createContainer>>;
export type Services = Omit<Container, 'close'>;
