import type { IncomingMessage } from 'node:http';
import { BodyError, readJsonBody } from '../../http/json-body.js';
import { bodyRefusal } from '../../http/refusal.js';

/** Bot Framework activities are a few kilobytes; a card submit with inputs stays far below this. */
export const MAX_ACTIVITY_BYTES = 256 * 1024;

/** Past the limit the rest of the body is read and dropped, up to this much, so the caller gets its 413; then the socket is cut. */
const DRAIN_LIMIT = 16 * MAX_ACTIVITY_BYTES;

/** Far deeper than any activity or card submit nests; past it the SDK's copies and the reply serialiser would recurse without end. */
export const MAX_ACTIVITY_DEPTH = 64;

/**
 * Reads the request body as JSON within a size limit (the service's one body reader), refusing with Bot
 * Framework's codes. Read here rather than by restify's body parser, which would inflate a gzip body
 * without bound and buffer every byte before checking the size.
 */
export async function readActivityBody(req: IncomingMessage, limit = MAX_ACTIVITY_BYTES): Promise<unknown> {
  try {
    return await readJsonBody(req, { limit, maxDepth: MAX_ACTIVITY_DEPTH, drain: DRAIN_LIMIT });
  } catch (err) {
    throw err instanceof BodyError ? bodyRefusal(err) : err;
  }
}
