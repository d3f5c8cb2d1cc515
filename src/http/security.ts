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
}

/**
 * Per-client rate limit on the public endpoints, with restify's own token-bucket throttle (keyed by the
 * client address); over the limit a client gets 429 with a reason.
 */
export function rateLimit(o: RateLimitOptions): restify.RequestHandler {
  const throttle = restify.plugins.throttle({ rate: o.rate, burst: o.burst, ip: true }) as unknown as restify.RequestHandler;
  return (req, res, next) => {
    const path = req.getPath();
    if (!o.prefixes.some((p) => path.startsWith(p))) return next();
    return throttle(req, res, next);
  };
}
