import type { BotActivity } from '../src/render/activity.js';

export interface Said {
  status: number;
  activities: BotActivity[];
}

/** One message to POST /api/messages with deliveryMode expectReplies, as the Emulator sends it. */
export async function say(url: string, conversationId: string, text: string, locale = 'zh-CN'): Promise<Said> {
  const res = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'message',
      channelId: 'emulator',
      serviceUrl: 'http://127.0.0.1:9',
      conversation: { id: conversationId },
      from: { id: `user-${conversationId}` },
      recipient: { id: 'bot' },
      locale,
      deliveryMode: 'expectReplies',
      text,
    }),
  });
  const body = (await res.text()) || '{}';
  return { status: res.status, activities: res.status === 200 ? ((JSON.parse(body) as { activities?: BotActivity[] }).activities ?? []) : [] };
}

/** The texts of a turn's activities, each card as the plain text it falls back to (the outcome and its case reference are a card). */
export const texts = (s: Said): string[] => s.activities.map((a) => [a.text, ...(a.attachments ?? []).map((x) => x.content.fallbackText)].filter(Boolean).join('\n'));
