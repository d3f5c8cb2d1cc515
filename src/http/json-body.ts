import type { IncomingMessage } from 'node:http';
import { jsonDepth } from './json-depth.js';

/**
 * Why a body was refused. src/http/refusal.ts turns the kind into the answer, with the protocol's code
 * and a reason in the request's language.
 */
export class BodyError extends Error {
  constructor(
    readonly kind: 'tooLarge' | 'notJson' | 'badJson' | 'encoded' | 'empty' | 'tooDeep',
    readonly detail = '',
  ) {
    super(detail || kind);
    this.name = 'BodyError';
  }
}

export interface JsonBodyOptions {
  /** Bytes; a larger body is refused (declared or sent). */
  limit?: number;
  /** Only `application/json` is read (the agent API); Bot Framework clients are not asked for a type. */
  requireJsonType?: boolean;
  /** Nesting past this is refused before parsing: deep JSON makes copies and serialisers recurse without end. */
  maxDepth?: number;
  /**
   * Past the limit, read and drop the rest up to this many bytes so the caller gets its 413 rather than a
   * reset; beyond it, or when 0, the reading stops and the connection goes with the answer.
   */
  drain?: number;
}

/**
 * The one reader of JSON request bodies: within a size limit, never inflating a compressed body, taking
 * what a server-wide body parser may already have read, parsed or refused with a BodyError.
 */
export async function readJsonBody(req: IncomingMessage, options: JsonBodyOptions = {}): Promise<unknown> {
  const limit = options.limit ?? 16 * 1024;
  if (options.requireJsonType) {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') throw new BodyError('notJson');
  }
  const kept = req as IncomingMessage & { _readBody?: boolean; rawBody?: unknown; body?: unknown };
  const already = kept.rawBody ?? (kept._readBody || kept.body !== undefined ? kept.body : undefined);
  if (already !== undefined) {
    if (typeof already !== 'string' && !Buffer.isBuffer(already)) return already;
    if (already.length > limit) throw new BodyError('tooLarge', String(limit));
    return parse(already.toString(), options.maxDepth);
  }
  return parse((await readRawBody(req, { limit, drain: options.drain ?? 0 })).toString('utf8'), options.maxDepth);
}

/**
 * The one reader of request bodies as bytes (JSON above, WeChat's XML): within a size limit, declared or
 * sent, and never inflating a compressed body.
 */
export async function readRawBody(req: IncomingMessage, options: { limit: number; drain?: number }): Promise<Buffer> {
  const { limit } = options;
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding !== 'identity') throw new BodyError('encoded', encoding);
  const declared = Number(req.headers['content-length']);
  const drain = options.drain ?? 0;
  // A declared length within the limit is all the parser lets through: read by events, which cost less than
  // the stream's async iterator for the few kilobytes of a turn.
  if (Number.isFinite(declared) && declared <= limit) return readDeclared(req);
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received <= limit && !(declared > limit)) chunks.push(chunk);
    else if (received > drain) {
      if (drain > 0) req.destroy();
      break;
    }
  }
  if (received > limit || declared > limit) throw new BodyError('tooLarge', String(limit));
  return Buffer.concat(chunks);
}

function readDeclared(req: IncomingMessage): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
    };
    const settle = (err?: Error) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', settle);
      req.off('close', onClose);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, received));
    };
    const onEnd = () => settle();
    const onClose = () => settle(Object.assign(new Error('the request was closed before its body was read'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', settle);
    req.on('close', onClose);
    if (req.readableEnded) settle();
  });
}

function parse(text: string, maxDepth: number | undefined): unknown {
  if (maxDepth !== undefined && text.trim() === '') throw new BodyError('empty');
  if (maxDepth !== undefined && jsonDepth(text) > maxDepth) throw new BodyError('tooDeep', String(maxDepth));
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BodyError('badJson', (err as Error).message);
  }
}
