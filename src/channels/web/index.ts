import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Request, Response } from 'restify';
import type { ChannelRegistrar } from '../context.js';
import { PROJECT_ROOT } from '../../knowledge/load.js';
import type { Language } from '../../knowledge/schema.js';
import { pageCsp } from './csp.js';
import { checkTemplate, renderPage } from './page.js';

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

function asset(type: string, body: Buffer): Asset {
  return { type, body, gzip: gzipSync(body), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

function sendAsset(req: Request, res: Response, a: Asset, maxAge: number): void {
  res.setHeader('Content-Type', a.type);
  res.setHeader('ETag', a.etag);
  res.setHeader('Cache-Control', `public, max-age=${maxAge}`);
  res.setHeader('Vary', 'Accept-Encoding');
  if (req.headers['if-none-match'] === a.etag) {
    res.status(304);
    res.end();
    return;
  }
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  if (gzip) res.setHeader('Content-Encoding', 'gzip');
  res.status(200);
  res.end(gzip ? a.gzip : a.body);
}

/**
 * The website widget: GET / (a demo page of the bureau's site with the official Web Chat), GET
 * /embed.js (the few lines other sites embed it with), and the page's assets under /web/, the Web Chat
 * bundle among them, served from the installed botframework-webchat package rather than a CDN.
 */
export const webPage: ChannelRegistrar = (server, ctx) => {
  const webDir = join(PROJECT_ROOT, 'web');
  const template = readFileSync(join(webDir, 'index.html'), 'utf8');
  const unknown = checkTemplate(template);
  if (unknown.length > 0) throw new Error(`web/index.html names placeholders the page does not fill: ${unknown.join(', ')}`);
  // Read and compressed on first request: the Web Chat bundle alone is 5 MB, and compressing it takes a
  // good part of a second that start-up need not wait for. A missing file still stops start-up.
  const files: Record<string, { type: string; path: string; loaded?: Asset }> = {
    'app.js': { type: 'text/javascript; charset=utf-8', path: join(webDir, 'app.js') },
    'display.js': { type: 'text/javascript; charset=utf-8', path: join(webDir, 'display.js') },
    'styles.css': { type: 'text/css; charset=utf-8', path: join(webDir, 'styles.css') },
    'webchat.js': { type: 'text/javascript; charset=utf-8', path: join(PROJECT_ROOT, 'node_modules', 'botframework-webchat', 'dist', 'webchat.js') },
  };
  for (const f of Object.values(files)) if (!existsSync(f.path)) throw new Error(`the web page needs ${f.path}, which is missing`);
  const assetOf = (name: string): Asset | undefined => {
    const f = Object.hasOwn(files, name) ? files[name] : undefined;
    if (f) f.loaded ??= asset(f.type, readFileSync(f.path));
    return f?.loaded;
  };
  const labels = Object.fromEntries(
    (['zh-CN', 'en'] as const).map((lang) => {
      const t = ctx.conversation.t(lang);
      return [lang, { open: t('ui:web.embedOpen'), close: t('ui:web.embedClose'), title: t('ui:web.assistantTitle') }];
    }),
  );
  const embed = asset('text/javascript; charset=utf-8', Buffer.from(readFileSync(join(webDir, 'embed.js'), 'utf8').replace('__EKEY_LABELS__', JSON.stringify(labels))));

  // Azure's Direct Line and its stream (wss on the same host): Web Chat's default connection is the stream.
  const azureOrigin = new URL(ctx.config.DIRECTLINE_DOMAIN).origin;
  const azure = ctx.config.DIRECTLINE_SECRET ? [azureOrigin, azureOrigin.replace(/^http/, 'ws')] : [];
  const ancestors = ctx.config.EKEY_WIDGET_ORIGINS;

  server.get('/', async (req: Request, res: Response) => {
    const query = (req.query ?? {}) as Record<string, unknown>;
    const asked = typeof query.lang === 'string' ? query.lang : undefined;
    const lang: Language = asked === 'en' ? 'en' : 'zh-CN';
    const nonce = randomBytes(16).toString('base64');
    const html = renderPage(template, ctx.knowledge, ctx.conversation.t(lang), { lang, nonce, embed: query.embed === '1', langInUrl: asked === 'en' || asked === 'zh-CN' });
    res.setHeader('Content-Security-Policy', pageCsp({ nonce, connect: azure, frameAncestors: ancestors }));
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.status(200);
    res.end(html);
  });

  server.get('/embed.js', async (req: Request, res: Response) => sendAsset(req, res, embed, 3600));

  server.get('/web/:file', async (req: Request, res: Response) => {
    const a = assetOf(String(req.params.file));
    if (!a) {
      res.status(404);
      res.json({ code: 'NotFound', message: 'no such file' });
      return;
    }
    sendAsset(req, res, a, 3600);
  });
};
