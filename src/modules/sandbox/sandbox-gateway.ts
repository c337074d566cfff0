import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { type Clock, systemClock } from '../../lib/clock';
import { AppError, notFound, validation } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Db } from '../../platform/db/db';
import { CARD_DECLINE_CODES, ECHECK_RETURN_CODES } from '../gateway/failure-codes';
import type {
  ChargeRequest,
  ChargeResult,
  EcheckDebitRequest,
  EcheckDebitResult,
  EcheckOutcome,
  ForcedOutcome,
  LookupRequest,
  MoneyRequest,
  PaymentGateway,
  RefundRequest,
  RefundResult,
  SandboxGatewayControls,
} from '../gateway/gateway.port';
import { sandboxGatewayOperations, sandboxMerchant, sandboxNextOutcomes } from './sandbox.table';
import { parseSandboxToken } from './sandbox-instruments';

/**
 * The merchant account's balance of an organization that never set one (PUT /sandbox/merchant-balance):
 * 1,000,000 minor units (10,000.00 in a two-decimal currency), so that refunds work out of the box in
 * demos while a large one can still be made to fail. The sandbox keeps one balance per organization,
 * in the organization's currency.
 */
export const DEFAULT_MERCHANT_BALANCE_MINOR = 1_000_000n;

type Operation = typeof sandboxGatewayOperations.$inferSelect;
type OperationKind = Operation['kind'];

// A row is inserted as `processing` and completed in the same transaction, so no other caller ever
// reads it in that state: a concurrent call with the same key waits on the primary key until the
// first transaction commits, then does nothing and reads the finished row.
const PROCESSING = 'processing';
/** A key fenced by `lookup` before any request with it arrived: it never moves money. */
const VOIDED = 'voided';

const FORCED_OUTCOMES: ReadonlySet<string> = new Set([
  'succeed',
  ...CARD_DECLINE_CODES,
  ...ECHECK_RETURN_CODES,
]);

/** Gateway references: `ch_` (charge), `re_` (refund), `py_` (eCheck debit) + a sortable random body. */
function gatewayRef(prefix: 'ch' | 're' | 'py'): string {
  return `${prefix}_${newId('transaction').slice('txn_'.length)}`;
}

/**
 * The sandbox gateway on the database (tables in sandbox.table.ts). Card outcomes come from the token
 * (the test-card table, see sandbox-instruments.ts) unless a forced next outcome was set for the
 * payment method. No card or account number is ever seen here: only tokens.
 */
export class SandboxGateway implements PaymentGateway, SandboxGatewayControls {
  private readonly db: Db;
  private readonly clock: Clock;

  constructor(deps: { db: Db; clock?: Clock }) {
    this.db = deps.db;
    this.clock = deps.clock ?? systemClock;
  }

  async charge(req: ChargeRequest): Promise<ChargeResult> {
    checkRequest(req);
    return this.db.transaction(async (tx) => {
      const ref = gatewayRef('ch');
      const replay = await this.begin(tx, 'charge', req, ref);
      if (replay) return chargeResult(replay);

      const forced = await consumeForcedOutcome(tx, req);
      const parsed = parseSandboxToken(req.token);
      let outcome: ForcedOutcome;
      if (forced) outcome = forced;
      // A token the sandbox never issued, or a bank account charged as a card: no such card.
      else if (parsed?.kind !== 'card') outcome = 'invalid_account';
      else outcome = parsed.outcome;

      const status = outcome === 'succeed' ? 'succeeded' : 'failed';
      const failureCode = outcome === 'succeed' ? null : outcome;
      await finish(tx, req, { status, failureCode });
      if (status === 'succeeded') await addToBalance(tx, req.organizationId, req.amountMinor);
      return status === 'succeeded'
        ? { status, gatewayRef: ref }
        : { status, gatewayRef: ref, code: outcome };
    });
  }

