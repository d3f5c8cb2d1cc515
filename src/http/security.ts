// Before restify: lets it load on Node 24.
import './restify-node24.js';
import restify from 'restify';

/** Headers every response carries: no sniffing, no referrer leaks. Pages add their own CSP. */
export function securityHeaders(): restify.RequestHandler {
  return (_req, res, next) => {
    res.header('X-Content-Type-Options', 'nosniff');
    res.header('Referrer-Policy', 'no-referrer');
    res.header('X-Permitted-Cross-Domain-Policies', 'none');
    return next();
  };
}

export interface RateLimitOptions {
  /** Requests per second a client may sustain. */
  rate: number;
  /** Requests a client may send at once before the rate applies. */
  burst: number;
  /** Path prefixes that are limited; others pass (health checks, WeChat's few shared server addresses). */
  prefixes: string[];
  /** The reason a refused client is given, in its language. */
  reason: (req: restify.Request) => string;
}

/**
 * Per-client rate limit on the public endpoints, with restify's own token-bucket throttle (keyed by the
 * client address); over the limit a client gets 429 with a reason and when to try again.
 */
export function rateLimit(o: RateLimitOptions): restify.RequestHandler {
  const throttle = restify.plugins.throttle({ rate: o.rate, burst: o.burst, ip: true }) as unknown as restify.RequestHandler;
  const retryAfter = String(Math.max(1, Math.ceil(1 / o.rate)));
  return (req, res, next) => {
    const path = req.getPath();
    if (!o.prefixes.some((p) => path.startsWith(p))) return next();
    return throttle(req, res, ((err?: Error & { statusCode?: number }) => {
      if (err?.statusCode !== 429) return next(err);
      res.header('Retry-After', retryAfter);
      res.status(429);
      res.json({ code: 'TooManyRequests', message: o.reason(req) });
      return next(false);
    }) as restify.Next);
  };
}

/**
 * No endpoint takes more than this: a body declared larger is refused before any route sees it, so even
 * a route that reads no body does not have to drain one.
 */
export const MAX_REQUEST_BYTES = 1024 * 1024;

export function bodyCeiling(limit: number, reason: (req: restify.Request) => string): restify.RequestHandler {
  return (req, res, next) => {
    if (!(Number(req.headers['content-length']) > limit)) return next();
    // The unread body is not drained: the connection goes with the answer.
    res.header('Connection', 'close');
    res.status(413);
    res.json({ code: 'PayloadTooLarge', message: reason(req) });
    return next(false);
  };
}
