import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Request, Response, Server } from 'restify';
import type { AppContext } from '../context.js';
import { renderDeskPage } from '../web/desk-page.js';
import type { Language } from '../../knowledge/schema.js';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
};

/** The console's policy: its own scripts, styles and images only, requests only to this service, never framed. */
export const DESK_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * GET /desk (the console's index.html) and GET /desk/<file> (its scripts, styles, images), read from
 * `dir` (web/desk/) as they are: the console is written there, this only serves it under a strict CSP.
 */
export function deskPage(server: Server, dir: string, ctx: AppContext): void {
  const serve = async (res: Response, file: string, lang: Language = 'zh-CN') => {
    const ext = /\.([a-z]+)$/.exec(file)?.[1] ?? '';
    let body: Buffer;
    try {
      body = await readFile(join(dir, file));
    } catch {
      res.status(404);
      res.json({ code: 'NotFound', message: 'no such file' });
      return;
    }
    // The page's words, in the language of the address, are filled in as the demo page's are.
    if (file === 'index.html') body = Buffer.from(renderDeskPage(body.toString('utf8'), ctx.knowledge, ctx.conversation.t(lang), lang));
    res.setHeader('Content-Type', TYPES[ext] ?? 'application/octet-stream');
    res.setHeader('Content-Security-Policy', DESK_CSP);
    res.setHeader('Cache-Control', ext === 'html' ? 'no-store' : 'no-cache');
    res.setHeader('X-Frame-Options', 'DENY');
    res.status(200);
    res.end(body);
  };
  server.get('/desk', async (req: Request, res: Response) => serve(res, 'index.html', (req.query as Record<string, unknown> | undefined)?.lang === 'en' ? 'en' : 'zh-CN'));
  server.get('/desk/:file', async (req: Request, res: Response) => {
    const file = String(req.params.file ?? '');
    // Only plain names of known kinds: nothing outside the folder, no hidden files.
    if (!/^[a-z0-9][a-z0-9._-]{0,80}$/i.test(file) || file.includes('..') || !TYPES[/\.([a-z]+)$/.exec(file)?.[1] ?? '']) {
      res.status(404);
      res.json({ code: 'NotFound', message: 'no such file' });
      return;
    }
    return serve(res, file);
  });
}
