import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createOrg } from '../../../test/factories';
import {
  insertAccount,
  insertCard,
  insertInstallmentPlan,
  insertSubscription,
  repoint,
} from '../../../test/schedule-fixtures';
import { setUpDatabase, t } from '../../../test/suite';
import { newId } from '../../lib/ids';
import { paymentMethods } from '../payment-methods/payment-methods.table';
import { scheduledPayments } from '../schedules/schedules.table';
import { rebuildCardSummary } from './card-summary';
import { cardUpcomingPayments } from './expiring-cards.table';

setUpDatabase({ sandboxNow: '2026-10-15T16:00:00Z' });

const listed = async (organizationId: string) =>
  (await t.c.expiringCards.list(organizationId, { limit: 50 })).rows.map((r) => ({
    pm: r.paymentMethodId,
    name: r.ownerName,
    count: r.count,
    nextDate: r.nextDate,
  }));

/** The rows the listeners kept, and the same rows rebuilt set-based from the source tables: they must agree. */
async function summaryMatchesRebuild(organizationId: string) {
  const read = () =>
    t.c.db
      .select()
      .from(cardUpcomingPayments)
      .where(eq(cardUpcomingPayments.organizationId, organizationId))
      .orderBy(cardUpcomingPayments.paymentMethodId);
  const kept = await read();
  await rebuildCardSummary(t.c.db, organizationId);
  expect(await read()).toEqual(kept);
  return kept;
}

/**
 * The summary follows the billing core's write paths (each reports what it changed); rows a test writes
 * straight to a table are reported the same way, as their owner's write path would.
 */
