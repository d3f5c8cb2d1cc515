import type { IncomingMessage } from 'node:http';

export class BodyError extends Error {
  constructor(readonly kind: 'tooLarge' | 'notJson' | 'badJson' | 'encoded') {
    super(kind);
    this.name = 'BodyError';
  }
}

/** Reads a small JSON body: only application/json, at most `limit` bytes, parsed or refused. */
export async function readJsonBody(req: IncomingMessage, limit = 16 * 1024): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new BodyError('notJson');
  // A compressed body would be read as if it were plain: it is refused, never inflated.
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding !== 'identity') throw new BodyError('encoded');
  // A body parser installed server-wide may have read the stream already: take what it kept.
  const kept = (req as { rawBody?: unknown; body?: unknown }).rawBody ?? (req as { body?: unknown }).body;
  if (kept !== undefined) {
    if (typeof kept !== 'string' && !Buffer.isBuffer(kept)) return kept;
    if (kept.length > limit) throw new BodyError('tooLarge');
    try {
      return JSON.parse(kept.toString());
    } catch {
      throw new BodyError('badJson');
    }
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyError('tooLarge');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BodyError('badJson');
  }
}
