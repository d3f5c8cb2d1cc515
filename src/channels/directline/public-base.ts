import type { Request } from 'restify';

const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The base URL for links this service puts in its replies (checklist, flowchart): EKEY_PUBLIC_URL when
 * set, else the address the client itself used, so a fresh local `npm start` links correctly. A Host
 * header only ever shapes the replies to the client that sent it.
 */
export function publicBase(req: Request, configured: string | undefined): string | undefined {
  if (configured) return configured.replace(/\/+$/, '');
  const host = req.headers.host;
  if (!host || !HOST.test(host)) return undefined;
  return `${req.isSecure() ? 'https' : 'http'}://${host}`;
}
