import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import type restify from 'restify';

const resolved = new WeakMap<IncomingMessage, string>();

/**
 * Checks a list of trusted proxies (addresses, CIDR ranges, or proxy-addr's names such as "loopback") and
 * returns the compiled trust, or throws with what is wrong: read once at start-up.
 */
export function compileTrust(trusted: readonly string[]): (addr: string, i: number) => boolean {
  return proxyaddr.compile([...trusted]);
}

/**
 * Settles who sent each request, once, before any limit reads it: the socket's peer, or, when that peer is
 * a proxy listed in EKEY_TRUSTED_PROXIES, the client it forwarded for. X-Forwarded-For from anyone else is
 * ignored, since any client can write it.
 */
export function clientAddressing(trusted: readonly string[]): restify.RequestHandler {
  const trust = trusted.length > 0 ? compileTrust(trusted) : undefined;
  return (req, _res, next) => {
    const peer = req.socket.remoteAddress ?? 'unknown';
    resolved.set(req, trust ? proxyaddr(req, trust) : peer);
    return next();
  };
}

/** The client's address as settled by clientAddressing (the socket's peer for a request it did not see). */
export function clientAddress(req: IncomingMessage): string {
  return resolved.get(req) ?? req.socket.remoteAddress ?? 'unknown';
}
