import { and, desc, eq, isNull } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Clock } from '../../../lib/clock';
import { AppError, validation } from '../../../lib/errors';
import type { Db } from '../../../platform/db/db';
import type { JobQueue } from '../../../platform/jobs/queue';
import { log } from '../../../platform/log';
import type { AuditService } from '../../audit/audit.service';
import type { FinalEcheckOutcome } from '../../payments/echeck-settlement';
import { stripeCustomers, stripeFencedKeys, stripeWebhookEvents } from '../stripe.table';
import { mapStripeFailure } from './stripe-failure-codes';
import { debitOutcome, META_KEY, META_KIND, META_ORG, type StripeGateway } from './stripe-gateway';

/** Stripe's default: a signature older than 5 minutes is refused (replay protection). */
const TOLERANCE_S = 300;

/** What the webhooks need of other modules (ports defined by the consumer). */
export interface WebhookPayments {
  settleFromGateway(
    organizationId: string,
    ref: { idempotencyKey?: string; gatewayRef?: string },
    outcome: FinalEcheckOutcome,
  ): Promise<'settled' | 'returned' | 'already_recorded' | 'processing' | 'unknown'>;
  refundFailedAtGateway(
    organizationId: string,
    ref: { idempotencyKey?: string; gatewayRef?: string },
    code: string,
  ): Promise<'recorded' | 'already_recorded' | 'processing' | 'unknown'>;
  /** The status of Recoup's attempt under this key (`processing`, `succeeded`, `abandoned`, …), null if none. */
  attemptStatus(organizationId: string, idempotencyKey: string): Promise<string | null>;
}

/** An attempt in these states recorded the money in the ledger: its charge is kept. */
const COLLECTED = new Set(['succeeded', 'pending', 'settled']);
export interface WebhookPaymentMethods {
  updateFromGateway(
    organizationId: string,
    gatewayToken: string,
    card: { brand: string | null; last4: string; expMonth: number; expYear: number },
  ): Promise<number>;
}

export type StoredEvent = typeof stripeWebhookEvents.$inferSelect;

/**
 * `POST /api/v1/webhooks/stripe` and the `stripe-webhook` job. Receiving verifies the signature on the raw body
 * with the SDK (400, nothing stored, when it does not verify), stores the event once by its ID and enqueues its
 * processing in the same transaction. Processing never trusts the event's copy of an object for money: it reads
 * the PaymentIntent's current state from Stripe, so a replay or an out-of-order delivery records the same thing,
 * once (the payments service only moves a debit out of `pending` once).
 */
