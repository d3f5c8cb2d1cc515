import type restify from 'restify';
import type { Logger } from '../logger.js';
import type { Metrics } from './metrics.js';

const SAFE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Gives every request an id (a caller's X-Request-Id when it is sane, else restify's), returns it, and
 * logs one line per request: method, route, status, duration. Never the body, query or headers, which may
 * carry personal data or tokens.
 */
export function requestIds(): restify.RequestHandler {
  return (req, res, next) => {
    const given = req.header('x-request-id');
    const id = given && SAFE_ID.test(given) ? given : req.getId();
    (req as restify.Request & { requestId?: string }).requestId = id;
    res.header('X-Request-Id', id);
    return next();
  };
}

export function accessLog(server: restify.Server, logger: Logger, metrics: Metrics): void {
  server.on('after', (req: restify.Request & { requestId?: string }, res: restify.Response) => {
    const route = req.getRoute()?.path?.toString() ?? 'unmatched';
    const seconds = (Date.now() - req.time()) / 1000;
    metrics.observeHttp(req.method ?? 'GET', route, res.statusCode, seconds);
    logger.info({ reqId: req.requestId, method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
  });
}
