import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Conversation } from '../../conversation/conversation.js';
import type { Language } from '../../knowledge/schema.js';
import { consoleText } from './render.js';

export interface GuideOptions {
  lang: Language;
  input: Readable;
  output: Writable;
  conversation: Conversation;
  /** Show a prompt before each answer (a terminal); a pipe gets none. */
  interactive: boolean;
}

/**
 * The helpdesk's terminal guide: reads answers line by line, whether from a person at a terminal or a
 * pipe, and prints questions with numbered options and the outcome. Resolves at end of input.
 */
export async function runGuide(o: GuideOptions): Promise<void> {
  const write = (text: string) => o.output.write(`${text}\n\n`);
  let state = o.conversation.newState(o.lang);
  const prompt = () => {
    if (o.interactive) o.output.write(o.conversation.t(state.lang)('ui:cli.prompt'));
  };
  const opening = await o.conversation.start(state);
  state = opening.state;
  for (const m of opening.messages) write(consoleText(m, o.conversation.t(state.lang)));
  prompt();

  const lines = createInterface({ input: o.input, crlfDelay: Infinity, terminal: false });
  for await (const line of lines) {
    if (line.trim() === '') {
      prompt();
      continue;
    }
    const result = await o.conversation.turn(state, { text: line }, { channel: 'console' });
    state = result.state;
    for (const m of result.messages) write(consoleText(m, o.conversation.t(state.lang)));
    prompt();
  }
  write(o.conversation.t(state.lang)('ui:cli.bye'));
}
