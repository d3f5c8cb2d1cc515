import type { Activity, TurnContext } from 'botbuilder';
import type { Request, Response } from 'restify';
import type { ChannelRegistrar } from '../context.js';
import { renderActivities } from '../../render/activity.js';
import { absoluteBase } from '../../render/links.js';
import { authenticated, createAdapter } from './adapter.js';
import { readActivityBody } from './body.js';
import { bodyLocale, channelOf, conversationKey, type IncomingActivity, parseActivity, turnInput } from './incoming.js';
import { asRefusal, Refusal, sendRefusal } from '../../http/refusal.js';
import { parseLanguage } from '../../i18n.js';
import { requestLanguage } from '../http/cases-api.js';
import { isLoopbackHost, serviceUrlAllowed } from './service-url.js';
import { botFrameworkNoticeSender } from './notice-sender.js';
import { Target } from '../../cases/notify-target.js';

function answer(res: Response, status: number, body?: unknown): void {
  res.status(status);
  if (body === undefined) res.end();
  else res.json(body);
}

/**
 * POST /api/messages: the Bot Framework endpoint for the Emulator, Azure Bot Service, Teams and Azure
 * Web Chat. Checks come before any processing, cheapest first: a bearer token present (with
 * authentication), size and JSON, shape, where the replies would go (without authentication), then the
 * token itself.
 */
export const botFrameworkChannel: ChannelRegistrar = (server, ctx) => {
  const adapter = createAdapter(ctx.config);
  const withAuth = authenticated(ctx.config);
  ctx.notify?.outbox.register('botframework', botFrameworkNoticeSender(ctx, adapter, absoluteBase(ctx.config.EKEY_PUBLIC_URL), ctx.logger.child({ channel: 'botframework' })));
  /** Where a case opened in this conversation is told of its moves; only once the request is authenticated. */
  const remember = (a: IncomingActivity, key: string) => {
    if (!ctx.notify) return;
    if (a.deliveryMode === 'expectReplies' && !withAuth && !serviceUrlAllowed(a.serviceUrl, ctx.config.EKEY_ALLOWED_SERVICE_URLS)) return;
    const fields = {
      kind: 'botframework',
      channelId: a.channelId,
      serviceUrl: a.serviceUrl,
      conversationId: a.conversation.id,
      ...(a.recipient?.id ? { botId: a.recipient.id } : {}),
      ...(a.from?.id ? { userId: a.from.id } : {}),
      ...(typeof a.conversation.tenantId === 'string' ? { tenantId: a.conversation.tenantId } : {}),
    };
    // Checked (a URL parse among it) only if a case is opened: most turns open none.
    ctx.notify.targets.seen(key, () => {
      const parsed = Target.safeParse(fields);
      return parsed.success ? parsed.data : undefined;
    });
  };
  const turn = (a: IncomingActivity, key: string) => async (context: TurnContext) => {
    const input = turnInput(a);
    if (!input) return;
    remember(a, key);
    // The replies are sent inside the conversation's queue, so that replies posted to the serviceUrl
    // arrive in the order of the messages they answer; a failed turn gives the service's one failure message.
    await ctx.conversations.handle({ key, input, channel: channelOf(a), ...(a.locale ? { locale: a.locale } : {}) }, async (result) => {
      const lang = result.state.lang;
      const activities = renderActivities(result.messages, ctx.conversation.t(lang), { channelId: a.channelId, lang, links: absoluteBase(ctx.config.EKEY_PUBLIC_URL) });
      // BotActivity is the SDK's activity without the addressing the adapter fills in.
      if (activities.length > 0) await context.sendActivities(activities as Partial<Activity>[]);
    });
  };

  // Open mode is for the Emulator on this machine: from elsewhere, it would let anyone talk as any
  // channel and time the machine's loopback ports through serviceUrl.
  const loopbackOnly = !withAuth && ctx.config.EKEY_BOTFRAMEWORK_OPEN === 'loopback';

  server.post('/api/messages', async (req: Request, res: Response) => {
    // A refusal is said in the activity's locale once the body is read, before that in the request's (Accept-Language, ?lang=).
    let locale: string | undefined;
    try {
      if (loopbackOnly && !isLoopbackHost(req.socket.remoteAddress ?? '')) throw new Refusal(403, 'Forbidden', { key: 'ui:refusals.botframework.loopbackOnly' });
      const authHeader = req.headers.authorization ?? '';
      // Without a token there is nothing to check, so an unauthenticated caller is not even read.
      if (withAuth && !/^Bearer\s+\S+/i.test(authHeader)) throw new Refusal(401, 'Unauthorized', { key: 'ui:refusals.botframework.tokenRequired' });
      const body = await readActivityBody(req);
      locale = bodyLocale(body);
      const a = parseActivity(body);
      const expectReplies = a.deliveryMode === 'expectReplies';
      // expectReplies answers in this response and calls nothing, so any serviceUrl is harmless there.
      if (!withAuth && !expectReplies && !serviceUrlAllowed(a.serviceUrl, ctx.config.EKEY_ALLOWED_SERVICE_URLS))
        throw new Refusal(403, 'Forbidden', { key: 'ui:refusals.botframework.serviceUrl' });
      const key = conversationKey(a);

      // Without authentication the SDK accepts the empty header as anonymous; a header sent anyway (an
      // Emulator configured with an app id) could not be checked against anything, so it is dropped.
      const auth = await adapter.authenticate(withAuth ? authHeader : '', a).catch((err: Error) => {
        ctx.logger.warn({ err: { message: err.message, name: err.name } }, 'bot framework token refused');
        throw new Refusal(401, 'Unauthorized', { key: 'ui:refusals.botframework.tokenRefused' });
      });
      const response = await adapter.run(auth, a, turn(a, key));
      answer(res, response?.status ?? 200, response?.body);
    } catch (err) {
      const t = ctx.conversation.t(parseLanguage(locale) ?? requestLanguage(req));
      const refusal = asRefusal(err);
      if (refusal) return sendRefusal(res, refusal, t);
      ctx.logger.error({ err: { message: (err as Error).message, name: (err as Error).name } }, 'bot framework turn failed');
      sendRefusal(res, new Refusal(500, 'InternalError', { key: 'ui:refusals.internal' }), t);
    }
  });
};
