import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * WeChat's request signature: SHA-1 of the parts sorted as strings and joined without separator. The URL
 * signature uses (token, timestamp, nonce); the safe-mode msg_signature adds the Encrypt field.
 */
export function wechatSignature(...parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');
}

/** Compares in constant time, so that a caller cannot learn the signature byte by byte from timings. */
export function signatureMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected.toLowerCase()), Buffer.from(given.toLowerCase()));
}
