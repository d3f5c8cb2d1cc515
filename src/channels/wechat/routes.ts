import type { Request, Response, Server } from 'restify';
import type { AppContext, ChannelRegistrar } from '../context.js';
import { wechatMode } from '../../config.js';
import { AccessTokens } from './access-token.js';
import { BodyError, readRawBody } from '../../http/json-body.js';
import { bodyRefusal, Refusal, type Reason, sendRefusal } from '../../http/refusal.js';
import { MAX_REQUEST_BYTES } from '../../http/security.js';
import { requestLanguage } from '../http/cases-api.js';
import { CipherError, WechatCipher } from './cipher.js';
import { CustomMessageSender } from './custom-send.js';
import { MessageHandler } from './handler.js';
import { Outbox } from './outbox.js';
import { LastSeen, wechatNoticeSender } from './notice-sender.js';
import { encryptedReplyXml, textReplyXml } from './replies.js';
import { type AnswerBook, MemoryAnswerBook, type SharedAnswer } from './retry-cache.js';
import { PgAnswerBook } from './pg-retry-cache.js';
import { signatureMatches, wechatSignature } from './signature.js';
import { parseWechatXml, type WechatFields, XmlError } from './xml.js';

export const WECHAT_PATH = '/api/wechat';

export interface WechatChannelOptions {
  /** WeChat waits 5 s for a passive reply; past this, "success" is answered and the reply goes through the API. */
  replyDeadlineMs?: number;
  /** Pause between the passive reply and the first customer-service part, so that they arrive in order. */
  followUpDelayMs?: number;
  /** Waits between tries of a customer-service part that failed for a passing reason. */
  retryDelaysMs?: number[];
  /** Time limit of one call to the WeChat API. */
  apiTimeoutMs?: number;
  maxBodyBytes?: number;
  /** How long a message's answer is kept for WeChat's retries (it retries three times within about 15 s). */
  retryCacheMs?: number;
  /** How long parts the API refused are kept for the user's next message. */
  keepUndeliveredMs?: number;
  /** A signature whose timestamp is further than this from now is refused (a replay). */
  maxClockSkewMs?: number;
}

const DEFAULTS: Required<WechatChannelOptions> = {
  replyDeadlineMs: 4_000,
  followUpDelayMs: 1_000,
  retryDelaysMs: [2_000, 10_000],
  apiTimeoutMs: 5_000,
  maxBodyBytes: 64 * 1024,
  retryCacheMs: 5 * 60_000,
  keepUndeliveredMs: 48 * 3_600_000,
  maxClockSkewMs: 5 * 60_000,
};

/** How one push came: sealed (encrypt_type=aes) or not. */
type Mode = 'plain' | 'safe';

