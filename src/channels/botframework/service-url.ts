import { isIP } from 'node:net';

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host) || host === '::ffff:7f00:1';
  return false;
}

/**
 * Whether an unauthenticated activity may make this service call its serviceUrl. Without
 * authentication anyone can post an activity, so the serviceUrl must be this machine (the Emulator) or
 * an address the operator listed; an allowed entry matches by origin and path prefix, never by a
 * string prefix that "https://allowed.example.evil.test" would pass.
 */
export function serviceUrlAllowed(serviceUrl: string, allowed: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.username || url.password) return false;
  if (isLoopbackHost(url.hostname)) return true;
  return allowed.some((entry) => {
    let a: URL;
    try {
      a = new URL(entry);
    } catch {
      return false;
    }
    const base = a.pathname.replace(/\/+$/, '');
    return a.origin === url.origin && (url.pathname === base || url.pathname.startsWith(`${base}/`));
  });
}
