import type { IncomingMessage } from 'node:http';
import { jsonDepth } from '../../http/json-depth.js';

/** Bot Framework activities are a few kilobytes; a card submit with inputs stays far below this. */
export const MAX_ACTIVITY_BYTES = 256 * 1024;

/** A request the endpoint refuses, with the status and the reason the caller gets as JSON. */
export class Refusal extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'Refusal';
  }
}

/** Past the limit the rest of the body is read and dropped, up to this much, so the caller gets its 413; then the socket is cut. */
const DRAIN_LIMIT = 16 * MAX_ACTIVITY_BYTES;

/**
 * Reads the request body as JSON within a size limit. Read here rather than by restify's body parser,
 * which would inflate a gzip body without bound and buffer every byte before checking the size.
 */
export async function readJsonBody(req: IncomingMessage, limit = MAX_ACTIVITY_BYTES): Promise<unknown> {
  // A body parser installed server-wide would have consumed the stream already: reading it again would wait forever.
  const parsed = req as IncomingMessage & { _readBody?: boolean; body?: unknown };
  if (parsed._readBody) return typeof parsed.body === 'string' || Buffer.isBuffer(parsed.body) ? parseJson(parsed.body.toString()) : parsed.body;
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding !== 'identity') throw new Refusal(415, 'UnsupportedMediaType', `content-encoding "${encoding}" is not accepted; send the activity uncompressed`);
  const declared = Number(req.headers['content-length']);
  const tooLarge = () => new Refusal(413, 'PayloadTooLarge', `the activity exceeds ${limit} bytes`);

  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received <= limit && !(declared > limit)) chunks.push(chunk);
    else if (received > DRAIN_LIMIT) {
      req.destroy();
      break;
    }
  }
  if (received > limit || declared > limit) throw tooLarge();

  return parseJson(Buffer.concat(chunks).toString('utf8'));
}

/** Far deeper than any activity or card submit nests; past it the SDK's copies and the reply serialiser would recurse without end. */
export const MAX_ACTIVITY_DEPTH = 64;

function parseJson(text: string): unknown {
  if (text.trim() === '') throw new Refusal(400, 'BadRequest', 'the request has no body; expected an activity as JSON');
  if (jsonDepth(text) > MAX_ACTIVITY_DEPTH) throw new Refusal(400, 'BadRequest', `the activity nests deeper than ${MAX_ACTIVITY_DEPTH} levels`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Refusal(400, 'BadRequest', `the body is not valid JSON: ${(err as Error).message}`);
  }
}