  async refund(req: RefundRequest): Promise<RefundResult> {
    checkRequest(req);
    return this.db.transaction(async (tx) => {
      const ref = gatewayRef('re');
      const replay = await this.begin(tx, 'refund', req, ref);
      if (replay) return chargeResult(replay);

      await tx
        .insert(sandboxMerchant)
        .values({ organizationId: req.organizationId, balanceMinor: DEFAULT_MERCHANT_BALANCE_MINOR })
        .onConflictDoNothing();
      // Checked and taken in one statement: two concurrent refunds can never both spend the same funds.
      const taken = await tx
        .update(sandboxMerchant)
        .set({ balanceMinor: sql`${sandboxMerchant.balanceMinor} - ${req.amountMinor}` })
        .where(
          and(
            eq(sandboxMerchant.organizationId, req.organizationId),
            sql`${sandboxMerchant.balanceMinor} >= ${req.amountMinor}`,
          ),
        )
        .returning({ balanceMinor: sandboxMerchant.balanceMinor });
      if (taken.length === 0) {
        const code = 'insufficient_merchant_funds';
        await finish(tx, req, { status: 'failed', failureCode: code });
        return { status: 'failed', gatewayRef: ref, code };
      }
      await finish(tx, req, { status: 'succeeded', failureCode: null });
      return { status: 'succeeded', gatewayRef: ref };
    });
  }

  async echeckDebit(req: EcheckDebitRequest): Promise<EcheckDebitResult> {
    checkRequest(req);
    return this.db.transaction(async (tx) => {
      const ref = gatewayRef('py');
      const replay = await this.begin(tx, 'echeck_debit', req, ref);
      if (replay) return echeckDebitResult(replay);

      const forced = await consumeForcedOutcome(tx, req);
      const parsed = parseSandboxToken(req.token);
      let failureCode: string | null = null;
      let returnCode: string | null = null;
      if (parsed?.kind !== 'bank') failureCode = 'invalid_account';
      else returnCode = parsed.returnCode;
      if (forced === 'succeed') {
        failureCode = null;
        returnCode = null;
      } else if (forced && ECHECK_RETURN_CODES.includes(forced)) {
        // An ACH return is only known days later: the debit is accepted now and comes back then.
        failureCode = null;
        returnCode = forced;
      } else if (forced) {
        failureCode = forced;
      }

      if (failureCode) {
        await finish(tx, req, { status: 'failed', failureCode });
        return { status: 'failed', gatewayRef: ref, code: failureCode };
      }
      await finish(tx, req, { status: 'pending', failureCode: null, returnCode });
      return { status: 'pending', gatewayRef: ref };
    });
  }

  async echeckOutcome(req: { organizationId: string; gatewayRef: string }): Promise<EcheckOutcome> {
    return this.db.transaction(async (tx) => {
      const [op] = await tx
        .select()
        .from(sandboxGatewayOperations)
        .where(
          and(
            eq(sandboxGatewayOperations.organizationId, req.organizationId),
            eq(sandboxGatewayOperations.gatewayRef, req.gatewayRef),
            eq(sandboxGatewayOperations.kind, 'echeck_debit'),
          ),
        );
      if (!op) throw notFound('eCheck debit');
      if (op.status !== 'pending') return recordedOutcome(op);

      // Decided once: only the call that moves the row out of `pending` credits the merchant account.
      const next = op.returnCode ? 'returned' : 'settled';
      const moved = await tx
        .update(sandboxGatewayOperations)
        .set({ status: next })
        .where(
          and(
            eq(sandboxGatewayOperations.organizationId, op.organizationId),
            eq(sandboxGatewayOperations.idempotencyKey, op.idempotencyKey),
            eq(sandboxGatewayOperations.status, 'pending'),
          ),
        )
        .returning({ status: sandboxGatewayOperations.status });
      if (moved.length > 0 && next === 'settled') await addToBalance(tx, op.organizationId, op.amountMinor);
      return recordedOutcome({ ...op, status: next });
    });
  }

