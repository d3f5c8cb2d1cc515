import type { Request } from 'restify';
import { z } from 'zod';
import { buttonInput } from '../../conversation/button-input.js';
import type { TurnRequest } from '../../conversation/service.js';
import { Refusal } from '../../http/refusal.js';

/** What a client may post; anything else it adds is dropped before the activity is echoed. */
export const PostedActivity = z.looseObject({
  type: z.string().min(1).max(64),
  text: z.string().optional(),
  textFormat: z.string().max(16).optional(),
  value: z.unknown().optional(),
  name: z.string().max(128).optional(),
  locale: z.string().max(35).optional(),
  from: z.looseObject({ id: z.string().max(256).optional(), name: z.string().max(256).optional() }).optional(),
  channelData: z.record(z.string(), z.unknown()).optional(),
});
export type PostedActivity = z.infer<typeof PostedActivity>;

export function parsePosted(body: unknown, maxText: number): PostedActivity {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Refusal(400, 'BadArgument', { key: 'ui:refusals.directline.notAnObject' });
  const parsed = PostedActivity.safeParse(body);
  if (!parsed.success) {
    // Field names only: zod's own messages are English, and the caller's text is never repeated back.
    const fields = [...new Set(parsed.error.issues.map((i) => ['activity', ...i.path].join('.')))].join(', ');
    throw new Refusal(400, 'BadArgument', { key: 'ui:refusals.directline.malformed', params: { fields } });
  }
  if ((parsed.data.text?.length ?? 0) > maxText) throw new Refusal(413, 'MessageTooLong', { key: 'ui:refusals.directline.messageTooLong', params: { max: maxText } });
  return parsed.data;
}

/** The event the page posts when its language switch is used: the conversation switches with it. */
export const LANGUAGE_EVENT = 'ekey/language';

/**
 * What the conversation is asked to do. A card or suggested-action button carries {question, answer};
 * the language event becomes the language command in the words of dialogs/commands.json.
 */
export function turnInput(a: PostedActivity, languageCommand: (lang: 'zh-CN' | 'en') => string | undefined): TurnRequest['input'] | undefined {
  if (a.type === 'message') return buttonInput(a.value) ?? { text: a.text ?? '' };
  if (a.type === 'event' && a.name === LANGUAGE_EVENT && (a.value === 'zh-CN' || a.value === 'en')) {
    const text = languageCommand(a.value);
    return text === undefined ? undefined : { text };
  }
  return undefined;
}

/** The parts of a posted activity worth echoing back: the client recognises its own by channelData.clientActivityID. */
export function echoFields(a: PostedActivity): Record<string, unknown> {
  const out: Record<string, unknown> = { type: a.type };
  for (const key of ['text', 'textFormat', 'value', 'name', 'locale', 'channelData'] as const) if (a[key] !== undefined) out[key] = a[key];
  return out;
}

const USER_ID = /^[A-Za-z0-9_.:@-]{1,64}$/;

/** The watermark asked for: a count of activities, as this server gives them. */
export function watermarkOf(req: Request): number {
  const raw = (req.query as Record<string, unknown> | undefined)?.watermark;
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isSafeInteger(n) || n < 0) throw new Refusal(400, 'BadArgument', { key: 'ui:refusals.directline.badWatermark' });
  return n;
}

/** The user id a token may be made for; "dl_" ids are the server's own, as in Azure Direct Line. */
export function optionalUserId(body: unknown): string | undefined {
  const id = (body as { user?: { id?: unknown } } | undefined)?.user?.id;
  if (id === undefined) return undefined;
  if (typeof id !== 'string' || !USER_ID.test(id) || id.startsWith('dl_')) throw new Refusal(400, 'BadArgument', { key: 'ui:refusals.directline.badUserId' });
  return id;
}
