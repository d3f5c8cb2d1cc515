import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'restify';
import type { AppContext, ChannelRegistrar } from '../context.js';
import { chooseLanguage } from '../../conversation/service.js';
import { renderActivities } from '../../render/activity.js';
import { type ConversationLimits, ConversationRegistry, type DirectLineConversation, type DirectLineStore, type WireActivity } from './conversations.js';
import { PgDirectLineStore } from './pg-store.js';
import { allowWidgetOrigins } from './cors.js';
import { bearer, clientOf, DIRECTLINE_BODY_CODES, directLineShape, jsonBody, sendJson } from './http.js';
import { asRefusal, Refusal, sendRefusal } from '../../http/refusal.js';
import { echoFields, optionalUserId, parsePosted, turnInput, watermarkOf } from './incoming.js';
import { publicBase } from './public-base.js';
import { TokenSigner } from './token.js';
import { assertOrigin, azureTokenEndpoint } from './azure.js';
import { DirectLineStreams, type StreamOptions } from './stream.js';
import { uploadEndpoint } from './upload.js';
import { requestLanguage } from '../http/cases-api.js';
import { noticeMessages } from '../../notify/case-notice.js';
import { recipientOf } from '../../notify/targets.js';
import { KeyedQueue } from '../../storage/keyed-queue.js';

export interface DirectLineOptions {
  /** Token lifetime; the official client refreshes every 15 minutes, so keep it well above that. */
  tokenTtlSeconds?: number;
  limits?: Partial<ConversationLimits>;
  stream?: Partial<StreamOptions>;
  maxBodyBytes?: number;
  maxTextLength?: number;
  sweepIntervalMs?: number;
  now?: () => number;
}

const MB = 1024 * 1024;

const DEFAULT_LIMITS: Omit<ConversationLimits, 'budgetBytes'> = {
  perClient: 30,
  clientWindowMs: 3_600_000,
  perAddressOpen: 20,
  perNetworkOpen: 40,
  total: 10_000,
  idleMs: 2 * 3_600_000,
  activities: 500,
  conversationBytes: 2 * MB,
  frameBytes: 1 * MB,
};

const DEFAULT_STREAM: StreamOptions = { urlTtlSeconds: 60, keepAliveMs: 20_000, maxBufferedBytes: 4 * MB, perConversation: 3 };

const BOT_ID = 'ekey-assistant';

/**
 * A Direct Line 3.0 subset for the official clients (Web Chat, botframework-directlinejs), streaming
 * (WebSocket, `streamUrl`) or polling: tokens, start, reconnect, post, get activities after a
 * watermark, token refresh; uploads are refused with a notice in the chat. The bot is this
 * service's own conversation, so no Azure account is needed; the greeting is sent at the start, since
 * Web Chat sends no conversationUpdate.
 */