  async lookup(req: LookupRequest): Promise<ChargeResult | EcheckDebitResult | null> {
    checkRequest(req);
    return this.db.transaction(async (tx) => {
      // The fence: a key the gateway never saw is taken now, as voided, so it can never move money later.
      const fenced = await tx
        .insert(sandboxGatewayOperations)
        .values({
          organizationId: req.organizationId,
          idempotencyKey: req.idempotencyKey,
          kind: req.kind,
          amountMinor: req.amountMinor,
          token: req.token,
          status: VOIDED,
          gatewayRef: gatewayRef(req.kind === 'charge' ? 'ch' : req.kind === 'refund' ? 're' : 'py'),
          createdAt: this.clock.now(),
        })
        .onConflictDoNothing()
        .returning({ status: sandboxGatewayOperations.status });
      if (fenced.length > 0) return null;
      const op = await recordedByKey(tx, req);
      if (!op || op.status === VOIDED) return null;
      return op.kind === 'echeck_debit' ? echeckDebitResult(op) : chargeResult(op);
    });
  }

  // ---- sandbox controls ----

  async setMerchantBalance(organizationId: string, amountMinor: bigint): Promise<void> {
    if (amountMinor < 0n) {
      throw validation('The merchant balance cannot be negative.', [
        { field: 'amount', message: 'Must be zero or more.' },
      ]);
    }
    await this.db
      .insert(sandboxMerchant)
      .values({ organizationId, balanceMinor: amountMinor })
      .onConflictDoUpdate({ target: sandboxMerchant.organizationId, set: { balanceMinor: amountMinor } });
  }

  async merchantBalance(organizationId: string): Promise<bigint> {
    const [row] = await this.db
      .select({ balanceMinor: sandboxMerchant.balanceMinor })
      .from(sandboxMerchant)
      .where(eq(sandboxMerchant.organizationId, organizationId));
    return row?.balanceMinor ?? DEFAULT_MERCHANT_BALANCE_MINOR;
  }

  async setNextOutcome(organizationId: string, key: string, outcome: ForcedOutcome): Promise<void> {
    if (!FORCED_OUTCOMES.has(outcome)) {
      throw validation(`Unknown outcome "${outcome}".`, [
        {
          field: 'outcome',
          message: `Must be "succeed", a card decline code or an ACH return code: ${[...FORCED_OUTCOMES].join(', ')}`,
        },
      ]);
    }
    await this.db
      .insert(sandboxNextOutcomes)
      .values({ organizationId, paymentMethodId: key, outcome })
      .onConflictDoUpdate({
        target: [sandboxNextOutcomes.organizationId, sandboxNextOutcomes.paymentMethodId],
        set: { outcome },
      });
  }

  async chargeCount(organizationId: string): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(sandboxGatewayOperations)
      .where(
        and(
          eq(sandboxGatewayOperations.organizationId, organizationId),
          inArray(sandboxGatewayOperations.kind, ['charge', 'echeck_debit']),
          sql`${sandboxGatewayOperations.status} <> ${VOIDED}`,
        ),
      );
    return Number(row?.n ?? 0);
  }

  /**
   * Claims the idempotency key. Returns null when this call made the claim (and must complete the
   * operation), or the recorded operation when the key was used before.
   */
  private async begin(
    tx: Db,
    kind: OperationKind,
    req: MoneyRequest,
    ref: string,
  ): Promise<Operation | null> {
    const inserted = await tx
      .insert(sandboxGatewayOperations)
      .values({
        organizationId: req.organizationId,
        idempotencyKey: req.idempotencyKey,
        kind,
        amountMinor: req.amountMinor,
        token: req.token,
        status: PROCESSING,
        gatewayRef: ref,
        createdAt: this.clock.now(),
      })
      .onConflictDoNothing()
      .returning({ gatewayRef: sandboxGatewayOperations.gatewayRef });
    if (inserted.length > 0) return null;

    const existing = await recordedByKey(tx, req);
    if (!existing) throw new Error('sandbox gateway: idempotency key conflicted but no operation was found');
    if (existing.kind !== kind || existing.amountMinor !== req.amountMinor || existing.token !== req.token) {
      throw new AppError(
        'idempotency_conflict',
        `The idempotency key "${req.idempotencyKey}" was already used for another ${existing.kind} request.`,
      );
    }
    return existing;
  }
}

