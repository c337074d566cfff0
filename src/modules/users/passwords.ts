import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt at OWASP's current parameters (Password Storage Cheat Sheet): of its equivalent settings, N=2^14, r=8,
 * p=5 (16 MiB per sign-in rather than 128 MiB for N=2^17, p=1: same work, less memory under a burst).
 * Each stored hash carries its own parameters (`scrypt$N$r$p$salt$key`), so verification uses what the hash
 * was made with and the parameters can be raised later: a hash below the current ones is upgraded at the
 * next successful sign-in (`needsRehash`). The older form `scrypt$N$salt$key` (r=8, p=1) still verifies.
 */
const KEYLEN = 32;
export const SCRYPT_PARAMS = { N: 2 ** 14, r: 8, p: 5 } as const;
/** The largest parameters a stored hash may ask for: a forged hash must not make us allocate gigabytes. */
const MAX_N = 2 ** 20;
const MAX_R = 16;
const MAX_P = 16;

interface Params {
  N: number;
  r: number;
  p: number;
}

function derive(password: string, salt: Buffer, params: Params): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; leave room above it.
  const maxmem = 128 * params.N * params.r * 2 + 1024 * 1024;
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEYLEN, { ...params, maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string, params: Params = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

interface ParsedHash extends Params {
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  let N: number;
  let r = 8;
  let p = 1;
  let saltText: string | undefined;
  let keyText: string | undefined;
  if (parts[0] !== 'scrypt') return null;
  if (parts.length === 4) {
    N = Number(parts[1]);
    [saltText, keyText] = [parts[2], parts[3]];
  } else if (parts.length === 6) {
    [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
    [saltText, keyText] = [parts[4], parts[5]];
  } else {
    return null;
  }
  const powerOfTwo = Number.isInteger(N) && N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX_N || !Number.isInteger(r) || r < 1 || r > MAX_R) return null;
  if (!Number.isInteger(p) || p < 1 || p > MAX_P || !saltText || !keyText) return null;
  return { N, r, p, salt: Buffer.from(saltText, 'base64url'), key: Buffer.from(keyText, 'base64url') };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const actual = await derive(password, parsed.salt, parsed);
  return parsed.key.length === actual.length && timingSafeEqual(parsed.key, actual);
}

/** True when the hash was made with other parameters than today's: hash the password again. */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return true;
  return parsed.N !== SCRYPT_PARAMS.N || parsed.r !== SCRYPT_PARAMS.r || parsed.p !== SCRYPT_PARAMS.p;
}

/** A hash at today's parameters, so that an unknown e-mail costs as much time as a wrong password. */
export const DUMMY_HASH = `scrypt$${SCRYPT_PARAMS.N}$${SCRYPT_PARAMS.r}$${SCRYPT_PARAMS.p}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
