import type { Request, Response } from 'restify';
import type { ChannelRegistrar } from '../context.js';
import { parseLanguage } from '../../i18n.js';
import type { Language } from '../../knowledge/schema.js';
import { type Chart, Flowcharts } from '../../flowcharts/flowcharts.js';
import { flowchartHtml } from '../../render/flowchart-html.js';

// The page shows the picture from this service and its own inline style: nothing else loads, nothing runs.
const PAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const NAME = /^([a-z][a-zA-Z0-9-]*)\.(svg|png|html)$/;

function language(raw: unknown): Language | undefined {
  return raw === undefined || raw === '' ? 'zh-CN' : parseLanguage(raw);
}

/**
 * GET /flowcharts/<procedure>.svg and .png (?lang=en for English labels): each procedure's flowchart,
 * drawn from its steps on first request and then served from memory with an ETag; .html: the page the
 * chat links, the picture with the chart in words under it.
 */
export function flowchartRoutes(flowcharts?: Flowcharts): ChannelRegistrar {
  return (server, ctx) => {
    const charts = flowcharts ?? new Flowcharts(ctx.knowledge, ctx.config.EKEY_CJK_FONT);
    if (!charts.fonts) ctx.logger.warn('no font with Chinese characters found: PNG flowcharts are off (install fonts-droid-fallback or set EKEY_CJK_FONT)');

    server.get('/flowcharts/:name', async (req: Request, res: Response) => {
      const refuse = (status: number, code: string, message: string) => {
        res.status(status);
        res.json({ code, message });
      };
      const m = NAME.exec(String(req.params.name ?? ''));
      const lang = language((req.query as Record<string, unknown> | undefined)?.lang);
      const t = ctx.conversation.t(lang ?? 'zh-CN');
      if (!lang) {
        refuse(400, 'BadRequest', t('ui:flowchart.badLanguage'));
        return;
      }
      if (!m || !charts.has(m[1] as string)) {
        refuse(404, 'NotFound', t('ui:flowchart.unknownProcedure', { id: String(req.params.name ?? '').slice(0, 64) }));
        return;
      }
      const [, procedure, format] = m as unknown as [string, string, 'svg' | 'png' | 'html'];
      if (format === 'html') {
        const html = flowchartHtml({ procedure, chart: charts.text(procedure, lang), t, lang, png: Boolean(charts.fonts) });
        res.sendRaw(200, html, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': PAGE_CSP, 'Cache-Control': 'public, max-age=3600' });
        return;
      }
      let chart: Chart<string | Buffer>;
      try {
        if (format === 'svg') chart = await charts.svg(procedure, lang);
        else {
          const png = charts.png(procedure, lang);
          if (!png) {
            refuse(503, 'NoChineseFont', t('ui:flowchart.noFont'));
            return;
          }
          chart = await png;
        }
      } catch (err) {
        ctx.logger.error({ err: { message: (err as Error).message, name: (err as Error).name }, procedure, format }, 'flowchart failed');
        refuse(500, 'InternalError', 'internal error');
        return;
      }
      res.setHeader('ETag', chart.etag);
      res.setHeader('Cache-Control', 'public, max-age=3600');
      // An SVG opened on its own is a document: it may run nothing and load nothing.
      res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
      if (req.headers['if-none-match'] === chart.etag) {
        res.status(304);
        res.end();
        return;
      }
      res.setHeader('Content-Type', format === 'svg' ? 'image/svg+xml; charset=utf-8' : 'image/png');
      res.status(200);
      res.end(chart.body);
    });
  };
}
