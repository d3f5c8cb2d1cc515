import type { IncomingMessage } from 'node:http';
import { BodyError, readJsonBody } from '../../http/json-body.js';

/** Bot Framework activities are a few kilobytes; a card submit with inputs stays far below this. */
export const MAX_ACTIVITY_BYTES = 256 * 1024;

/** A request the endpoint refuses, with the status and the reason the caller gets as JSON. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

/** Past the limit the rest of the body is read and dropped, up to this much, so the caller gets its 413; then the socket is cut. */
const DRAIN_LIMIT = 16 * MAX_ACTIVITY_BYTES;

/** Far deeper than any activity or card submit nests; past it the SDK's copies and the reply serialiser would recurse without end. */
export const MAX_ACTIVITY_DEPTH = 64;

/**
 * Reads the request body as JSON within a size limit (the service's one body reader), refusing in Bot
 * Framework's terms. Read here rather than by restify's body parser, which would inflate a gzip body
 * without bound and buffer every byte before checking the size.
 */
export async function readActivityBody(req: IncomingMessage, limit = MAX_ACTIVITY_BYTES): Promise<unknown> {
  try {
    return await readJsonBody(req, { limit, maxDepth: MAX_ACTIVITY_DEPTH, drain: DRAIN_LIMIT });
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    switch (err.kind) {
      case 'encoded':
        throw new Refusal(415, 'UnsupportedMediaType', `content-encoding "${err.detail}" is not accepted; send the activity uncompressed`);
      case 'tooLarge':
        throw new Refusal(413, 'PayloadTooLarge', `the activity exceeds ${limit} bytes`);
      case 'empty':
        throw new Refusal(400, 'BadRequest', 'the request has no body; expected an activity as JSON');
      case 'tooDeep':
        throw new Refusal(400, 'BadRequest', `the activity nests deeper than ${MAX_ACTIVITY_DEPTH} levels`);
      default:
        throw new Refusal(400, 'BadRequest', `the body is not valid JSON: ${err.detail}`);
    }
  }
}
