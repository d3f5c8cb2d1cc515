import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { AppContext, ChannelRegistrar } from '../context.js';
import { checklistHtml, checklistProblemHtml } from '../../render/checklist-html.js';
import { checklistKeyMatches } from '../../cases/checklist-link.js';
import { parseReference } from '../../cases/reference.js';
import type { Outcome } from '../../consult/outcome.js';
import { beijingDate } from '../../dates/beijing.js';
import type { Language } from '../../knowledge/schema.js';

const Query = z.strictObject({ lang: z.enum(['zh-CN', 'zh', 'en']).optional(), key: z.string().max(64).optional(), size: z.enum(['large']).optional() });

// The page is printed, not run: no script, no outside resources, inline style only.
const HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Cache-Control': 'no-store',
  'X-Robots-Tag': 'noindex',
};

/**
 * GET /cases/:ref/checklist?key=…: the printable materials checklist of a case, linked from the chat (&size=large: 大字版). It holds
 * what the handbook says for the case's procedures and the expected dates, never contact details or the
 * status, which stay behind the agent token and the chat's last-four-digits check.
 */
export const checklistRoute: ChannelRegistrar = (server: Server, ctx: AppContext) => {
  server.get('/cases/:ref/checklist', async (req: Request, res: Response) => {
    const query = Query.safeParse(req.query ?? {});
    const lang: Language = query.success && query.data.lang === 'en' ? 'en' : 'zh-CN';
    const t = ctx.conversation.t(lang);
    // Returns nothing: restify logs (with the whole response) any value an async handler returns.
    const page = (status: number, html: string): void => {
      res.sendRaw(status, html, HEADERS);
    };
    const raw = String(req.params?.ref ?? '');
    if (!query.success || parseReference(raw) !== raw) return page(400, checklistProblemHtml(t('ui:checklist.badTitle'), t('ui:agentApi.badReference'), lang));
    try {
      const found = ctx.cases ? await ctx.cases.get(raw) : undefined;
      // A reference without its case's key gets the same 404 as one that does not exist.
      const c = found && checklistKeyMatches(found, query.data.key) ? found : undefined;
      if (!c) return page(404, checklistProblemHtml(t('ui:checklist.notFoundTitle'), t('ui:checklist.notFound'), lang));
      let outcome: Outcome | undefined;
      try {
        const step = await ctx.conversation.consultation.next(c.answers, c.details, { today: c.history[0]?.on ?? c.createdAt.slice(0, 10) });
        if (step.kind === 'outcome') outcome = step.outcome;
      } catch {
        // The rules changed so much that the answers no longer lead anywhere: the page still has the dates.
      }
      return page(
        200,
        checklistHtml({
          c,
          ...(outcome ? { outcome } : {}),
          t,
          lang,
          printedOn: beijingDate(),
          calendarLast: ctx.knowledge.calendar.years.last,
          large: query.data.size === 'large',
        }),
      );
    } catch (err) {
      ctx.logger.error({ err: { name: (err as Error).name, message: (err as Error).message }, reference: raw }, 'checklist failed');
      return page(500, checklistProblemHtml(t('ui:checklist.errorTitle'), t('ui:agentApi.internal'), lang));
    }
  });
};