/** The operation recorded under a request's idempotency key, if any. */
async function recordedByKey(tx: Db, req: MoneyRequest): Promise<Operation | undefined> {
  const [op] = await tx
    .select()
    .from(sandboxGatewayOperations)
    .where(
      and(
        eq(sandboxGatewayOperations.organizationId, req.organizationId),
        eq(sandboxGatewayOperations.idempotencyKey, req.idempotencyKey),
      ),
    );
  return op;
}

function checkRequest(req: MoneyRequest): void {
  if (typeof req.amountMinor !== 'bigint' || req.amountMinor <= 0n) {
    throw validation('The amount must be a positive number of minor units.', [
      { field: 'amount', message: 'Must be a positive integer.' },
    ]);
  }
  if (!req.idempotencyKey) throw new Error('sandbox gateway: an idempotency key is required');
}

async function finish(
  tx: Db,
  req: MoneyRequest,
  result: { status: string; failureCode: string | null; returnCode?: string | null },
): Promise<void> {
  await tx
    .update(sandboxGatewayOperations)
    .set({ status: result.status, failureCode: result.failureCode, returnCode: result.returnCode ?? null })
    .where(
      and(
        eq(sandboxGatewayOperations.organizationId, req.organizationId),
        eq(sandboxGatewayOperations.idempotencyKey, req.idempotencyKey),
      ),
    );
}

/**
 * Takes the forced next outcome of the method being charged (by payment method ID, else by token),
 * so that it applies to exactly one charge.
 */
async function consumeForcedOutcome(tx: Db, req: ChargeRequest): Promise<ForcedOutcome | null> {
  const keys = req.paymentMethodId ? [req.paymentMethodId, req.token] : [req.token];
  const taken = await tx
    .delete(sandboxNextOutcomes)
    .where(
      and(
        eq(sandboxNextOutcomes.organizationId, req.organizationId),
        inArray(sandboxNextOutcomes.paymentMethodId, keys),
      ),
    )
    .returning();
  if (taken.length === 0) return null;
  const byMethod = taken.find((t) => t.paymentMethodId === req.paymentMethodId);
  return (byMethod ?? taken[0])!.outcome;
}

async function addToBalance(tx: Db, organizationId: string, amountMinor: bigint): Promise<void> {
  await tx
    .insert(sandboxMerchant)
    .values({ organizationId, balanceMinor: DEFAULT_MERCHANT_BALANCE_MINOR + amountMinor })
    .onConflictDoUpdate({
      target: sandboxMerchant.organizationId,
      set: { balanceMinor: sql`${sandboxMerchant.balanceMinor} + ${amountMinor}` },
    });
}

function chargeResult(op: Operation): ChargeResult {
  if (op.status === 'succeeded') return { status: 'succeeded', gatewayRef: op.gatewayRef };
  return { status: 'failed', gatewayRef: op.gatewayRef, code: op.failureCode ?? 'processing_error' };
}

function echeckDebitResult(op: Operation): EcheckDebitResult {
  // A fenced key (VOIDED) never became a debit: a late request with it is refused, like a failed one.
  if (op.status === 'failed' || op.status === VOIDED) {
    return { status: 'failed', gatewayRef: op.gatewayRef, code: op.failureCode ?? 'processing_error' };
  }
  return { status: 'pending', gatewayRef: op.gatewayRef };
}

function recordedOutcome(op: Operation): EcheckOutcome {
  if (op.status === 'settled') return { status: 'settled' };
  // A debit refused when presented never settles; it reports its failure code as the return.
  return { status: 'returned', code: op.returnCode ?? op.failureCode ?? 'processing_error' };
}
