import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Whether an Authorization header carries the agent token. Both sides are hashed first, so the
 * comparison takes the same time whatever the length or the first wrong character of what was sent.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  const given = m?.[1] ?? '';
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}