export class StripeWebhooks {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      stripe: Stripe;
      webhookSecret: string;
      queue: JobQueue;
      gateway: StripeGateway;
      payments: WebhookPayments;
      paymentMethods: WebhookPaymentMethods;
      audit: AuditService;
    },
  ) {}

  async receive(rawBody: Buffer, signature: string | undefined): Promise<{ duplicate: boolean }> {
    let event: Stripe.Event;
    try {
      if (!signature) throw new Error('no Stripe-Signature header');
      event = this.deps.stripe.webhooks.constructEvent(
        rawBody,
        signature,
        this.deps.webhookSecret,
        TOLERANCE_S,
      ) as Stripe.Event;
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'stripe webhook refused: the signature does not verify');
      throw validation('The Stripe signature does not verify', [
        { field: 'headers.stripe-signature', message: 'does not verify with STRIPE_WEBHOOK_SECRET' },
      ]);
    }
    const object = (event.data?.object ?? {}) as { id?: string; metadata?: Record<string, string> | null };
    return this.deps.db.transaction(async (tx) => {
      const inserted = await tx
        .insert(stripeWebhookEvents)
        .values({
          eventId: event.id,
          type: event.type,
          livemode: event.livemode,
          organizationId: object.metadata?.[META_ORG] ?? null,
          objectId: object.id ?? null,
          payload: event as unknown as Record<string, unknown>,
          receivedAt: this.deps.clock.now(),
        })
        .onConflictDoNothing()
        .returning({ eventId: stripeWebhookEvents.eventId });
      if (inserted.length === 0) return { duplicate: true };
      await this.deps.queue.enqueue(tx, 'stripe-webhook', { eventId: event.id }, { singletonKey: event.id });
      return { duplicate: false };
    });
  }

  /** The `stripe-webhook` job: idempotent, re-reads the stored event and Stripe's current state. */
  async process(eventId: string): Promise<string> {
    const [row] = await this.deps.db
      .select()
      .from(stripeWebhookEvents)
      .where(eq(stripeWebhookEvents.eventId, eventId));
    if (!row) return 'missing';
    if (row.processedAt) return row.outcome ?? 'done';
    const event = row.payload as unknown as Stripe.Event;
    const { outcome, organizationId } = await this.apply(event);
    await this.deps.db
      .update(stripeWebhookEvents)
      .set({
        processedAt: this.deps.clock.now(),
        outcome,
        organizationId: organizationId ?? row.organizationId,
      })
      .where(and(eq(stripeWebhookEvents.eventId, eventId), isNull(stripeWebhookEvents.processedAt)));
    if (outcome.startsWith('ignored'))
      log.info({ eventId, type: event.type, outcome }, 'stripe webhook ignored');
    return outcome;
  }

  private async apply(event: Stripe.Event): Promise<{ outcome: string; organizationId?: string | null }> {
    switch (event.type) {
      case 'payment_intent.succeeded':
      case 'payment_intent.payment_failed':
      case 'payment_intent.canceled':
      case 'payment_intent.processing':
        return this.paymentIntent(event.data.object as Stripe.PaymentIntent);
      case 'payment_method.automatically_updated':
      case 'payment_method.updated':
        return this.cardUpdated(event.data.object as Stripe.PaymentMethod);
      case 'refund.failed':
      case 'refund.updated':
      case 'charge.refund.updated':
        return this.refundUpdated(event.data.object as Stripe.Refund);
      default:
        return { outcome: `ignored: ${event.type} is not used by Recoup` };
    }
  }

  private async paymentIntent(object: Stripe.PaymentIntent) {
    const organizationId = object.metadata?.[META_ORG];
    const key = object.metadata?.[META_KEY];
    if (!organizationId || !key) return { outcome: 'ignored: not a Recoup PaymentIntent' };
    // The current state, not the event's copy: deliveries may come late, twice or out of order.
    const pi = await this.deps.stripe.paymentIntents.retrieve(object.id);

    if (
      pi.status === 'succeeded' &&
      (await this.deps.gateway.isFenced({ organizationId, idempotencyKey: key })) &&
      (await this.lateOnFencedKey(organizationId, key))
    ) {
      // A request that was on the wire when the sweeper fenced its key (stripe-gateway.ts, lookup): Recoup
      // released that attempt, so this money is given back.
      const refund = await this.deps.stripe.refunds.create(
        { payment_intent: pi.id, metadata: { [META_ORG]: organizationId, [META_KEY]: `fenced:${key}` } },
        { idempotencyKey: `recoup:${organizationId}:fenced-refund:${key}` },
      );
      await this.deps.db.transaction((tx) =>
        this.deps.audit.record(tx, {
          organizationId,
          actorId: null,
          action: 'gateway.fenced_charge_refunded',
          subjectType: 'transaction',
          subjectId: pi.id,
          details: { idempotencyKey: key, refundId: refund.id, amount: pi.amount },
        }),
      );
      log.warn({ organizationId, key, paymentIntent: pi.id }, 'a fenced key was charged late: refunded');
      return { outcome: `applied: fenced key charged late, refunded ${refund.id}`, organizationId };
    }

    // Card charges are recorded from Stripe's synchronous answer (or by the sweeper after a crash).
    if (pi.metadata?.[META_KIND] !== 'echeck_debit') {
      return { outcome: 'ignored: card charges are recorded when Stripe answers', organizationId };
    }
    const outcome = debitOutcome(pi);
    if (outcome.status === 'pending')
      return { outcome: 'ignored: the debit is still processing', organizationId };
    const done = await this.deps.payments.settleFromGateway(organizationId, { idempotencyKey: key }, outcome);
    if (done === 'processing') {
      // The debit's own answer is not recorded yet: the job is tried again later.
      throw new AppError('unavailable', 'the debit attempt is still being recorded; retry later');
    }
    if (done === 'unknown') {
      log.warn(
        { organizationId, key, paymentIntent: pi.id },
        'stripe webhook for a debit Recoup does not know',
      );
      return { outcome: 'ignored: no such debit', organizationId };
    }
    return { outcome: `applied: ${done}`, organizationId };
  }

  /**
   * A fenced key's PaymentIntent succeeded: is it a late request Recoup never recorded (give it back), or the
   * charge the sweeper is looking up right now? The fence is held during every lookup (stripe-gateway.ts) and
   * lifted when the PaymentIntent is found, so the fence alone does not say: the attempt's own state does.
   * Still `processing`: the sweeper decides first (it records the charge it finds, or releases the attempt),
   * and this job is tried again. Recorded as collected: the ledger has the money, it is kept (MS6). Released,
   * failed on the fence, or unknown: the money moved without a ledger effect, so it is refunded.
   */
  private async lateOnFencedKey(organizationId: string, key: string): Promise<boolean> {
    const status = await this.deps.payments.attemptStatus(organizationId, key);
    if (status === 'processing') {
      throw new AppError('unavailable', 'the attempt of this fenced key is being looked up; retry later');
    }
    return status === null || !COLLECTED.has(status);
  }

  /** The card updater (network tokens, reissued cards): the wallet follows; Stripe keeps the same pm_… ID. */
  private async cardUpdated(pm: Stripe.PaymentMethod) {
    if (pm.type !== 'card' || !pm.card) return { outcome: 'ignored: not a card' };
    const customer = typeof pm.customer === 'string' ? pm.customer : pm.customer?.id;
    if (!customer) return { outcome: 'ignored: a card attached to no customer' };
    const [owner] = await this.deps.db
      .select({ organizationId: stripeCustomers.organizationId })
      .from(stripeCustomers)
      .where(eq(stripeCustomers.customerId, customer))
      .limit(1);
    if (!owner) return { outcome: 'ignored: not a Recoup customer' };
    const n = await this.deps.paymentMethods.updateFromGateway(owner.organizationId, pm.id, {
      brand: pm.card.brand,
      last4: pm.card.last4,
      expMonth: pm.card.exp_month,
      expYear: pm.card.exp_year,
    });
    return {
      outcome: n > 0 ? `applied: ${n} card(s) updated` : 'ignored: card not saved in Recoup',
      organizationId: owner.organizationId,
    };
  }

  /**
   * A refund Stripe accepted and that failed later (rare: the card was closed meanwhile; `refund.failed`,
   * `charge.refund.updated` or `refund.updated` with status `failed`). Recoup recorded it as paid back when
   * Stripe accepted it; now it becomes a failed-refund entry, exactly like a refund Stripe refused at once, and
   * its ledger effect is reversed once (payments: `refundFailedAtGateway`). As for PaymentIntents, the Refund's
   * current state is read from Stripe, not the event's copy: a late `refund.updated` saying `pending` after the
   * failure, a replay, or a second event type about the same failure records nothing more.
   */
  private async refundUpdated(object: Stripe.Refund) {
    const organizationId = object.metadata?.[META_ORG];
    const key = object.metadata?.[META_KEY];
    if (!organizationId || !key) return { outcome: 'ignored: not a Recoup refund' };
    const refund = await this.deps.stripe.refunds.retrieve(object.id);
    if (refund.status !== 'failed') return { outcome: `ignored: refund ${refund.status}`, organizationId };
    const code = mapStripeFailure('refund', refund.failure_reason ?? null);
    const done = await this.deps.payments.refundFailedAtGateway(
      organizationId,
      { idempotencyKey: key, gatewayRef: refund.id },
      code,
    );
    if (done === 'processing') {
      // The refund's own answer is not recorded yet: the job is tried again later.
      throw new AppError('unavailable', 'the refund attempt is still being recorded; retry later');
    }
    if (done === 'unknown') {
      // e.g. the refund of a fenced key's late charge (its key is `fenced:…`): no Recoup attempt owns it.
      await this.deps.db.transaction((tx) =>
        this.deps.audit.record(tx, {
          organizationId,
          actorId: null,
          action: 'refund.failed_at_gateway',
          subjectType: 'refund',
          subjectId: refund.id,
          details: { reason: refund.failure_reason ?? null, amount: refund.amount, key },
        }),
      );
      log.error(
        { organizationId, refund: refund.id },
        'a Stripe refund Recoup has no attempt for failed: review it',
      );
      return { outcome: 'ignored: no such refund attempt (audited for review)', organizationId };
    }
    return { outcome: `applied: failed refund ${done}`, organizationId };
  }

  /** The last event received about this organization's objects (Settings). */
  async lastEvent(organizationId: string): Promise<StoredEvent | null> {
    const [row] = await this.deps.db
      .select()
      .from(stripeWebhookEvents)
      .where(eq(stripeWebhookEvents.organizationId, organizationId))
      .orderBy(desc(stripeWebhookEvents.receivedAt), desc(stripeWebhookEvents.eventId))
      .limit(1);
    return row ?? null;
  }

  /** Fenced keys kept (for the doctor and tests). */
  async fencedKeys(organizationId: string) {
    return this.deps.db
      .select()
      .from(stripeFencedKeys)
      .where(eq(stripeFencedKeys.organizationId, organizationId));
  }
}
