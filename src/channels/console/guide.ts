import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Conversation } from '../../conversation/conversation.js';
import { randomUUID } from 'node:crypto';
import type { TurnResult } from '../../conversation/conversation.js';
import { ConversationService } from '../../conversation/service.js';
import { MemoryConversationStore } from '../../conversation/state-store.js';
import type { Language } from '../../knowledge/schema.js';
import { absoluteBase } from '../../render/links.js';
import { consoleText } from './render.js';

export interface GuideOptions {
  lang: Language;
  input: Readable;
  output: Writable;
  conversation: Conversation;
  /** EKEY_PUBLIC_URL: the checklist and flowchart addresses a caller can be read out; none without it. */
  publicUrl?: string;
  /** Show a prompt before each answer (a terminal); a pipe gets none. */
  interactive: boolean;
}

/**
 * The helpdesk's terminal guide: reads answers line by line, whether from a person at a terminal or a
 * pipe, and prints questions with numbered options and the outcome. Its turns go through the same
 * ConversationService as every channel's. Resolves at end of input.
 */
export async function runGuide(o: GuideOptions): Promise<void> {
  const write = (text: string) => o.output.write(`${text}\n\n`);
  const service = new ConversationService(o.conversation, new MemoryConversationStore());
  const key = `console:${randomUUID()}`;
  let lang = o.lang;
  const prompt = () => {
    if (o.interactive) o.output.write(o.conversation.t(lang)('ui:cli.prompt'));
  };
  const show = (result: TurnResult) => {
    lang = result.state.lang;
    for (const m of result.messages) write(consoleText(m, o.conversation.t(lang), absoluteBase(o.publicUrl)));
  };
  show(await service.handle({ key, input: { start: true }, locale: o.lang, channel: 'console' }));
  prompt();

  const lines = createInterface({ input: o.input, crlfDelay: Infinity, terminal: false });
  for await (const line of lines) {
    if (line.trim() === '') {
      prompt();
      continue;
    }
    show(await service.handle({ key, input: { text: line }, locale: lang, channel: 'console' }));
    prompt();
  }
  write(o.conversation.t(lang)('ui:cli.bye'));
}
