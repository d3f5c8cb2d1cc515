import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { compileTrust } from '../../http/client-address.js';

export const COOKIE = 'ekey_desk';

/** The session id the request's cookie carries, if any. */
export function sessionCookie(req: IncomingMessage): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Whether the request came over https: on this socket, or at a trusted proxy that says so in X-Forwarded-Proto. */
export function httpsChecker(trusted: readonly string[]): (req: IncomingMessage) => boolean {
  const trust = trusted.length > 0 ? compileTrust(trusted) : undefined;
  return (req) => {
    if ((req.socket as TLSSocket).encrypted) return true;
    const peer = req.socket.remoteAddress ?? '';
    const proto = String(req.headers['x-forwarded-proto'] ?? '')
      .split(',')[0]
      ?.trim()
      .toLowerCase();
    return !!trust && trust(peer, 0) && proto === 'https';
  };
}

export function setCookie(id: string, secure: boolean, maxAgeSeconds: number): string {
  return `${COOKIE}=${id}; Path=/desk; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

export function clearCookie(secure: boolean): string {
  return `${COOKIE}=; Path=/desk; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}
