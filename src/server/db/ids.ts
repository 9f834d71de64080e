import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
let lastTime = 0;
let lastRandom: Uint8Array = new Uint8Array(10);

function encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

// Random bytes are drawn from the CSPRNG in blocks: one call per 409 ids instead of one per id.
const POOL_BYTES = 4090;
let pool = new Uint8Array(0);
let poolAt = 0;

function random10(): Uint8Array {
  if (poolAt + 10 > pool.length) {
    pool = randomBytes(POOL_BYTES); // a new block: ids handed out keep their bytes
    poolAt = 0;
  }
  poolAt += 10;
  return pool.subarray(poolAt - 10, poolAt);
}

/** An id's 16 bytes: the millisecond time `ms` big-endian in the first 6, then `random` (zeros without it). */
function idBytes(ms: number, random?: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(16);
  let t = ms;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  if (random) bytes.set(random, 6);
  return bytes;
}

/**
 * Opaque, unguessable, time-ordered ids (48-bit millisecond time + 80 random bits, 26 chars,
 * monotonic inside one process). Sorting by id sorts by creation, so keyset pagination can
 * order by id alone.
 */
export function newId(): string {
  const now = Date.now();
  let rnd: Uint8Array;
  if (now <= lastTime) {
    rnd = new Uint8Array(lastRandom);
    for (let i = rnd.length - 1; i >= 0; i--) {
      rnd[i] = (rnd[i]! + 1) & 0xff;
      if (rnd[i] !== 0) break;
    }
  } else {
    rnd = random10();
    lastTime = now;
  }
  lastRandom = rnd;
  return encode(idBytes(lastTime, rnd)).slice(0, 26);
}

/**
 * The first 18 characters of a block of ids whose last 8 the database numbers row by row (see
 * sqlNewId): the millisecond time and 42 fresh random bits, so two blocks begun in one millisecond
 * differ (newId's own ids in one millisecond share theirs).
 */
export function newIdBlockPrefix(): string {
  return encode(idBytes(Date.now(), random10())).slice(0, 18);
}

/**
 * The smallest id newId() can hand out at or after the instant `ms`: ids sort by creation time, so
 * `id >= idAtTime(ms)` selects the rows made since then through the primary key.
 */
export function idAtTime(ms: number): string {
  return encode(idBytes(Math.max(0, Math.floor(ms)))).slice(0, 26);
}

/** A random secret token, URL-safe. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