export function directLineChannel(options: DirectLineOptions = {}): ChannelRegistrar {
  return (server, ctx) => {
    const now = options.now ?? Date.now;
    const signer = new TokenSigner(ctx.config.EKEY_DIRECTLINE_SECRET, options.tokenTtlSeconds ?? 3_600, now);
    const limits = { ...DEFAULT_LIMITS, budgetBytes: ctx.config.EKEY_DIRECTLINE_MAX_MB * MB, ...options.limits };
    const dropped = (id: string, here = true) => {
      streams.end(id);
      // The instance that dropped it forgets the consultation; the others only end their streams.
      if (here) void ctx.conversations.reset(`directline:${id}`).catch(() => undefined);
    };
    const dbLog = ctx.logger.child({ component: 'directline' });
    // A random key per process: a token given by one instance would be refused by the others.
    if (ctx.database && !ctx.config.EKEY_DIRECTLINE_SECRET)
      dbLog.warn('DATABASE_URL is set but EKEY_DIRECTLINE_SECRET is not: Direct Line tokens work only on the instance that gave them');
    const registry: DirectLineStore = ctx.database
      ? new PgDirectLineStore(ctx.database, limits, now, dropped, (level, message) => dbLog[level](message))
      : new ConversationRegistry(limits, now, dropped);
    const streams = new DirectLineStreams(server.server, registry, signer, { ...DEFAULT_STREAM, ...options.stream }, (lang) => ctx.conversation.t(lang));
    const maxBody = options.maxBodyBytes ?? 32 * 1024;
    const maxText = options.maxTextLength ?? 2_000;
    // Keyed by id: a conversation read from the database is a new object on every request.
    const queues = new KeyedQueue();
    const key = (c: DirectLineConversation) => `directline:${c.id}`;

    const sweeper = setInterval(
      () => void registry.sweep().catch((err: Error) => dbLog.error({ err: { name: err.name, message: err.message } }, 'direct line sweep failed')),
      options.sweepIntervalMs ?? 60_000,
    );
    sweeper.unref();
    server.on('close', () => {
      clearInterval(sweeper);
      void registry.close();
    });

    ctx.notify?.outbox.register('directline', async (target, notice, id) => {
      if (target.kind !== 'directline') return 'drop';
      const c = await registry.get(target.conversationId);
      // Gone (tab closed, idle): held until the same browser starts again.
      if (!c || !c.started) return 'hold';
      const t = ctx.conversation.t(notice.lang);
      const from = { id: BOT_ID, name: t('ui:web.botName'), role: 'bot' };
      const base = ctx.config.EKEY_PUBLIC_URL;
      await inOrder(c, async () => {
        const rendered = renderActivities(noticeMessages(notice), t, { channelId: 'directline', lang: notice.lang, links: base ? { base } : { relative: true } });
        for (const a of rendered)
          await registry.append(c, { ...a, channelId: 'directline', conversation: { id: c.id }, from, recipient: { id: c.userId, role: 'user' }, replyToId: id });
      });
      return 'sent';
    });

    allowWidgetOrigins(server, ctx.config.EKEY_WIDGET_ORIGINS, ['/v3/directline', '/api/directline']);

    /**
     * One post at a time per conversation on this instance, so a turn's echo and replies are never interleaved
     * with another's. Across instances the turns themselves are serialised by the conversation store's lock;
     * one browser posting to two instances at the same moment may see their echoes interleaved.
     */
    const inOrder = <T>(c: DirectLineConversation, work: () => Promise<T>): Promise<T> => queues.run(c.id, work);

    const authorize = async (req: Request, conversationId?: string) => {
      const checked = signer.verify(bearer(req));
      if (!checked.ok)
        throw checked.reason === 'expired'
          ? new Refusal(403, 'TokenExpired', { key: 'ui:refusals.directline.tokenExpired' })
          : new Refusal(403, 'Forbidden', { key: 'ui:refusals.directline.tokenInvalid' });
      if (conversationId !== undefined && checked.claims.conv !== conversationId) throw new Refusal(403, 'Forbidden', { key: 'ui:refusals.directline.tokenOtherConversation' });
      const conversation = await registry.get(checked.claims.conv);
      if (!conversation) throw new Refusal(404, 'NotFound', { key: 'ui:refusals.directline.conversationGone' });
      return { claims: checked.claims, conversation };
    };

    const opened = (c: DirectLineConversation, token: string) => ({ conversationId: c.id, token, expires_in: signer.lifetimeSeconds });
    /** As Azure answers a start or a reconnect: with a stream URL (from the watermark) on the host the client used. */
    const connected = (req: Request, c: DirectLineConversation, user: string, watermark?: number) => {
      const streamUrl = streams.url(publicBase(req, ctx.config.EKEY_PUBLIC_URL), c, user, watermark);
      return { ...opened(c, signer.sign(c.id, user)), ...(streamUrl ? { streamUrl } : {}) };
    };

    const replies = async (req: Request, c: DirectLineConversation, input: Parameters<AppContext['conversations']['handle']>[0]['input'], replyToId?: string) => {
      let sent: WireActivity[] = [];
      try {
        ctx.notify?.targets.seen(key(c), { kind: 'directline', conversationId: c.id, userId: c.userId });
        const result = await ctx.conversations.handle({ key: key(c), input, locale: c.locale, channel: 'directline' });
        const lang = result.state.lang;
        const t = ctx.conversation.t(lang);
        const from = { id: BOT_ID, name: t('ui:web.botName'), role: 'bot' };
        const base = publicBase(req, ctx.config.EKEY_PUBLIC_URL);
        const rendered = renderActivities(result.messages, t, { channelId: 'directline', lang, links: base ? { base } : { relative: true } });
        const address = { channelId: 'directline', conversation: { id: c.id }, from, recipient: { id: c.userId, role: 'user' }, ...(replyToId ? { replyToId } : {}) };
        for (const a of rendered) sent.push(await registry.append(c, { ...a, ...address }));
      } catch (err) {
        ctx.logger.error({ err: { message: (err as Error).message, name: (err as Error).name } }, 'direct line turn failed');
        const lang = chooseLanguage(c.locale, undefined);
        const t = ctx.conversation.t(lang);
        sent = [
          await registry.append(c, {
            type: 'message',
            text: t('ui:web.turnFailed'),
            textFormat: 'plain',
            locale: lang,
            channelId: 'directline',
            conversation: { id: c.id },
            from: { id: BOT_ID, name: t('ui:web.botName'), role: 'bot' },
            recipient: { id: c.userId, role: 'user' },
            ...(replyToId ? { replyToId } : {}),
          }),
        ];
      }
      return sent;
    };

    const start = async (req: Request, c: DirectLineConversation, locale?: string) => {
      if (c.started) return;
      // Not started without room for the greeting and a post of the largest size: it could not go on.
      await registry.assertRoom(maxBody);
      // Started once, however many instances are asked at the same moment: one greeting.
      if (!(await registry.markStarted(c, locale))) return;
      await inOrder(c, () => replies(req, c, { start: true }));
      // The same browser back: what its cases said meanwhile follows the greeting.
      void ctx.notify?.outbox.wake(recipientOf({ kind: 'directline', conversationId: c.id, userId: c.userId }), { kind: 'directline', conversationId: c.id, userId: c.userId });
    };

    const handle = (work: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response) => {
      try {
        await work(req, res);
      } catch (err) {
        const refusal = asRefusal(err, DIRECTLINE_BODY_CODES);
        if (!refusal) ctx.logger.error({ err: { message: (err as Error).message, name: (err as Error).name } }, 'direct line request failed');
        sendRefusal(res, refusal ?? new Refusal(500, 'ServiceError', { key: 'ui:refusals.internal' }), ctx.conversation.t(requestLanguage(req)), directLineShape);
      }
    };

    const base = '/v3/directline';

    server.post(
      `${base}/tokens/generate`,
      handle(async (req, res) => {
        assertOrigin(req, ctx.config);
        const userId = optionalUserId(await jsonBody(req, 4096, true)) ?? `dl_${randomBytes(12).toString('base64url')}`;
        const c = await registry.open(clientOf(req), userId);
        sendJson(res, 200, opened(c, signer.sign(c.id, userId)));
      }),
    );

    server.post(
      `${base}/tokens/refresh`,
      handle(async (req, res) => {
        const { claims, conversation } = await authorize(req);
        sendJson(res, 200, opened(conversation, signer.sign(conversation.id, claims.user)));
      }),
    );

    server.post(
      `${base}/conversations`,
      handle(async (req, res) => {
        const { conversation: c, claims } = await authorize(req);
        const body = (await jsonBody(req, 4096, true)) as { locale?: unknown } | undefined;
        const isNew = !c.started;
        await start(req, c, typeof body?.locale === 'string' && body.locale.length <= 35 ? body.locale : undefined);
        sendJson(res, isNew ? 201 : 200, connected(req, c, claims.user));
      }),
    );

    server.get(
      `${base}/conversations/:conversationId`,
      handle(async (req, res) => {
        const { conversation: c, claims } = await authorize(req, req.params.conversationId);
        const watermark = watermarkOf(req);
        await start(req, c);
        sendJson(res, 200, connected(req, c, claims.user, watermark));
      }),
    );

    server.get(
      `${base}/conversations/:conversationId/activities`,
      handle(async (req, res) => {
        const { conversation: c } = await authorize(req, req.params.conversationId);
        const frame = await registry.since(c, watermarkOf(req));
        // Already JSON: each activity was serialised once, when it was kept.
        res.setHeader('Content-Type', 'application/json');
        res.sendRaw(200, frame.json);
      }),
    );

    server.post(
      `${base}/conversations/:conversationId/activities`,
      handle(async (req, res) => {
        const { conversation: c } = await authorize(req, req.params.conversationId);
        const posted = parsePosted(await jsonBody(req, maxBody), maxText);
        const languageCommand = (lang: 'zh-CN' | 'en') => ctx.knowledge.commands[lang === 'en' ? 'lang-en' : 'lang-zh']?.[0];
        const input = turnInput(posted, languageCommand);
        // Typing and other signals are acknowledged but not kept: the transcript holds what was said.
        if (posted.type !== 'message' && posted.type !== 'event') {
          sendJson(res, 200, { id: `${c.id}|${randomBytes(4).toString('hex')}` });
          return;
        }
        await registry.assertRoom(Buffer.byteLength(JSON.stringify(posted)));
        await registry.markStarted(c);
        const id = await inOrder(c, async () => {
          const echo = await registry.append(c, {
            ...echoFields(posted),
            channelId: 'directline',
            conversation: { id: c.id },
            from: { id: c.userId, ...(posted.from?.name ? { name: posted.from.name } : {}), role: 'user' },
            recipient: { id: BOT_ID, role: 'bot' },
          });
          if (input) await replies(req, c, input, echo.id);
          return echo.id;
        });
        sendJson(res, 200, { id });
      }),
    );

    uploadEndpoint(server, ctx, { authorize, inOrder, append: (c, a) => registry.append(c, a), botId: BOT_ID }, handle);

    azureTokenEndpoint(
      server,
      ctx,
      {
        open: async (req, returning) => {
          const userId = returning ?? `dl_${randomBytes(12).toString('base64url')}`;
          const c = await registry.open(clientOf(req), userId);
          return { ...opened(c, signer.sign(c.id, userId)), userId };
        },
      },
      handle,
    );
  };
}

/** The local Direct Line with its default limits, as `npm start` serves it. */
export const directLine: ChannelRegistrar = directLineChannel();
