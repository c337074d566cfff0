import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAccount, apiCard, apiInvoice, ledgerOf } from '../../../test/billing';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import { type Crashes, crashInjector } from '../../../test/money/money-kit';
import { idempotencyKeys } from '../../platform/http/idempotency.table';
import { transactions } from './payments.table';

/**
 * MS5 on the request paths: a one-off charge or a refund whose gateway call throws (before the gateway was
 * reached, or after it answered) has its attempt written already; the same request again (same
 * Idempotency-Key) replays it, and otherwise the payments sweeper finishes it with the gateway's recorded
 * answer or releases it, so money never moves twice and never goes unrecorded. A request that died with its
 * Idempotency-Key still claimed is taken over once the key's lease has run out.
 */
let t: TestContext;
let crashes: Crashes;
beforeAll(async () => {
  t = await createTestContext();
  crashes = crashInjector(t.c.gateway);
});
afterAll(async () => t?.close());

const setClock = (iso: string) => t.c.sandboxClock!.set(new Date(iso));
const charges = (org: TestOrg) => t.c.sandboxGateway!.chargeCount(org.organizationId);
const attempts = (org: TestOrg) =>
  t.c.db.select().from(transactions).where(eq(transactions.organizationId, org.organizationId));

async function world() {
  await setClock('2026-03-02T15:00:00Z');
  const org = await createOrg(t.c);
  const account = await apiAccount(t.app, org.adminToken);
  const card = await apiCard(t.app, org.adminToken, account.id);
  const invoice = await apiInvoice(t.app, org.adminToken, account.id, 4_000);
  return { org, account, card, invoice };
}

const pay = (org: TestOrg, accountId: string, cardId: string, invoiceId: string, key: string) =>
  call(
    t.app,
    org.adminToken,
    'POST',
    `/api/v1/accounts/${accountId}/payments`,
    { amount: 4_000, date: '2026-03-02', method: 'card', paymentMethodId: cardId, invoiceId },
    { 'idempotency-key': key },
  );

