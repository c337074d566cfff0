import type { Clock } from '../../lib/clock';
import type { Db } from '../../platform/db/db';
import { log } from '../../platform/log';
import type { PaymentAttempts } from './payment-attempts';
import { staleAttempts } from './payments.repository';

/**
 * How long an attempt may stay `processing` before the sweeper takes it: longer than any gateway call
 * (the request path gives up well before), so that a live request is never swept from under itself.
 */
export const ATTEMPT_LEASE_MS = 5 * 60_000;
const PAGE = 100;

/**
 * The `payments-sweeper` job (MS5): attempts left `processing` by a crash — of a request, a job or the
 * whole process, before or after the gateway answered — are finished with the gateway's recorded answer,
 * or released when the gateway never received them (their key is then fenced, so a request still on its
 * way moves no money). Charges, eCheck debits and refunds alike; each attempt on its own, so one that
 * throws is logged and tried again at the next run while the others go on.
 */
export class PaymentsSweeper {
  constructor(private readonly deps: { db: Db; clock: Clock; attempts: PaymentAttempts }) {}

  async sweep(organizationId: string) {
    const before = new Date(this.deps.clock.now().getTime() - ATTEMPT_LEASE_MS);
    const result = { finished: 0, released: 0, errors: 0 };
    const failed = new Set<string>();
    for (;;) {
      const page = (await staleAttempts(this.deps.db, organizationId, before, PAGE + failed.size)).filter(
        (t) => !failed.has(t.id),
      );
      if (page.length === 0) return result;
      for (const txn of page) {
        try {
          const answer = await this.deps.attempts.lookup(txn);
          if (answer) {
            if ((await this.deps.attempts.finish(txn, answer)).recorded) result.finished++;
          } else if (await this.deps.attempts.release(txn)) {
            result.released++;
          }
        } catch (err) {
          failed.add(txn.id);
          result.errors++;
          log.error({ err, organizationId, transactionId: txn.id }, 'payments sweeper: attempt not settled');
        }
      }
      if (page.length < PAGE) return result;
    }
  }
}
