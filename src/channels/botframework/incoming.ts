import { z } from 'zod';
import { buttonInput } from '../../conversation/button-input.js';
import type { TurnRequest } from '../../conversation/service.js';
import { Refusal } from '../../http/refusal.js';

const Account = z.looseObject({ id: z.string().min(1) });

/**
 * The part of an incoming activity this bot reads, checked before any processing so that a malformed
 * activity gets a 400 naming the field instead of failing somewhere inside the SDK.
 */
export const IncomingActivity = z.looseObject({
  type: z.string().min(1),
  channelId: z.string().min(1),
  serviceUrl: z.string().min(1),
  conversation: z.looseObject({ id: z.string().min(1), isGroup: z.boolean().optional(), conversationType: z.string().optional() }),
  from: Account.optional(),
  recipient: Account.optional(),
  text: z.string().optional(),
  value: z.unknown().optional(),
  locale: z.string().optional(),
  deliveryMode: z.string().optional(),
  membersAdded: z.array(Account).optional(),
  entities: z.array(z.looseObject({ type: z.string().optional(), text: z.string().optional(), mentioned: Account.optional() })).optional(),
});
export type IncomingActivity = z.infer<typeof IncomingActivity>;

export function parseActivity(body: unknown): IncomingActivity {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Refusal(400, 'BadRequest', { key: 'ui:refusals.botframework.notAnObject' });
  const parsed = IncomingActivity.safeParse(body);
  if (!parsed.success) {
    // The fields by their path only: zod's own words are English, and the path says what to fix in any language.
    const fields = [...new Set(parsed.error.issues.map((i) => ['activity', ...i.path].join('.')))];
    throw new Refusal(400, 'BadRequest', { key: 'ui:refusals.botframework.malformed', params: { fields: fields.join(', ') } });
  }
  return parsed.data;
}

/** The language a refusal of this body is given in: the activity's own locale, when it has one that reads as a string. */
export function bodyLocale(body: unknown): string | undefined {
  const locale = typeof body === 'object' && body !== null ? (body as { locale?: unknown }).locale : undefined;
  return typeof locale === 'string' ? locale : undefined;
}

/**
 * One stored conversation per channel conversation; in a group chat or a Teams channel each member
 * gets their own, so that one person's answers never answer another's questions. The key starts with this
 * adapter's own name: the activity's channelId is the sender's word, so an activity that says "wechat"
 * still reaches only a Bot Framework conversation, never a WeChat user's.
 */
export function conversationKey(a: IncomingActivity): string {
  const group = a.conversation.isGroup === true || a.conversation.conversationType === 'groupChat' || a.conversation.conversationType === 'channel';
  const base = `${BOT_FRAMEWORK}:${a.channelId}:${a.conversation.id}`;
  if (!group) return base;
  if (!a.from) throw new Refusal(400, 'BadRequest', { key: 'ui:refusals.botframework.groupWithoutSender' });
  return `${base}:${a.from.id}`;
}

/** The channel stored with the cases a Bot Framework conversation opens: this adapter, then the sender's channelId. */
export function channelOf(a: IncomingActivity): string {
  return `${BOT_FRAMEWORK}:${a.channelId}`.slice(0, 40);
}

const BOT_FRAMEWORK = 'botframework';

/** In a Teams group chat or channel the message starts with "<at>bot</at>": that is addressing, not an answer. */
function withoutBotMention(a: IncomingActivity): string {
  let text = a.text ?? '';
  for (const e of a.entities ?? []) if (e.type === 'mention' && e.text && e.mentioned?.id === a.recipient?.id) text = text.split(e.text).join(' ');
  return text.trim();
}

/** What the conversation is asked to do, or nothing for activities this bot does not answer. */
export function turnInput(a: IncomingActivity): TurnRequest['input'] | undefined {
  if (a.type === 'message') return buttonInput(a.value) ?? { text: withoutBotMention(a) };
  if (a.type === 'conversationUpdate') {
    const others = (a.membersAdded ?? []).filter((m) => m.id !== a.recipient?.id);
    return others.length > 0 ? { start: true } : undefined;
  }
  return undefined;
}
