import { randomBytes } from 'node:crypto';

const pool = { bytes: Buffer.alloc(0), at: 0 };

/**
 * Cryptographic random bytes, fetched in blocks: one call for each reference or checklist key would be
 * most of its cost. The bytes given are a view of the block: read them before the next call.
 */
export function pooledRandom(n: number): Buffer {
  if (pool.at + n > pool.bytes.length) {
    pool.bytes = randomBytes(Math.max(4096, n));
    pool.at = 0;
  }
  pool.at += n;
  return pool.bytes.subarray(pool.at - n, pool.at);
}
