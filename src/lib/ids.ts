import { randomBytes } from 'node:crypto';

/**
 * Prefixed, sortable IDs: `acc_` + 10 characters of time + 16 of randomness (Crockford base32),
 * so IDs created later sort later and an ID says what it names in logs and e-mails.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export const ID_PREFIXES = {
  organization: 'org',
  user: 'usr',
  token: 'tok',
  account: 'acc',
  invoice: 'inv',
  payment: 'pay',
  creditNote: 'cn',
  refund: 'rf',
  allocation: 'alc',
  batch: 'rcb',
  paymentMethod: 'pm',
  subscription: 'sub',
  installmentPlan: 'ip',
  scheduledPayment: 'sp',
  transaction: 'txn',
  failedTransaction: 'ft',
  email: 'em',
  portalLink: 'plk',
  audit: 'aud',
  job: 'job',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

let lastTime = 0;
let lastRandom: number[] = [];

export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${ulidBody()}`;
}

function ulidBody(): string {
  let time = Date.now();
  let random: number[];
  if (time <= lastTime) {
    // Same millisecond: increment the random part so IDs stay strictly increasing in this process.
    time = lastTime;
    random = increment(lastRandom);
  } else {
    const bytes = randomBytes(16);
    random = Array.from(bytes, (b) => b & 31);
  }
  lastTime = time;
  lastRandom = random;
  let timePart = '';
  for (let i = 0; i < 10; i++) {
    timePart = ALPHABET[time % 32] + timePart;
    time = Math.floor(time / 32);
  }
  return timePart + random.map((d) => ALPHABET[d]).join('');
}

function increment(digits: number[]): number[] {
  const next = [...digits];
  for (let i = next.length - 1; i >= 0; i--) {
    if ((next[i] as number) < 31) {
      next[i] = (next[i] as number) + 1;
      return next;
    }
    next[i] = 0;
  }
  return next;
}
