import type { AppContext } from '../context.js';
import type { UserInput } from '../../conversation/messages.js';
import type { Language } from '../../knowledge/schema.js';
import { absoluteBase } from '../../render/links.js';
import { plainParts } from '../../render/plain-text.js';
import type { Outbox } from './outbox.js';
import { MAX_PART_BYTES, splitText } from './split.js';
import type { WechatFields } from './xml.js';

/** How many users' languages are remembered for the replies that run no turn (an image, a sticker). */
const LANGUAGES_REMEMBERED = 10_000;

/**
 * What to say to one pushed message: the parts of the reply, the first for the passive reply and the rest
 * for the customer-service API, or none (events that need no answer). The consultation itself is the
 * conversation every channel shares, keyed by the user's openid.
 */
export class MessageHandler {
  private readonly languages = new Map<string, Language>();

  constructor(
    private readonly ctx: AppContext,
    private readonly outbox: Outbox,
  ) {}

  async handle(msg: WechatFields): Promise<string[]> {
    const openid = msg.FromUserName ?? '';
    const type = (msg.MsgType ?? '').toLowerCase();
    if (type === 'text') return this.turn(openid, { text: msg.Content ?? '' });
    // With speech recognition switched on in the Official Account, a voice message arrives with its text.
    if (type === 'voice' && msg.Recognition?.trim()) return this.turn(openid, { text: msg.Recognition });
    if (type === 'event') return this.event(openid, msg);
    const t = this.ctx.conversation.t(this.languages.get(openid) ?? 'zh-CN');
    return this.reply(openid, this.languages.get(openid) ?? 'zh-CN', [[t('ui:wechat.unsupported')]]);
  }

  /** What the user is told when a message could not be handled: a temporary failure, to send it again. */
  failure(openid: string): string {
    const t = this.ctx.conversation.t(this.languages.get(openid) ?? 'zh-CN');
    return t('ui:errors.temporary', { phone: this.ctx.knowledge.contacts.hotline?.value });
  }

  private async event(openid: string, msg: WechatFields): Promise<string[]> {
    switch ((msg.Event ?? '').toLowerCase()) {
      case 'subscribe':
        return this.turn(openid, { start: true });
      case 'unsubscribe':
        this.languages.delete(openid);
        await this.ctx.conversations.reset(key(openid));
        await this.outbox.forget(openid);
        return [];
      case 'click':
        // A menu button says what a user would have typed: its key is read as text.
        return msg.EventKey ? this.turn(openid, { text: msg.EventKey }) : [];
      default:
        // VIEW, SCAN, LOCATION, template-message reports...: nothing the user expects an answer to.
        return [];
    }
  }

  private async turn(openid: string, input: UserInput | { start: true }): Promise<string[]> {
    const result = await this.ctx.conversations.handle({ key: key(openid), input });
    // WeChat's own failure path answers (and keeps the retry from being cached as done).
    if ('failed' in result) throw new Error('the turn failed');
    const lang = result.state.lang;
    this.remember(openid, lang);
    const t = this.ctx.conversation.t(lang);
    return this.reply(
      openid,
      lang,
      result.messages.map((m) => plainParts(m, t, absoluteBase(this.ctx.config.EKEY_PUBLIC_URL))),
    );
  }

  /**
   * The reply, opened by whatever an earlier reply could not deliver, so that it arrives before the new
   * answer. Short messages share a part; an outcome's parts, each meant to make sense alone, start their own.
   */
  private async reply(openid: string, lang: Language, messages: string[][]): Promise<string[]> {
    const parts = packParts(messages);
    const undelivered = await this.outbox.takeUndelivered(openid);
    if (undelivered.length === 0) return parts;
    const t = this.ctx.conversation.t(lang);
    return [...splitText([t('ui:wechat.resumed'), ...undelivered].join('\n')), ...parts];
  }

  private remember(openid: string, lang: Language): void {
    this.languages.delete(openid);
    this.languages.set(openid, lang);
    if (this.languages.size > LANGUAGES_REMEMBERED) this.languages.delete(this.languages.keys().next().value as string);
  }
}

/** Messages of one part each are joined while they fit; a message of several parts keeps its own. */
export function packParts(messages: string[][]): string[] {
  const out: string[] = [];
  let open = '';
  for (const parts of messages) {
    if (parts.length === 1 && parts[0] !== undefined) {
      const joined = open ? `${open}\n\n${parts[0]}` : parts[0];
      if (Buffer.byteLength(joined, 'utf8') <= MAX_PART_BYTES) {
        open = joined;
        continue;
      }
    }
    // A short line before an outcome (what was understood) opens the outcome's first part when it fits, so
    // that the passive reply is never that line alone.
    const first = parts.length > 1 && open ? `${open}\n\n${parts[0] ?? ''}` : undefined;
    const rest = first !== undefined && Buffer.byteLength(first, 'utf8') <= MAX_PART_BYTES ? [first, ...parts.slice(1)] : undefined;
    if (open && !rest) out.push(...splitText(open));
    open = '';
    if (parts.length === 1) open = parts[0] ?? '';
    else for (const p of rest ?? parts) out.push(...splitText(p));
  }
  if (open) out.push(...splitText(open));
  return out;
}

export function key(openid: string): string {
  return `wechat:${openid}`;
}
