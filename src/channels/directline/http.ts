import { clientAddress } from '../../http/client-address.js';
import { jsonDepth } from '../../http/json-depth.js';
import type { IncomingMessage } from 'node:http';
import type { Request, Response } from 'restify';

/** A request refused with a status and a reason the caller gets as JSON, in Direct Line's error shape. */
export class Refusal extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly retryAfterSeconds?: number) {
    super(message);
    this.name = 'Refusal';
  }
}

export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status);
  res.json(body);
}

/** Direct Line answers errors as {error: {code, message}}; the official client reads only the status. */
export function sendRefusal(res: Response, r: Refusal): void {
  if (r.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(r.retryAfterSeconds));
  if (r.status === 413) res.setHeader('Connection', 'close');
  sendJson(res, r.status, { error: { code: r.code, message: r.message } });
}

export function bearer(req: Request): string {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new Refusal(401, 'Unauthorized', 'an Authorization header "Bearer <token>" is required');
  return m[1] as string;
}

/** The client's address: the socket's peer, or the client a trusted proxy forwarded for. */
export function clientOf(req: Request): string {
  return clientAddress(req);
}

/**
 * The body as JSON within a size limit, read here rather than by restify's body parser so that an
 * oversized body is refused without being buffered whole.
 */
const MAX_JSON_DEPTH = 64;

export async function readJson(req: IncomingMessage, limit: number, optional = false): Promise<unknown> {
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding !== 'identity') throw new Refusal(415, 'UnsupportedMediaType', `content-encoding "${encoding}" is not accepted`);
  if (Number(req.headers['content-length']) > limit) throw new Refusal(413, 'PayloadTooLarge', `the body exceeds ${limit} bytes`);
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > limit) {
      req.destroy();
      throw new Refusal(413, 'PayloadTooLarge', `the body exceeds ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') {
    if (optional) return undefined;
    throw new Refusal(400, 'BadArgument', 'the request has no body; expected JSON');
  }
  // A deeply nested value parses, but breaks whatever serialises it later (every poll of the conversation).
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new Refusal(400, 'BadArgument', `the body nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Refusal(400, 'BadArgument', `the body is not valid JSON: ${(err as Error).message}`);
  }
}
