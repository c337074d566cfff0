import { addDays, todayIn } from '../../lib/dates';

type Api = <T = unknown>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
) => Promise<T>;

interface RecoveryDemoTime {
  at(instant: Date): Promise<Date>;
  daysAgo(days: number): Date;
  runJob(name: 'payments-due' | 'automatic-retries'): Promise<unknown>;
  timeZone: string;
}

interface RecoveryKit {
  api: Api;
  account(): Promise<string>;
  card(accountId: string, number: string): Promise<string>;
  subscribe(accountId: string, paymentMethodId: string, startDate: string, amount: number): Promise<unknown>;
  installmentPlan(
    accountId: string,
    paymentMethodId: string,
    total: number,
    date: string,
    firstDue: string,
    spacing: number,
  ): Promise<string>;
  amount(min: number, max: number): number;
}

const OK = '4242424242424242';

/**
 * Recovery automation in the demo (RC1–RC7): the retry policy; weeks of soft declines, most of them
 * recovered by the automatic-retries run (so the recovery chart has history), a few still waiting for their
 * next automatic retry; an account under a dunning pause; a failed installment rescheduled onto its plan.
 * Everything through the public API and the real jobs, on the sandbox clock.
 */
export async function recoveryDemo(kit: RecoveryKit, time: RecoveryDemoTime) {
  const { api, account, card, subscribe, installmentPlan, amount } = kit;
  const { at, daysAgo, runJob, timeZone } = time;
  await api('PUT', '/organization/retry-policy', {
    card: { offsetsDays: [1, 3, 5, 7], localHour: 10, preferPaydays: true },
    echeck: { maxRepresentments: 2, minBusinessDaysApart: 3, returnFeeAmount: 1500 },
    afterLastRetry: 'leave_open',
    emails: { failureNotice: true, reminderBeforeRetry: true, finalNotice: true },
  });
  const decline = (methodId: string, outcome: string) =>
    api('POST', `/sandbox/payment-methods/${methodId}/next-outcome`, { outcome });

  // Ten weeks of soft declines, one every few days: the next automatic retry succeeds for most of them.
  for (let ago = 70; ago >= 8; ago -= 5) {
    const day = daysAgo(ago);
    await at(day);
    const accountId = await account();
    const methodId = await card(accountId, OK);
    await decline(methodId, ago % 3 === 0 ? 'insufficient_funds' : 'card_declined');
    await subscribe(accountId, methodId, todayIn(timeZone, day), amount(2500, 8000));
    await runJob('payments-due');
    // One in four stays declined on the first automatic retry too.
    if (ago % 4 === 0) await decline(methodId, 'card_declined');
    await at(new Date(day.getTime() + 2 * 86_400_000));
    await runJob('automatic-retries');
    // Those recover on the second automatic retry (the offset of day 3).
    if (ago % 4 === 0) {
      await at(new Date(day.getTime() + 4 * 86_400_000));
      await runJob('automatic-retries');
    }
  }
  // Today's run, as the schedule would have made it: no retry of the history is left overdue, so the demo
  // does not change under its viewer at the first scheduled run after it starts.
  await at(daysAgo(0));
  await runJob('automatic-retries');

  // Three recent soft declines still waiting for their next automatic retry.
  const waiting: string[] = [];
  for (const ago of [1, 1, 0]) {
    const day = daysAgo(ago);
    await at(day);
    const accountId = await account();
    const methodId = await card(accountId, OK);
    await decline(methodId, ago === 0 ? 'insufficient_funds' : 'do_not_honor');
    await subscribe(accountId, methodId, todayIn(timeZone, day), amount(3000, 6000));
    await runJob('payments-due');
    waiting.push(accountId);
  }

  // A family under a dunning pause (sponsored until the end of next month).
  await at(daysAgo(0));
  const today = todayIn(timeZone, daysAgo(0));
  await api('PUT', `/accounts/${waiting[0]}/dunning-pause`, {
    until: addDays(today, 30),
    reason: 'Famille parrainée par la fondation du centre',
  });

  // A failed installment spread over the remaining installments of its plan.
  await at(daysAgo(3));
  const planDay = todayIn(timeZone, daysAgo(3));
  const planAccount = await account();
  const planCard = await card(planAccount, OK);
  await decline(planCard, 'insufficient_funds');
  await installmentPlan(planAccount, planCard, amount(24000, 36000), planDay, planDay, 30);
  await runJob('payments-due');
  await at(daysAgo(0));
  const entries = await api<{ items: { id: string; accountId: string }[] }>(
    'GET',
    '/action-center/failed-transactions?type=installment&limit=200',
  );
  const planEntry = entries.items.find((e) => e.accountId === planAccount);
  if (planEntry) {
    await api('POST', `/action-center/failed-transactions/${planEntry.id}/reschedule`, { mode: 'spread' });
  }
}
