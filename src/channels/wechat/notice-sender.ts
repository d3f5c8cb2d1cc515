import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { Target } from '../../cases/notify-target.js';
import type { Translate } from '../../i18n.js';
import type { Language } from '../../knowledge/schema.js';
import { noticeMessages } from '../../notify/case-notice.js';
import type { NoticeSender, SendResult } from '../../notify/outbox.js';
import type { Notice } from '../../notify/outbox-store.js';
import { plainParts } from '../../render/plain-text.js';
import { absoluteBase } from '../../render/links.js';
import type { AccessTokens } from './access-token.js';
import { apiUrl, callWechatApi, WechatApiError } from './api.js';
import type { TextSender } from './outbox.js';

/** WeChat lets an account write freely to a user for 48 hours after that user's last message. */
export const SERVICE_WINDOW_MS = 48 * 3_600_000;
/** 45015: the reply window has closed; 45047: too many messages without an answer. Then the template. */
const WINDOW_CLOSED = new Set([45015, 45047]);
const KEPT = 100_000;

/** When each user last wrote (or clicked, or subscribed): the channel sees it on every push. */
export class LastSeen {
  private readonly at = new Map<string, number>();
  constructor(private readonly now: () => number = Date.now) {}
  seen(openid: string): void {
    this.at.delete(openid);
    this.at.set(openid, this.now());
    if (this.at.size > KEPT) this.at.delete(this.at.keys().next().value as string);
  }
  within(openid: string, ms: number): boolean {
    const at = this.at.get(openid);
    return at !== undefined && this.now() - at < ms;
  }
}

export interface WechatNoticeParts {
  config: Pick<Config, 'WECHAT_TEMPLATE_CASE' | 'WECHAT_TEMPLATE_REMINDER' | 'WECHAT_API_BASE' | 'EKEY_PUBLIC_URL'>;
  tokens: AccessTokens;
  text: TextSender;
  lastSeen: LastSeen;
  t: (lang: Language) => Translate;
  logger: Logger;
  timeoutMs: number;
}

const outcome = (err: unknown): SendResult => (err instanceof WechatApiError && err.transient ? 'retry' : 'drop');

/**
 * A notice to a WeChat user: a customer-service message while the 48-hour window is open; after it the
 * template message configured for its kind; without one, a log line (reference only, never the words).
 */
export function wechatNoticeSender(p: WechatNoticeParts): NoticeSender {
  return async (target: Target, notice: Notice): Promise<SendResult> => {
    if (target.kind !== 'wechat') return 'drop';
    if (p.lastSeen.within(target.openid, SERVICE_WINDOW_MS)) {
      const t = p.t(notice.lang);
      const text = noticeMessages(notice)
        .flatMap((m) => plainParts(m, t, absoluteBase(p.config.EKEY_PUBLIC_URL)))
        .join('\n');
      try {
        await p.text.sendText(target.openid, text);
        return 'sent';
      } catch (err) {
        if (!(err instanceof WechatApiError && WINDOW_CLOSED.has(err.errcode ?? 0))) {
          p.logger.warn(
            { channel: 'wechat', kind: (err as WechatApiError).kind, errcode: (err as WechatApiError).errcode, reference: notice.fields.reference },
            'notice by customer-service message failed',
          );
          return outcome(err);
        }
      }
    }
    const template = notice.kind === 'case' ? p.config.WECHAT_TEMPLATE_CASE : p.config.WECHAT_TEMPLATE_REMINDER;
    if (!template) {
      p.logger.info({ channel: 'wechat', kind: notice.kind, reference: notice.fields.reference }, 'notice not sent: the 48-hour window is closed and no template is configured');
      return 'drop';
    }
    try {
      const token = await p.tokens.get();
      const url = new URL(apiUrl(p.config.WECHAT_API_BASE, '/cgi-bin/message/template/send'));
      url.searchParams.set('access_token', token);
      await callWechatApi(url.toString(), { method: 'POST', body: { touser: target.openid, template_id: template, data: templateData(notice) } }, p.timeoutMs);
      return 'sent';
    } catch (err) {
      p.logger.warn(
        { channel: 'wechat', kind: (err as WechatApiError).kind, errcode: (err as WechatApiError).errcode, reference: notice.fields.reference },
        'notice by template message failed',
      );
      return outcome(err);
    }
  };
}

/**
 * The fields of the template: `first` (the title), one per field of the notice under its own name
 * (reference, status, date, remark, next; procedure and expiry for a reminder) and `remark` (the lines).
 * The template set up in the Official Account names the fields it shows.
 */
export function templateData(n: Notice): Record<string, { value: string }> {
  const data: Record<string, { value: string }> = { first: { value: n.title } };
  for (const [name, value] of Object.entries(n.fields)) if (value) data[name] = { value };
  data.remark = { value: n.lines.join('\n') };
  return data;
}