describe('happy', () => {
  it('MS5: a card payment whose answer was lost is replayed by the same request, charged once', async () => {
    const { org, account, card, invoice } = await world();
    crashes.arm('after');
    const lost = await pay(org, account.id, card.id, invoice.id, 'pay-1');
    expect(lost.status).toBe(503);
    expect(lost.body.transactionId).toMatch(/^txn_/);
    expect(await charges(org)).toBe(1);
    expect((await ledgerOf(t.app, org.adminToken, account.id)).filter((d) => d.kind === 'payment')).toEqual(
      [],
    );

    const again = await pay(org, account.id, card.id, invoice.id, 'pay-1');
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ status: 'succeeded', transactionId: lost.body.transactionId });
    expect(await charges(org)).toBe(1);
    const ledger = await ledgerOf(t.app, org.adminToken, account.id);
    expect(ledger.find((d) => d.id === invoice.id)).toMatchObject({ openAmount: 0 });
    expect(ledger.filter((d) => d.kind === 'payment')).toHaveLength(1);
  });

  it('MS5: without a replay, the sweeper finishes a lost card payment from the gateway answer (once, even twice at once)', async () => {
    const { org, account, card, invoice } = await world();
    crashes.arm('after');
    expect((await pay(org, account.id, card.id, invoice.id, 'pay-2')).status).toBe(503);
    await setClock('2026-03-02T15:06:00Z');
    const [a, b] = await Promise.all([
      t.c.payments.sweep(org.organizationId),
      t.c.payments.sweep(org.organizationId),
    ]);
    expect(a.finished + b.finished).toBe(1);
    expect(await charges(org)).toBe(1);
    expect((await attempts(org)).map((x) => x.status)).toEqual(['succeeded']);
    const ledger = await ledgerOf(t.app, org.adminToken, account.id);
    expect(ledger.find((d) => d.id === invoice.id)).toMatchObject({ openAmount: 0 });
  });

  it('MS5: a card payment that never reached the gateway is released by the sweeper; its key then moves no money', async () => {
    const { org, account, card, invoice } = await world();
    crashes.arm('before');
    expect((await pay(org, account.id, card.id, invoice.id, 'pay-3')).status).toBe(503);
    await setClock('2026-03-02T15:06:00Z');
    expect(await t.c.payments.sweep(org.organizationId)).toMatchObject({ released: 1, finished: 0 });
    expect(await charges(org)).toBe(0);
    expect((await attempts(org)).map((x) => x.status)).toEqual(['abandoned']);
    // The lost request's key is fenced: it answers the abandoned attempt, no charge.
    const late = await pay(org, account.id, card.id, invoice.id, 'pay-3');
    expect(late.status).toBe(402);
    expect(await charges(org)).toBe(0);
  });

  it('MS3, MS5: a refund whose answer was lost keeps its reservation until the sweeper records it; never refunded twice', async () => {
    const { org, account, card, invoice } = await world();
    expect((await pay(org, account.id, card.id, invoice.id, 'pay-4')).status).toBe(201);
    const payment = (await ledgerOf(t.app, org.adminToken, account.id)).find((d) => d.kind === 'payment')!;
    crashes.arm('after');
    const refund = (key: string, amount = 4_000) =>
      call(
        t.app,
        org.adminToken,
        'POST',
        `/api/v1/accounts/${account.id}/refunds`,
        { amount, paymentId: payment.id },
        {
          'idempotency-key': key,
        },
      );
    expect((await refund('rf-1')).status).toBe(503);
    // The reservation holds while the answer is unknown: a second full refund is refused.
    expect((await refund('rf-2')).status).toBe(422);
    await setClock('2026-03-02T15:06:00Z');
    expect(await t.c.payments.sweep(org.organizationId)).toMatchObject({ finished: 1 });
    const ledger = await ledgerOf(t.app, org.adminToken, account.id);
    expect(ledger.filter((d) => d.kind === 'refund')).toEqual([expect.objectContaining({ amount: 4_000 })]);
    expect(await t.c.payments.refundableOn(t.c.db, org.organizationId, payment.id)).toBe(0n);
  });

  it('MS3, MS5: a refund that never reached the gateway is released: its amount is refundable again', async () => {
    const { org, account, card, invoice } = await world();
    expect((await pay(org, account.id, card.id, invoice.id, 'pay-5')).status).toBe(201);
    const payment = (await ledgerOf(t.app, org.adminToken, account.id)).find((d) => d.kind === 'payment')!;
    crashes.arm('before');
    const res = await call(t.app, org.adminToken, 'POST', `/api/v1/accounts/${account.id}/refunds`, {
      amount: 1_500,
      paymentId: payment.id,
    });
    expect(res.status).toBe(503);
    expect(await t.c.payments.refundableOn(t.c.db, org.organizationId, payment.id)).toBe(2_500n);
    await setClock('2026-03-02T15:06:00Z');
    expect(await t.c.payments.sweep(org.organizationId)).toMatchObject({ released: 1 });
    expect(await t.c.payments.refundableOn(t.c.db, org.organizationId, payment.id)).toBe(4_000n);
    expect((await ledgerOf(t.app, org.adminToken, account.id)).filter((d) => d.kind === 'refund')).toEqual(
      [],
    );
  });

  it('an Idempotency-Key left claimed by a request that died is taken over after its lease, and the re-run is safe', async () => {
    const { org, account, card, invoice } = await world();
    // What a killed process leaves: the key claimed, no answer.
    const route = 'POST /api/v1/accounts/:id/payments';
    const first = await pay(org, account.id, card.id, invoice.id, 'pay-6');
    expect(first.status).toBe(201);
    await t.c.db
      .update(idempotencyKeys)
      .set({ statusCode: null, body: null })
      .where(
        and(
          eq(idempotencyKeys.organizationId, org.organizationId),
          eq(idempotencyKeys.key, 'pay-6'),
          eq(idempotencyKeys.route, route),
        ),
      );
    const busy = await pay(org, account.id, card.id, invoice.id, 'pay-6');
    expect(busy.status).toBe(409);
    await setClock('2026-03-02T15:03:00Z');
    const retaken = await pay(org, account.id, card.id, invoice.id, 'pay-6');
    expect(retaken.status).toBe(201);
    expect(retaken.body.transactionId).toBe(first.body.transactionId);
    expect(await charges(org)).toBe(1);
  });
});
