import { Conversation } from '../src/conversation/conversation.js';
import type { Message } from '../src/conversation/messages.js';
import type { ConversationState } from '../src/conversation/state.js';
import { loadKnowledge } from '../src/knowledge/load.js';
import type { Knowledge } from '../src/knowledge/model.js';
import type { Language } from '../src/knowledge/schema.js';

let cached: Knowledge | undefined;
export function knowledge(): Knowledge {
  cached ??= loadKnowledge();
  return cached;
}

/** A fixed "today" so that date answers give the same bands in every run. */
export const TODAY = '2026-11-23';

export function conversation(today = TODAY): Conversation {
  return new Conversation(knowledge(), { today: () => today });
}

/** Drives a conversation through user lines and returns every turn's messages. */
export async function chat(lines: string[], lang: Language = 'zh-CN', c = conversation()) {
  let state: ConversationState = c.newState(lang);
  const turns: Message[][] = [];
  for (const text of lines) {
    const r = await c.turn(state, { text });
    state = r.state;
    turns.push(r.messages);
  }
  const last = turns.at(-1) ?? [];
  return { state, turns, last, outcome: last.find((m) => m.type === 'outcome'), question: last.find((m) => m.type === 'question') };
}

export function questionId(messages: Message[]): string | undefined {
  const q = messages.find((m) => m.type === 'question');
  return q?.type === 'question' ? q.question.id : undefined;
}
