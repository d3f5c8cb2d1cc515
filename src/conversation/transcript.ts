import type { Translate } from '../i18n.js';
import type { Message, UserInput } from './messages.js';

/** One line of what was said, as plain text, for the helpdesk's view of a handoff. */
export interface TranscriptLine {
  from: 'user' | 'bot';
  text: string;
  at: string;
}

/** The most a conversation keeps: the last 40 lines, 20 KB of text in all, 4,000 characters a line. */
const MAX_LINES = 40;
const MAX_CHARS = 20_000;
const MAX_LINE = 4_000;

/** What a user's input said, in words: typed text, or the label of the button pressed. */
export function inputText(input: UserInput | { start: true }, t: Translate): string | undefined {
  if ('text' in input) return input.text;
  if ('question' in input) return t(`questions:${input.question}.options.${input.answer}`);
  return undefined;
}

/** A message as one plain line: the question's prompt, the outcome's title and summary, a text as it is. */
export function messageText(m: Message): string {
  if (m.type === 'text' || m.type === 'understood') return m.text;
  if (m.type === 'question') return `${m.question.prompt} ${m.question.options.map((o) => `${o.index}. ${o.label}`).join(' ')}`;
  return [m.view.title, m.view.summary, m.case?.referenceText].filter(Boolean).join(' ');
}

/** The transcript with these lines added, cut to its limits from the oldest end. */
export function appendTranscript(kept: readonly TranscriptLine[] | undefined, lines: TranscriptLine[]): TranscriptLine[] {
  const all = kept ? kept.slice() : [];
  for (const l of lines) if (l.text.trim()) all.push(l.text.length > MAX_LINE ? { ...l, text: l.text.slice(0, MAX_LINE) } : { ...l });
  if (all.length > MAX_LINES) all.splice(0, all.length - MAX_LINES);
  let chars = 0;
  for (const l of all) chars += l.text.length;
  while (chars > MAX_CHARS && all.length > 1) chars -= all.shift()!.text.length;
  return all;
}
