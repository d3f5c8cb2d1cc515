import { clientAddress } from '../../http/client-address.js';
import { jsonDepth } from '../../http/json-depth.js';
import type { IncomingMessage } from 'node:http';
import type { Request, Response } from 'restify';
import type { Translate } from '../../i18n.js';

/** A reason in the words of locales/, given in the language of the request or conversation refused. */
export interface Reason {
  key: string;
  params?: Record<string, string | number>;
}

/** A request refused with a status and a reason the caller gets as JSON, in Direct Line's error shape. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
    readonly reason?: Reason,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status);
  res.json(body);
}

/** Direct Line answers errors as {error: {code, message}}; the official client reads only the status. */
export function sendRefusal(res: Response, r: Refusal, t?: Translate): void {
  if (r.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(r.retryAfterSeconds));
  if (r.status === 413) res.setHeader('Connection', 'close');
  sendJson(res, r.status, { error: { code: r.code, message: r.reason && t ? t(r.reason.key, r.reason.params) : r.message } });
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

/** Reads a body to its end within a limit, keeping it or not; past the limit the connection is closed. */
async function readBody(req: IncomingMessage, limit: number, keep: boolean): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > limit) {
      req.destroy();
      throw new Refusal(413, 'PayloadTooLarge', `the body exceeds ${limit} bytes`);
    }
    if (keep) chunks.push(chunk);
  }
  return chunks;
}

/**
 * Reads a body and drops it, so that the answer reaches a client still sending (one cut off mid-body
 * sees a broken connection, not the answer).
 */
export async function discardBody(req: IncomingMessage, limit: number): Promise<void> {
  await readBody(req, limit, false);
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
  const text = Buffer.concat(await readBody(req, limit, true)).toString('utf8');
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
