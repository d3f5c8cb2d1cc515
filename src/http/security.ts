// Before restify: lets it load on Node 24.
import './restify-node24.js';
import restify from 'restify';
import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { clientAddress } from './client-address.js';

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
  /**
   * Routes, as registered, that are not limited per address: health checks, and the channel endpoints whose
   * few senders (Azure Bot Service, WeChat's servers) push for every user, limited per conversation instead.
   */
  exempt: string[];
  /** The reason a refused client is given, in its language. */
  reason: (req: restify.Request) => string;
}

/**
 * Per-client rate limit, keyed by the client's address (src/http/client-address.ts) and applied to the route
 * the router matched, never to the raw path: "/%63ases/..." reaches the same route as "/cases/..." and so
 * spends the same budget. Over the limit a client gets 429 with a reason and when to try again.
 */
export function rateLimit(o: RateLimitOptions): restify.RequestHandler {
  // A window of `burst` requests per burst/rate seconds: the burst at once, the rate on average.
  const limiter = new RateLimiterMemory({ points: o.burst, duration: Math.max(1, Math.round(o.burst / o.rate)) });
  const exempt = new Set(o.exempt);
  return (req, res, next) => {
    const route = req.getRoute()?.path;
    if (route === undefined || exempt.has(String(route))) return next();
    limiter.consume(clientAddress(req)).then(
      () => next(),
      (refused: RateLimiterRes | Error) => {
        if (refused instanceof Error) return next(refused);
        // The route, never the URL: its query may hold a mobile number or a search.
        req.log?.info({ route }, 'rate limited');
        res.header('Retry-After', String(Math.max(1, Math.ceil(refused.msBeforeNext / 1000))));
        res.status(429);
        res.json({ code: 'TooManyRequests', message: o.reason(req) });
        return next(false);
      },
    );
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
