import type { Activity, TurnContext } from 'botbuilder';
import type { Request, Response } from 'restify';
import type { ChannelRegistrar } from '../context.js';
import { renderActivities } from '../../render/activity.js';
import { absoluteBase } from '../../render/links.js';
import { authenticated, createAdapter } from './adapter.js';
import { readActivityBody, Refusal } from './body.js';
import { channelOf, conversationKey, type IncomingActivity, parseActivity, turnInput } from './incoming.js';
import { isLoopbackHost, serviceUrlAllowed } from './service-url.js';
import { botFrameworkNoticeSender } from './notice-sender.js';
import { Target } from '../../cases/notify-target.js';

function answer(res: Response, status: number, body?: unknown): void {
  res.status(status);
  if (body === undefined) res.end();
  else res.json(body);
}

function refuse(res: Response, r: Refusal): void {
  if (r.status === 413 || r.status === 415) res.setHeader('Connection', 'close');
  answer(res, r.status, { code: r.code, message: r.message });
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
    if (a.deliveryMode === 'expectReplies' && !withAuth && !serviceUrlAllowed(a.serviceUrl, ctx.config.EKEY_ALLOWED_SERVICE_URLS)) return;
    const target = Target.safeParse({
      kind: 'botframework',
      channelId: a.channelId,
      serviceUrl: a.serviceUrl,
      conversationId: a.conversation.id,
      ...(a.recipient?.id ? { botId: a.recipient.id } : {}),
      ...(a.from?.id ? { userId: a.from.id } : {}),
      ...(typeof a.conversation.tenantId === 'string' ? { tenantId: a.conversation.tenantId } : {}),
    });
    if (target.success) ctx.notify?.targets.seen(key, target.data);
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
    try {
      if (loopbackOnly && !isLoopbackHost(req.socket.remoteAddress ?? ''))
        throw new Refusal(403, 'Forbidden', 'without MicrosoftAppId this endpoint answers this machine only (EKEY_BOTFRAMEWORK_OPEN=any opens it)');
      const authHeader = req.headers.authorization ?? '';
      // Without a token there is nothing to check, so an unauthenticated caller is not even read.
      if (withAuth && !/^Bearer\s+\S+/i.test(authHeader)) throw new Refusal(401, 'Unauthorized', 'a Bot Framework bearer token is required');
      const a = parseActivity(await readActivityBody(req));
      const expectReplies = a.deliveryMode === 'expectReplies';
      // expectReplies answers in this response and calls nothing, so any serviceUrl is harmless there.
      if (!withAuth && !expectReplies && !serviceUrlAllowed(a.serviceUrl, ctx.config.EKEY_ALLOWED_SERVICE_URLS))
        throw new Refusal(403, 'Forbidden', 'without authentication replies go only to a loopback serviceUrl or one listed in EKEY_ALLOWED_SERVICE_URLS');
      const key = conversationKey(a);

      // Without authentication the SDK accepts the empty header as anonymous; a header sent anyway (an
      // Emulator configured with an app id) could not be checked against anything, so it is dropped.
      const auth = await adapter.authenticate(withAuth ? authHeader : '', a).catch((err: Error) => {
        ctx.logger.warn({ err: { message: err.message, name: err.name } }, 'bot framework token refused');
        throw new Refusal(401, 'Unauthorized', 'the bearer token was not accepted');
      });
      const response = await adapter.run(auth, a, turn(a, key));
      answer(res, response?.status ?? 200, response?.body);
    } catch (err) {
      if (err instanceof Refusal) return refuse(res, err);
      ctx.logger.error({ err: { message: (err as Error).message, name: (err as Error).name } }, 'bot framework turn failed');
      answer(res, 500, { code: 'InternalError', message: 'internal error' });
    }
  });
};
