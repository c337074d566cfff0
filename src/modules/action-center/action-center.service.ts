import type { Clock } from '../../lib/clock';
import { addDays, todayIn } from '../../lib/dates';
import type { Locale } from '../../lib/locale';
import { toJsonAmount } from '../../lib/money';
import type { FailedTransactionsRepository } from '../failed-transactions/failed-transactions.repository';
import { failureMessage } from '../gateway/failure-codes';
import type { OrganizationsService } from '../organizations/organizations.service';

/** The counts of the other two sections, from their own services (wired in the container). */
export interface SectionCounters {
  countExpiringCards(organizationId: string): Promise<number>;
  countReconcilable(organizationId: string): Promise<number>;
}

export const CHART_DAYS = 30;

/** The Action Center's overview across its three sections. */
export class ActionCenterService {
  constructor(
    private readonly deps: {
      clock: Clock;
      failedTransactions: FailedTransactionsRepository;
      organizations: OrganizationsService;
      counters: SectionCounters;
    },
  ) {}

  async summary(organizationId: string, opts: { includeReconcilable: boolean }) {
    const [failedTransactions, expiringCards, reconcilableAccounts] = await Promise.all([
      this.deps.failedTransactions.countOnList(organizationId),
      this.deps.counters.countExpiringCards(organizationId),
      opts.includeReconcilable ? this.deps.counters.countReconcilable(organizationId) : Promise.resolve(null),
    ]);
    return {
      failedTransactions,
      expiringCards,
      // RA7: only those who may reconcile see the count.
      ...(reconcilableAccounts === null ? {} : { reconcilableAccounts }),
    };
  }

  /**
   * For the UI's charts: what is on the failed list by reason, and per local day of the last 30 days the
   * entries that first failed and those recovered (resolved by a retry) that day.
   */
  async charts(organizationId: string, locale: Locale) {
    const org = await this.deps.organizations.settings(organizationId);
    const today = todayIn(org.timezone, this.deps.clock.now());
    const first = addDays(today, -(CHART_DAYS - 1));
    // From midnight of the first day in the organization's zone (a day earlier in UTC covers any offset).
    const since = new Date(`${addDays(first, -1)}T00:00:00Z`);
    const [byReason, perDay] = await Promise.all([
      this.deps.failedTransactions.byReason(organizationId),
      this.deps.failedTransactions.daily(organizationId, since, org.timezone),
    ]);
    const daily = [];
    for (let i = 0; i < CHART_DAYS; i++) {
      const date = addDays(first, i);
      const counts = perDay.get(date);
      daily.push({ date, failures: counts?.failures ?? 0, recoveries: counts?.recoveries ?? 0 });
    }
    return {
      currency: org.currency,
      failedByReason: byReason.map((r) => ({
        code: r.code,
        message: failureMessage(r.code, locale),
        amount: toJsonAmount(r.amount),
        count: r.count,
      })),
      daily,
    };
  }
}
