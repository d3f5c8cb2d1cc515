import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { CaseConflictError, CaseNotFoundError, TransitionError } from '../../cases/errors.js';
import { lifecycleText } from '../../cases/lifecycle.js';
import { procedureId, searchText, statusId } from '../../cases/query-words.js';
import { parseReference } from '../../cases/reference.js';
import { isValidDate, beijingDate } from '../../dates/beijing.js';
import type { Accounts } from '../../desk/accounts.js';
import type { DeskSession, Sessions, SignInLockout } from '../../desk/sessions.js';
import { MAX_AGE_MS } from '../../desk/sessions.js';
import { readJsonBody } from '../../http/json-body.js';
import { inputRefusal } from '../http/refusals.js';
import { parseLanguage, type Translate } from '../../i18n.js';
import type { Language } from '../../knowledge/schema.js';
import type { CaseRecord } from '../../cases/case-schema.js';
import { clearCookie, httpsChecker, sessionCookie, setCookie } from './session-http.js';
import { deskViews } from './views.js';

export interface DeskParts {
  accounts: Accounts;
  sessions: Sessions;
  lockout: SignInLockout;
}

const SignIn = z.strictObject({ name: z.string().min(1).max(100), password: z.string().min(1).max(1000) });
const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((d) => isValidDate(Number(d.slice(0, 4)), Number(d.slice(5, 7)), Number(d.slice(8, 10))));
const ListQuery = z.object({
  text: z.string().trim().max(100).optional(),
  status: z.string().trim().max(100).optional(),
  procedure: z.string().trim().max(100).optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  callback: z.enum(['true', 'false']).optional(),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
  lang: z.string().optional(),
});
const Transition = z.strictObject({
  to: z.string().min(1).max(100),
  remark: z.string().trim().max(2000).optional(),
  resubmit: z.array(z.string().min(1).max(100)).max(20).optional(),
  version: z.number().int().min(0),
});
const Versioned = z.strictObject({ version: z.number().int().min(0) });
const GuideInput = z.union([
  z.strictObject({ start: z.literal(true) }),
  z.strictObject({ text: z.string().max(2000) }),
  z.strictObject({ question: z.string().min(1).max(100), answer: z.string().min(1).max(100) }),
  z.strictObject({ change: z.string().min(1).max(100) }),
  z.strictObject({ command: z.enum(['back', 'restart']) }),
]);
const Guide = z.strictObject({
  conversation: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,64}$/)
    .optional(),
  input: GuideInput,
});

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** The desk's JSON API under /desk/api (briefs/desk-api.md): sessions, cases, call-backs, figures, the guide. */
export function deskApi(server: Server, ctx: AppContext, parts: DeskParts): void {
  const { accounts, sessions, lockout } = parts;
  const isHttps = httpsChecker(ctx.config.EKEY_TRUSTED_PROXIES);
  const translators = (lang: Language) => ctx.conversation.t(lang);
  const send = (res: Response, status: number, body?: unknown) => {
    res.status(status);
    if (body === undefined) res.end();
    else res.json(body);
  };
  const refuse = (res: Response, status: number, code: string, message: string) => send(res, status, { code, message });
  const language = (req: Request, session?: DeskSession): Language => {
    const asked = typeof req.query?.lang === 'string' ? parseLanguage(req.query.lang) : undefined;
    return asked ?? session?.lang ?? parseLanguage(req.headers['accept-language']) ?? 'zh-CN';
  };

  /** The session the request belongs to, checked against its account; answers 401/403 itself when there is none. */
  const admit = async (req: Request, res: Response, opts: { change?: boolean; supervisor?: boolean } = {}) => {
    const id = sessionCookie(req);
    let session = await sessions.touch(id);
    if (session) {
      const account = await accounts.store.get(session.name);
      // A disabled account, or one whose password was reset, ends its sessions at the next request.
      if (!account || account.disabled || account.changedAt !== session.accountChangedAt) {
        await sessions.end(session.id);
        session = undefined;
      }
    }
    const t = ctx.conversation.t(language(req, session));
    if (!session) {
      refuse(res, 401, 'Unauthorized', t('ui:deskApi.unauthorized'));
      return undefined;
    }
    if (opts.change) {
      const given = req.headers['x-csrf-token'];
      if (typeof given !== 'string' || !sameSecret(given, session.csrf)) {
        refuse(res, 403, 'CsrfRefused', t('ui:deskApi.csrfRefused'));
        return undefined;
      }
    }
    if (opts.supervisor && session.role !== 'supervisor') {
      refuse(res, 403, 'Forbidden', t('ui:deskApi.forbidden'));
      return undefined;
    }
    if (!ctx.cases) {
      refuse(res, 503, 'CasesUnavailable', t('ui:deskApi.unavailable'));
      return undefined;
    }
    return { session, t, cases: ctx.cases, views: deskViews(ctx.cases, t) };
  };

  const reference = (req: Request, res: Response, t: Translate): string | undefined => {
    const raw = String(req.params?.ref ?? '');
    if (parseReference(raw) === raw) return raw;
    refuse(res, 400, 'BadReference', t('ui:agentApi.badReference'));
    return undefined;
  };

  const failed = (res: Response, t: Translate, err: unknown, ref?: string) => {
    if (err instanceof CaseNotFoundError) return refuse(res, 404, 'NotFound', t('ui:agentApi.notFound', { reference: err.reference }));
    if (err instanceof CaseConflictError)
      return err.holder
        ? refuse(res, 409, 'Conflict', t('ui:deskApi.claimedByOther', { agent: err.holder }))
        : refuse(res, 409, 'Conflict', t('ui:deskApi.conflict', { reference: err.reference }));
    if (err instanceof TransitionError)
      return refuse(
        res,
        400,
        'IllegalTransition',
        t('ui:agentApi.illegalTransition', { from: lifecycleText(ctx.knowledge, t, err, 'statuses', err.from), to: lifecycleText(ctx.knowledge, t, err, 'statuses', err.to) }),
      );
    const refusal = inputRefusal(err, t);
    if (refusal) {
      if (refusal.close) res.setHeader('Connection', 'close');
      return refuse(res, refusal.status, refusal.code, refusal.message);
    }
    ctx.logger.error({ err: { name: (err as Error).name, message: (err as Error).message }, reference: ref }, 'desk request failed');
    return refuse(res, 500, 'InternalError', t('ui:agentApi.internal'));
  };
  const badBody = (res: Response, t: Translate, error: z.ZodError) =>
    refuse(res, 400, 'BadBody', t('ui:agentApi.badBody', { fields: error.issues.map((i) => `${i.path.join('.') || '$'}: ${i.message}`).join('; ') }));

  server.post('/desk/api/session', async (req: Request, res: Response) => {
    const lang = language(req);
    const t = ctx.conversation.t(lang);
    try {
      const body = SignIn.safeParse(await readJsonBody(req, { requireJsonType: true }));
      if (!body.success) return badBody(res, t, body.error);
      const { name, password } = body.data;
      const wait = lockout.lockedFor(name);
      if (wait !== undefined) {
        ctx.logger.warn({ agent: name }, 'desk sign-in refused: too many failures');
        res.setHeader('Retry-After', String(wait));
        return refuse(res, 429, 'TooManyAttempts', t('ui:deskApi.locked', { minutes: Math.ceil(wait / 60) }));
      }
      const account = await accounts.authenticate(name, password);
      if (!account) {
        lockout.fail(name);
        ctx.logger.warn({ agent: name }, 'desk sign-in failed');
        return refuse(res, 401, 'BadCredentials', t('ui:deskApi.badCredentials'));
      }
      lockout.succeed(name);
      const asked = typeof req.query?.lang === 'string' ? parseLanguage(req.query.lang) : undefined;
      const session = await sessions.begin(account.name, account.role, account.changedAt, asked);
      res.setHeader('Set-Cookie', setCookie(session.id, isHttps(req), MAX_AGE_MS / 1000));
      res.setHeader('Cache-Control', 'no-store');
      ctx.logger.info({ agent: account.name, role: account.role }, 'desk sign-in');
      send(res, 200, { name: session.name, role: session.role, csrf: session.csrf });
    } catch (err) {
      failed(res, t, err);
    }
  });

  server.get('/desk/api/session', async (req: Request, res: Response) => {
    const ok = await admit(req, res);
    if (!ok) return;
    res.setHeader('Cache-Control', 'no-store');
    send(res, 200, { name: ok.session.name, role: ok.session.role, csrf: ok.session.csrf });
  });

  server.del('/desk/api/session', async (req: Request, res: Response) => {
    const ok = await admit(req, res, { change: true });
    if (!ok) return;
    await sessions.end(ok.session.id);
    ctx.logger.info({ agent: ok.session.name }, 'desk sign-out');
    res.setHeader('Set-Cookie', clearCookie(isHttps(req)));
    send(res, 204);
  });

  server.get('/desk/api/cases', async (req: Request, res: Response) => {
    const ok = await admit(req, res);
    if (!ok) return;
    const parsed = ListQuery.safeParse(req.query ?? {});
    if (!parsed.success) return refuse(res, 400, 'BadQuery', ok.t('ui:agentApi.badQuery', { fields: parsed.error.issues.map((i) => i.path.join('.')).join(', ') }));
    const q = parsed.data;
    const status = q.status ? statusId(ctx.knowledge, translators, q.status) : undefined;
    if (q.status && !status) return refuse(res, 400, 'UnknownStatus', ok.t('ui:deskApi.unknownStatusWord', { word: q.status }));
    const procedure = q.procedure ? procedureId(ctx.knowledge, translators, q.procedure) : undefined;
    if (q.procedure && !procedure) return refuse(res, 400, 'UnknownProcedure', ok.t('ui:deskApi.unknownProcedureWord', { word: q.procedure }));
    try {
      const page = await ok.cases.list({
        ...(q.text ? { text: searchText(q.text) } : {}),
        ...(status ? { status } : {}),
        ...(procedure ? { procedure } : {}),
        ...(q.from ? { from: q.from } : {}),
        ...(q.to ? { to: q.to } : {}),
        ...(q.callback ? { callback: q.callback === 'true' } : {}),
        offset: (q.page - 1) * q.pageSize,
        limit: q.pageSize,
      });
      send(res, 200, { total: page.total, page: q.page, pageSize: q.pageSize, cases: page.items.map(ok.views.summary) });
    } catch (err) {
      failed(res, ok.t, err);
    }
  });

  server.get('/desk/api/cases/:ref', async (req: Request, res: Response) => {
    const ok = await admit(req, res);
    const ref = ok && reference(req, res, ok.t);
    if (!ok || !ref) return;
    try {
      send(res, 200, ok.views.detail(await ok.cases.require(ref)));
    } catch (err) {
      failed(res, ok.t, err, ref);
    }
  });

  server.post('/desk/api/cases/:ref/transitions', async (req: Request, res: Response) => {
    const ok = await admit(req, res, { change: true });
    const ref = ok && reference(req, res, ok.t);
    if (!ok || !ref) return;
    try {
      const body = Transition.safeParse(await readJsonBody(req, { requireJsonType: true }));
      if (!body.success) return badBody(res, ok.t, body.error);
      const { to, remark, resubmit, version } = body.data;
      const before = await ok.cases.require(ref);
      const after = await ok.cases.transition(ref, { to, agent: ok.session.name, version, ...(remark ? { remark } : {}), ...(resubmit ? { resubmit } : {}) });
      ctx.logger.info({ reference: ref, from: before.status, to: after.status, agent: ok.session.name }, 'case status changed');
      send(res, 200, ok.views.detail(after));
    } catch (err) {
      failed(res, ok.t, err, ref);
    }
  });

  server.del('/desk/api/cases/:ref/contact', async (req: Request, res: Response) => {
    const ok = await admit(req, res, { change: true });
    const ref = ok && reference(req, res, ok.t);
    if (!ok || !ref) return;
    try {
      const body = Versioned.safeParse(await readJsonBody(req, { requireJsonType: true }));
      if (!body.success) return badBody(res, ok.t, body.error);
      const after = await ok.cases.eraseContact(ref, body.data.version);
      ctx.logger.info({ reference: ref, agent: ok.session.name }, 'case contact details erased');
      send(res, 200, ok.views.detail(after));
    } catch (err) {
      failed(res, ok.t, err, ref);
    }
  });

  server.get('/desk/api/callbacks', async (req: Request, res: Response) => {
    const ok = await admit(req, res);
    if (!ok) return;
    try {
      const page = await ok.cases.list({ callback: true, offset: 0, limit: Number.MAX_SAFE_INTEGER });
      const open = page.items.sort((a, b) => (a.callback?.requestedAt ?? '').localeCompare(b.callback?.requestedAt ?? ''));
      send(res, 200, { callbacks: open.map(ok.views.callbackItem) });
    } catch (err) {
      failed(res, ok.t, err);
    }
  });

  for (const action of ['claim', 'resolve'] as const)
    server.post(`/desk/api/callbacks/:ref/${action}`, async (req: Request, res: Response) => {
      const ok = await admit(req, res, { change: true });
      const ref = ok && reference(req, res, ok.t);
      if (!ok || !ref) return;
      try {
        const c = await ok.cases.require(ref);
        if (!c.callback || c.callback.doneAt) return refuse(res, 404, 'NoCallback', ok.t('ui:deskApi.noCallback', { reference: ref }));
        const after = action === 'claim' ? await ok.cases.claimCallback(ref, ok.session.name) : await ok.cases.callbackDone(ref, ok.session.name);
        ctx.logger.info({ reference: ref, agent: ok.session.name }, action === 'claim' ? 'call-back claimed' : 'call-back resolved');
        send(res, 200, ok.views.detail(after));
      } catch (err) {
        failed(res, ok.t, err, ref);
      }
    });

  server.get('/desk/api/figures', async (req: Request, res: Response) => {
    const ok = await admit(req, res, { supervisor: true });
    if (!ok) return;
    try {
      send(res, 200, await figures(ctx, ok.cases, ok.t));
    } catch (err) {
      failed(res, ok.t, err);
    }
  });

  server.post('/desk/api/guide', async (req: Request, res: Response) => {
    const ok = await admit(req, res, { change: true });
    if (!ok) return;
    try {
      const body = Guide.safeParse(await readJsonBody(req, { requireJsonType: true }));
      if (!body.success) return badBody(res, ok.t, body.error);
      const conversation = body.data.conversation ?? randomBytes(16).toString('base64url');
      const key = `desk:${ok.session.name}:${conversation}`;
      const result = await ctx.conversations.handle({ key, input: body.data.input, locale: language(req, ok.session), channel: 'desk', agent: ok.session.name });
      send(res, 200, { conversation, messages: result.messages });
    } catch (err) {
      failed(res, ok.t, err);
    }
  });
}

