import type { Request, Response, Server } from 'restify';
import type { z } from 'zod';
import type { AppContext, ChannelRegistrar } from '../context.js';
import { agentView, caseSummary } from '../../cases/agent-view.js';
import { CaseNotFoundError, TransitionError } from '../../cases/errors.js';
import { lifecycleText } from '../../cases/lifecycle.js';
import { parseReference } from '../../cases/reference.js';
import type { CaseService } from '../../cases/service.js';
import { parseLanguage, type Translate } from '../../i18n.js';
import type { Language } from '../../knowledge/schema.js';
import { CallbackBody, ListQuery, toCaseQuery, TransitionBody } from '../../cases/requests.js';
import { bearerMatches } from './agent-auth.js';
import { readJsonBody } from '../../http/json-body.js';
import { inputRefusal } from './refusals.js';

export function requestLanguage(req: Request): Language {
  const asked = req.query && typeof req.query.lang === 'string' ? req.query.lang : req.headers['accept-language'];
  return parseLanguage(asked) ?? 'zh-CN';
}

function fields(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '$'}: ${i.message}`).join('; ');
}

/**
 * The helpdesk's API under /api/cases. Off (503) unless EKEY_AGENT_TOKEN is set, never open; every
 * request needs `Authorization: Bearer <token>`. Answers are JSON; refusals carry a code and a reason.
 */
export const casesApi: ChannelRegistrar = (server: Server, ctx: AppContext) => {
  const token = ctx.config.EKEY_AGENT_TOKEN;
  const send = (res: Response, status: number, body: unknown) => {
    res.status(status);
    res.json(body);
  };
  const refuse = (res: Response, status: number, code: string, message: string, extra: object = {}) => send(res, status, { code, message, ...extra });

  /** The checks every agent request passes before it sees a case; undefined means answered already. */
  const admit = (req: Request, res: Response): { t: Translate; cases: CaseService; reference?: string } | undefined => {
    const t = ctx.conversation.t(requestLanguage(req));
    if (!token || !ctx.cases) {
      refuse(res, 503, 'AgentApiDisabled', t('ui:agentApi.disabled'));
      return undefined;
    }
    if (!bearerMatches(req.headers.authorization, token)) {
      res.header('WWW-Authenticate', 'Bearer realm="ekey-helpdesk"');
      refuse(res, 401, 'Unauthorized', t('ui:agentApi.unauthorized'));
      return undefined;
    }
    const raw = req.params?.ref as string | undefined;
    if (raw === undefined) return { t, cases: ctx.cases };
    // Only the canonical form is accepted: whatever else a path holds ("../", "%2F", spaces) is refused.
    if (parseReference(raw) !== raw) {
      refuse(res, 400, 'BadReference', t('ui:agentApi.badReference'));
      return undefined;
    }
    return { t, cases: ctx.cases, reference: raw };
  };

  const failed = (res: Response, t: Translate, err: unknown, reference?: string) => {
    if (err instanceof CaseNotFoundError) return refuse(res, 404, 'NotFound', t('ui:agentApi.notFound', { reference: err.reference }));
    if (err instanceof TransitionError)
      return refuse(
        res,
        409,
        'IllegalTransition',
        t('ui:agentApi.illegalTransition', { from: lifecycleText(ctx.knowledge, t, err, 'statuses', err.from), to: lifecycleText(ctx.knowledge, t, err, 'statuses', err.to) }),
        { from: err.from, to: err.to, allowed: err.allowed },
      );
    const refusal = inputRefusal(err, t);
    if (refusal) {
      if (refusal.close) res.setHeader('Connection', 'close');
      return refuse(res, refusal.status, refusal.code, refusal.message, refusal.extra);
    }
    ctx.logger.error({ err: { name: (err as Error).name, message: (err as Error).message }, reference }, 'agent API request failed');
    return refuse(res, 500, 'InternalError', t('ui:agentApi.internal'));
  };

  server.get('/api/cases', async (req: Request, res: Response) => {
    const ok = admit(req, res);
    if (!ok) return;
    const query = ListQuery.safeParse(req.query ?? {});
    if (!query.success) return refuse(res, 400, 'BadQuery', ok.t('ui:agentApi.badQuery', { fields: fields(query.error) }));
    const q = query.data;
    try {
      const page = await ok.cases.list(toCaseQuery(q));
      send(res, 200, {
        items: page.items.map((c) => caseSummary(ok.cases, c, ok.t)),
        total: page.total,
        page: q.page,
        pageSize: q.pageSize,
        pages: Math.ceil(page.total / q.pageSize),
      });
    } catch (err) {
      failed(res, ok.t, err);
    }
  });

  server.get('/api/cases/:ref', async (req: Request, res: Response) => {
    const ok = admit(req, res);
    if (!ok?.reference) return;
    try {
      send(res, 200, agentView(ok.cases, await ok.cases.require(ok.reference), ok.t));
    } catch (err) {
      failed(res, ok.t, err, ok.reference);
    }
  });

  server.post('/api/cases/:ref/transitions', async (req: Request, res: Response) => {
    const ok = admit(req, res);
    if (!ok?.reference) return;
    try {
      const body = TransitionBody.safeParse(await readJsonBody(req, { requireJsonType: true }));
      if (!body.success) return refuse(res, 400, 'BadBody', ok.t('ui:agentApi.badBody', { fields: fields(body.error) }));
      const before = await ok.cases.require(ok.reference);
      const after = await ok.cases.transition(ok.reference, body.data);
      ctx.logger.info({ reference: ok.reference, from: before.status, to: after.status }, 'case status changed');
      send(res, 200, agentView(ok.cases, after, ok.t));
    } catch (err) {
      failed(res, ok.t, err, ok.reference);
    }
  });

  server.del('/api/cases/:ref/contact', async (req: Request, res: Response) => {
    const ok = admit(req, res);
    if (!ok?.reference) return;
    try {
      const after = await ok.cases.eraseContact(ok.reference);
      ctx.logger.info({ reference: ok.reference }, 'case contact details erased');
      send(res, 200, agentView(ok.cases, after, ok.t));
    } catch (err) {
      failed(res, ok.t, err, ok.reference);
    }
  });

  server.post('/api/cases/:ref/callback', async (req: Request, res: Response) => {
    const ok = admit(req, res);
    if (!ok?.reference) return;
    try {
      const body = CallbackBody.safeParse(await readJsonBody(req, { requireJsonType: true }));
      if (!body.success) return refuse(res, 400, 'BadBody', ok.t('ui:agentApi.badBody', { fields: fields(body.error) }));
      await ok.cases.require(ok.reference);
      send(res, 200, agentView(ok.cases, await ok.cases.callbackDone(ok.reference, body.data.agent), ok.t));
    } catch (err) {
      failed(res, ok.t, err, ok.reference);
    }
  });
};