describe('card_upcoming_payments follows the billing core (EC1–EC3) — happy', () => {
  it('EC1/EC2: payments paid or withdrawn, the card leaving and re-entering the wallet, the owner renamed', async () => {
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const o = org.organizationId;
    const accountId = await insertAccount(t.c, o, { ownerName: 'Zacharie Zed' });
    const pm = await insertCard(t.c, o, accountId, { expMonth: 11, expYear: 2026 });
    const sub = await insertSubscription(t.c, o, accountId, pm, [
      { dueDate: '2026-10-20', amount: 1000n },
      { dueDate: '2026-11-20', amount: 1000n },
    ]);
    const other = await insertAccount(t.c, o, { ownerName: 'Martin Marchand' });
    const otherPm = await insertCard(t.c, o, other, { expMonth: 11, expYear: 2026 });
    await insertInstallmentPlan(t.c, o, other, otherPm, [{ dueDate: '2026-10-20', amount: 500n }]);
    expect(await listed(o)).toEqual([
      { pm: otherPm, name: 'Martin Marchand', count: 1, nextDate: '2026-10-20' },
      { pm, name: 'Zacharie Zed', count: 2, nextDate: '2026-10-20' },
    ]);

    // The first charge is paid: one upcoming payment left, the next date moves.
    await t.c.scheduled.setStatus(t.c.db, { organizationId: o, id: sub.scheduledPaymentIds[0]! }, 'paid');
    expect((await listed(o)).find((r) => r.pm === pm)).toMatchObject({ count: 1, nextDate: '2026-11-20' });

    // The owner is renamed: the name and the order follow.
    await t.c.accounts.update(o, null, accountId, { ownerName: 'Aline Aubry' });
    await t.c.lifecycle.updateScheduledPayment(o, null, sub.scheduledPaymentIds[1]!, {
      dueDate: '2026-10-20',
    });
    expect((await listed(o)).map((r) => r.name)).toEqual(['Aline Aubry', 'Martin Marchand']);

    // EC2: out of the wallet, out of the list; back in the wallet, back in the list.
    await t.c.paymentMethods.removeFromWallet(o, null, pm);
    expect((await listed(o)).map((r) => r.pm)).toEqual([otherPm]);
    // (no product path puts a method back: written here, and reported as the method's owner would)
    await t.c.db
      .update(paymentMethods)
      .set({ inWallet: true })
      .where(and(eq(paymentMethods.organizationId, o), eq(paymentMethods.id, pm)));
    await t.c.paymentMethods.methodChanged.report(t.c.db, { organizationId: o, paymentMethodIds: [pm] });
    expect((await listed(o)).map((r) => r.pm)).toEqual([pm, otherPm]);

    // The last payment withdrawn: the card pays nothing upcoming any more.
    await t.c.scheduled.setStatus(
      t.c.db,
      { organizationId: o, id: sub.scheduledPaymentIds[1]! },
      'cancelled',
    );
    expect((await listed(o)).map((r) => r.pm)).toEqual([otherPm]);

    // Deleted schedules and re-pointed plans leave no stale row.
    const third = await insertCard(t.c, o, other, { expMonth: 11, expYear: 2026, last4: '0005' });
    const { subscriptionId } = await insertSubscription(t.c, o, other, third, [
      { dueDate: '2026-12-01', amount: 10n },
    ]);
    await t.c.db
      .delete(scheduledPayments)
      .where(
        and(eq(scheduledPayments.organizationId, o), eq(scheduledPayments.subscriptionId, subscriptionId)),
      );
    await t.c.scheduled.cardScheduleChanged(t.c.db, { organizationId: o, paymentMethodIds: [third] });
    expect((await listed(o)).map((r) => r.pm)).toEqual([otherPm]);
    await summaryMatchesRebuild(o);
  });

  it('the rows kept by the listeners equal a rebuild from the source tables after many changes', async () => {
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const o = org.organizationId;
    const cards: string[] = [];
    const sources: ({ subscriptionId: string } | { installmentPlanId: string })[] = [];
    for (let i = 0; i < 6; i++) {
      const accountId = await insertAccount(t.c, o, { ownerName: `Owner ${i}` });
      const pm = await insertCard(t.c, o, accountId, {
        expMonth: 10 + (i % 3),
        expYear: 2026,
        inWallet: i !== 5,
      });
      cards.push(pm);
      const due = [
        { dueDate: `2026-1${i % 3}-0${1 + i}`, amount: BigInt(100 * (i + 1)) },
        { dueDate: `2027-01-0${1 + i}`, amount: 50n },
      ];
      sources.push(
        i % 2 === 0
          ? { subscriptionId: (await insertSubscription(t.c, o, accountId, pm, due)).subscriptionId }
          : {
              installmentPlanId: (await insertInstallmentPlan(t.c, o, accountId, pm, due)).installmentPlanId,
            },
      );
    }
    await repoint(t.c, o, sources[0]!, cards[1]!);
    await repoint(t.c, o, sources[3]!, cards[0]!);
    await repoint(t.c, o, sources[4]!, cards[5]!);
    const kept = await summaryMatchesRebuild(o);
    expect(kept.map((r) => r.paymentMethodId).sort()).toEqual([cards[0], cards[1], cards[2]].sort());
    expect(kept.find((r) => r.paymentMethodId === cards[1])).toMatchObject({
      upcomingCount: 4,
      expMonth: 11,
      atRiskMinor: 100n, // 2027-01-01 and 2027-01-02 (50 each) fall after November 2026
    });
  });
});

describe('card_upcoming_payments under concurrent writers', () => {
  it('EC3: twenty transactions adding payments to one card at once leave an exact count (races on PostgreSQL)', async () => {
    const org = await createOrg(t.c, { timezone: 'America/Toronto' });
    const o = org.organizationId;
    const accountId = await insertAccount(t.c, o);
    const pm = await insertCard(t.c, o, accountId, { expMonth: 11, expYear: 2026 });
    const { subscriptionId } = await insertSubscription(t.c, o, accountId, pm, [
      { dueDate: '2026-12-31', amount: 1n },
    ]);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.c.db.transaction(async (tx) => {
          const id = newId('scheduledPayment');
          await tx.insert(scheduledPayments).values({
            organizationId: o,
            id,
            accountId,
            source: 'subscription',
            subscriptionId,
            dueDate: `2026-11-${String(1 + i).padStart(2, '0')}`,
            amountMinor: 100n,
            createdAt: new Date(),
          });
          await t.c.scheduled.cardScheduleChanged(tx, { organizationId: o, scheduledPaymentIds: [id] });
          // hold the transaction open a little so that the others pile up behind the card's lock
          await tx.execute(sql`select pg_sleep(0.01)`);
        }),
      ),
    );
    const [row] = (await t.c.expiringCards.list(o, { limit: 5 })).rows;
    expect(row).toMatchObject({ count: 21, nextDate: '2026-11-01', nextAmount: 100n });
    await summaryMatchesRebuild(o);
  });
});