/** The supervisor's figures: cases per status and procedure, stages past their expected end, feedback, messages not understood. */
async function figures(ctx: AppContext, cases: NonNullable<AppContext['cases']>, t: Translate) {
  const all = (await cases.list({ offset: 0, limit: Number.MAX_SAFE_INTEGER })).items;
  const count = <K extends string>(keys: (c: CaseRecord) => K[]) => {
    const m = new Map<K, { c: CaseRecord; n: number }>();
    for (const c of all) for (const key of keys(c)) m.set(key, { c: m.get(key)?.c ?? c, n: (m.get(key)?.n ?? 0) + 1 });
    return m;
  };
  const byStatus = [...count((c) => [c.status])].map(([id, { c, n }]) => ({ id, label: lifecycleText(ctx.knowledge, t, c, 'statuses', id), count: n }));
  const byProcedure = [...count((c) => c.procedures)].map(([id, { n }]) => ({ id, label: t(`procedures:${id}.title`), count: n }));
  const today = beijingDate();
  const overdue = all.flatMap((c) => {
    const running = cases.status(c)?.final ? undefined : cases.running(c);
    return running && running.end < today ? [{ reference: c.reference, stage: running.stage, label: t(`procedures:${c.tracked}.stages.${running.stage}`), due: running.end }] : [];
  });
  const insights = await ctx.insights?.snapshot();
  const feedback = Object.entries(insights?.feedback ?? {}).map(([procedure, f]) => ({
    procedure,
    label: ctx.knowledge.procedures.has(procedure) ? t(`procedures:${procedure}.title`) : procedure,
    helpful: f.helpful,
    notHelpful: f.notHelpful,
  }));
  const notUnderstood = [...(insights?.notUnderstood ?? [])].reverse().map((e) => ({ text: e.text, at: e.at }));
  return { byStatus, byProcedure, overdue, feedback, notUnderstood };
}