function sendText(res: Response, body: string): void {
  res.sendRaw(200, body, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
}

function sendXml(res: Response, body: string): void {
  res.sendRaw(200, body, { 'Content-Type': 'application/xml; charset=utf-8' });
}

const query = (req: Request, name: string): string | undefined => {
  const value = (req.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
};

const REQUIRED_FIELDS = ['ToUserName', 'FromUserName', 'CreateTime', 'MsgType'] as const;

/**
 * The WeChat Official Account channel: `GET /api/wechat` answers the URL check, `POST /api/wechat` takes
 * the message push in plain, compatible or safe mode and answers with a passive reply, the rest of a long
 * answer following through the customer-service API. Off, and saying so, without WECHAT_TOKEN,
 * WECHAT_APPID and WECHAT_APPSECRET.
 */
export function createWechatChannel(options: WechatChannelOptions = {}): ChannelRegistrar & { settled(): Promise<void> } {
  const o = { ...DEFAULTS, ...options };
  let outbox: Outbox | undefined;

  const register = (server: Server, ctx: AppContext) => {
    const { WECHAT_TOKEN: token, WECHAT_APPID: appId, WECHAT_APPSECRET: secret, WECHAT_ENCODING_AES_KEY: aesKey, WECHAT_API_BASE: apiBase } = ctx.config;
    const log = ctx.logger.child({ channel: 'wechat' });
    // WeChat's servers send no language: the users of an Official Account in China read Chinese, unless the request asks otherwise.
    const refuse = (req: Request, res: Response, status: number, code: string, reason: Reason, close = false) =>
      sendRefusal(res, new Refusal(status, code, reason, { close }), ctx.conversation.t(requestLanguage(req)));
    if (!token || !appId || !secret) {
      const off = async (req: Request, res: Response) => refuse(req, res, 503, 'ChannelOff', { key: 'ui:refusals.wechat.off' });
      server.get(WECHAT_PATH, off);
      server.post(WECHAT_PATH, off);
      log.info('WeChat channel off: not configured');
      return;
    }

    const cipher = aesKey ? new WechatCipher(aesKey, appId) : undefined;
    const tokens = new AccessTokens({ apiBase, appId, secret, timeoutMs: o.apiTimeoutMs });
    const box = new Outbox(new CustomMessageSender(tokens, apiBase, o.apiTimeoutMs), log, {
      dataDir: ctx.config.EKEY_DATA_DIR,
      startDelayMs: o.followUpDelayMs,
      retryDelaysMs: o.retryDelaysMs,
      keepMs: o.keepUndeliveredMs,
    });
    outbox = box;
    const lastSeen = new LastSeen();
    ctx.notify?.outbox.register(
      'wechat',
      wechatNoticeSender({
        config: ctx.config,
        tokens,
        text: new CustomMessageSender(tokens, apiBase, o.apiTimeoutMs),
        lastSeen,
        t: (lang) => ctx.conversation.t(lang),
        logger: log,
        timeoutMs: o.apiTimeoutMs,
      }),
    );
    const handler = new MessageHandler(ctx, box);
    const accepted = wechatMode(ctx.config);
    // How each message is being answered, and the (timestamp, nonce) pairs seen with the message each signed:
    // a timestamp is taken up to the skew on either side of now, so a pair is remembered for twice that. With
    // a database they are shared, since WeChat's retries of one push may reach any instance.
    const ttls = { answerTtlMs: o.retryCacheMs, pairTtlMs: 2 * o.maxClockSkewMs };
    const answers: AnswerBook = ctx.database ? new PgAnswerBook(ctx.database, ttls) : new MemoryAnswerBook(ttls.answerTtlMs, ttls.pairTtlMs);
    const sweeper = setInterval(() => void answers.sweep().catch(() => log.error('WeChat retry cache sweep failed')), 60_000);
    sweeper.unref();
    server.on('close', () => clearInterval(sweeper));

    /** The URL signature, checked before anything else on every request. */
    const signed = (req: Request, res: Response): boolean => {
      const signature = query(req, 'signature');
      const timestamp = query(req, 'timestamp');
      const nonce = query(req, 'nonce');
      if (!signature || !timestamp || !nonce) {
        refuse(req, res, 401, 'SignatureMissing', { key: 'ui:refusals.wechat.signatureMissing' });
        return false;
      }
      if (!signatureMatches(wechatSignature(token, timestamp, nonce), signature)) {
        refuse(req, res, 403, 'BadSignature', { key: 'ui:refusals.wechat.badSignature' });
        return false;
      }
      const at = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) * 1000 : Number.NaN;
      if (!(Math.abs(Date.now() - at) <= o.maxClockSkewMs)) {
        log.warn('WeChat request refused: its timestamp is too far from now');
        refuse(req, res, 403, 'StaleTimestamp', { key: 'ui:refusals.wechat.staleTimestamp', params: { minutes: o.maxClockSkewMs / 60_000 } });
        return false;
      }
      return true;
    };

    server.get(WECHAT_PATH, async (req: Request, res: Response) => {
      if (!signed(req, res)) return;
      const echostr = query(req, 'echostr');
      if (!echostr || echostr.length > 512) return refuse(req, res, 400, 'BadRequest', { key: 'ui:refusals.wechat.echostr' });
      log.info('WeChat server URL verified');
      sendText(res, echostr);
    });

    server.post(WECHAT_PATH, async (req: Request, res: Response) => {
      if (!signed(req, res)) return;
      const encryptType = query(req, 'encrypt_type') ?? 'raw';
      if (encryptType !== 'raw' && encryptType !== 'aes') return refuse(req, res, 400, 'BadRequest', { key: 'ui:refusals.wechat.encryptType' });
      const mode: Mode = encryptType === 'aes' ? 'safe' : 'plain';
      // A plain push where sealed ones are expected is a downgrade; a sealed one in plain mode, a mistake.
      if ((accepted === 'safe' && mode === 'plain') || (accepted === 'plain' && mode === 'safe')) {
        log.warn({ mode, accepted }, 'WeChat message refused: not in the configured mode');
        return refuse(req, res, 400, 'WrongMode', { key: 'ui:refusals.wechat.wrongMode', params: { mode: accepted } });
      }
      const msgSignature = query(req, 'msg_signature');
      if (mode === 'safe' && !msgSignature) return refuse(req, res, 401, 'SignatureMissing', { key: 'ui:refusals.wechat.msgSignatureMissing' });
      if (mode === 'safe' && !cipher) {
        log.warn('safe-mode message received but WECHAT_ENCODING_AES_KEY is not set');
        return refuse(req, res, 400, 'SafeModeOff', { key: 'ui:refusals.wechat.safeModeOff' });
      }

      let raw: Buffer;
      try {
        // The rest of a body past the limit is read and dropped, up to the server's ceiling, so that WeChat gets its 413.
        raw = await readRawBody(req, { limit: o.maxBodyBytes, drain: MAX_REQUEST_BYTES });
      } catch (err) {
        if (err instanceof BodyError) return sendRefusal(res, bodyRefusal(err), ctx.conversation.t(requestLanguage(req)));
        return refuse(req, res, 400, 'BadRequest', { key: 'ui:refusals.wechat.unreadable' }, true);
      }

      let msg: WechatFields;
      try {
        msg = parseWechatXml(raw.toString('utf8'));
        if (mode === 'safe' && cipher) {
          const encrypt = msg.Encrypt;
          if (!encrypt) return refuse(req, res, 400, 'BadRequest', { key: 'ui:refusals.wechat.encryptMissing' });
          if (!signatureMatches(wechatSignature(token, query(req, 'timestamp') ?? '', query(req, 'nonce') ?? '', encrypt), msgSignature))
            return refuse(req, res, 403, 'BadSignature', { key: 'ui:refusals.wechat.badMsgSignature' });
          msg = parseWechatXml(cipher.decrypt(encrypt));
        }
      } catch (err) {
        if (err instanceof XmlError || err instanceof CipherError) {
          log.info({ mode, reason: err.message }, 'WeChat message refused');
          return refuse(req, res, 400, 'BadRequest', err.reason ?? { key: 'ui:refusals.wechat.cipher.undecryptable' });
        }
        log.error({ err: { name: (err as Error).name } }, 'WeChat message could not be read');
        return refuse(req, res, 500, 'InternalError', { key: 'ui:refusals.internal' });
      }
      const missing = REQUIRED_FIELDS.filter((f) => !msg[f]);
      if (missing.length) return refuse(req, res, 400, 'BadRequest', { key: 'ui:refusals.wechat.missingFields', params: { fields: missing.join(', ') } });

      const openid = msg.FromUserName as string;
      // MsgId is unique per account only as far as WeChat promises: keyed with the sender, one user's
      // message can never be answered with another's reply.
      const retryKey = msg.MsgId ? `msg:${openid}:${msg.MsgId}` : `event:${openid}:${msg.CreateTime}:${msg.Event ?? ''}`;
      const pair = `${query(req, 'timestamp')}:${query(req, 'nonce')}`;
      const reply = (content: string) => {
        const xml = textReplyXml(openid, msg.ToUserName as string, content);
        if (mode === 'safe' && cipher) sendXml(res, encryptedReplyXml(cipher, token, xml));
        else sendXml(res, xml);
      };

      let answer: SharedAnswer | undefined;
      let parts: string[] | undefined;
      try {
        if (!(await answers.pairFits(pair, retryKey))) {
          log.warn('WeChat message refused: its timestamp and nonce signed another message');
          return refuse(req, res, 403, 'Replayed', { key: 'ui:refusals.wechat.replayed' });
        }
        lastSeen.seen(openid);
        answer = await answers.begin(retryKey, () => handler.handle(msg));
        log.debug({ mode, msgType: msg.MsgType, event: msg.Event, retry: !answer.first }, 'WeChat message');
        parts = await within(answer.parts, o.replyDeadlineMs);
      } catch (err) {
        // A retry may succeed where this attempt failed: it must run the turn again, not share the failure.
        await answer?.forget().catch(() => undefined);
        // Logged here rather than thrown: the generic error log names the URL, whose query holds the openid.
        log.error({ err: { name: (err as Error).name, message: (err as Error).message } }, 'WeChat message failed');
        // A full disk or a failing write: said in the chat, since WeChat shows a 500 as "this account cannot
        // serve you"; the stored conversation is as it was, so sending the message again goes on from there.
        return reply(handler.failure(openid));
      }

      if (parts === undefined) {
        // Too slow for the passive reply: WeChat would retry, then tell the user the account is not
        // working. "success" ends that, and the whole answer goes through the API once it is ready.
        if (await answer.take('api').catch(() => false)) {
          log.warn({ deadlineMs: o.replyDeadlineMs }, 'reply deadline passed; answering through the customer-service API');
          answer.parts.then((p) => box.deliver(openid, p)).catch(() => log.error('late answer could not be delivered'));
        }
        return sendText(res, 'success');
      }
      if (parts.length === 0 || !(await answer.take('passive').catch(() => false))) return sendText(res, 'success');
      // Queued when the response is gone, even if WeChat dropped the connection: a retry then gets the same
      // first part, and the rest is sent only once.
      const shared = answer;
      const rest = parts.slice(1);
      res.once('close', () => {
        shared
          .takeFollowUps()
          .then((mine) => (mine ? box.deliver(openid, rest) : undefined))
          .catch(() => log.error('follow-up parts could not be queued'));
      });
      reply(parts[0] as string);
    });
  };

  return Object.assign(register, {
    settled: () => outbox?.settled() ?? Promise.resolve(),
  });
}

/** The value if it comes within `ms`, else undefined; a rejection is passed on. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export const wechatChannel = createWechatChannel();
