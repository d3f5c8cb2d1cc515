import { clientAddress } from '../../http/client-address.js';
import { BodyError, readJsonBody } from '../../http/json-body.js';
import { type BodyCodes, Refusal, type RefusalShape } from '../../http/refusal.js';
import type { IncomingMessage } from 'node:http';
import type { Request, Response } from 'restify';

export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status);
  res.json(body);
}

/** Direct Line answers errors as {error: {code, message}}; the official client reads only the status. */
export const directLineShape: RefusalShape = (code, message) => ({ error: { code, message } });

/** The codes Direct Line (and its official client) gives a body that did not read. */
export const DIRECTLINE_BODY_CODES: BodyCodes = { tooLarge: 'PayloadTooLarge', encoded: 'UnsupportedMediaType', notJson: 'UnsupportedMediaType', bad: 'BadArgument' };

export function bearer(req: Request): string {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new Refusal(401, 'Unauthorized', { key: 'ui:refusals.directline.bearerRequired' });
  return m[1] as string;
}

/** The client's address: the socket's peer, or the client a trusted proxy forwarded for. */
export function clientOf(req: Request): string {
  return clientAddress(req);
}

// A deeply nested value parses, but breaks whatever serialises it later (every poll of the conversation).
const MAX_JSON_DEPTH = 64;

/**
 * The body as JSON within a size limit, read here rather than by restify's body parser so that an
 * oversized body is refused without being buffered whole; `optional` takes an empty body as none.
 */
export async function jsonBody(req: IncomingMessage, limit: number, optional = false): Promise<unknown> {
  try {
    return await readJsonBody(req, { limit, maxDepth: MAX_JSON_DEPTH });
  } catch (err) {
    if (optional && err instanceof BodyError && err.kind === 'empty') return undefined;
    throw err;
  }
}
