import type { Request, RequestHandler, Response, Server } from 'restify';

/**
 * Cross-origin access for the sites listed in EKEY_WIDGET_ORIGINS, which may run Web Chat on their own
 * pages against this server. Without the list only this server's own page (same origin) can call.
 */
export function allowWidgetOrigins(server: Server, origins: string[], prefixes: string[]): void {
  const allowed = new Set(origins.map((o) => o.replace(/\/+$/, '')));
  const headers = (req: Request, res: Response): boolean => {
    const origin = req.headers.origin;
    if (!origin || !allowed.has(origin)) return false;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    return true;
  };
  const onRoutes: RequestHandler = (req, res, next) => {
    if (prefixes.some((p) => req.getPath().startsWith(p))) headers(req, res);
    return next();
  };
  server.pre(onRoutes);
  for (const prefix of prefixes)
    server.opts(`${prefix}/*`, (req: Request, res: Response, next: () => void) => {
      if (headers(req, res)) {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, x-ms-bot-agent, x-requested-with');
        res.setHeader('Access-Control-Max-Age', '600');
      }
      res.status(204);
      res.end();
      return next();
    });
}

/**
 * Whether a request may open a conversation: a browser names the page's origin, which must be this
 * server's own (as the client reached it, or EKEY_PUBLIC_URL) or one of EKEY_WIDGET_ORIGINS, so that
 * another site cannot spend a visitor's quota; a request without Origin is no browser's and passes.
 */
export function originAllowed(req: Request, origins: string[], publicUrl: string | undefined): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const own = [`${req.isSecure() ? 'https' : 'http'}://${req.headers.host ?? ''}`, ...(publicUrl ? [new URL(publicUrl).origin] : [])];
  return own.includes(origin) || origins.some((o) => o.replace(/\/+$/, '') === origin);
}
