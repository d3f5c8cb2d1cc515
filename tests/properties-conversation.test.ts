import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ServiceCaseDesk } from '../src/conversation/service-case-desk.js';
import { CaseService } from '../src/cases/service.js';
import { inertQuote } from '../src/conversation/quote.js';
import { Conversation } from '../src/conversation/conversation.js';
import type { InsightSink } from '../src/conversation/feedback.js';
import type { Message, UserInput } from '../src/conversation/messages.js';
import type { ConversationState } from '../src/conversation/state.js';
import { knowledge, TODAY } from './helpers.js';
import { MemoryCaseStore } from './memory-case-store.js';
import { messageText } from './properties-vocabulary.js';

/**
 * The conversation turn, for any sequence of inputs (typed text of every kind, buttons of any question
 * with any answer, commands, references): it never throws, every message is whole (no missing text, no
 * untranslated key), the state survives being stored as JSON, and the conversation always ends its turn
 * on a question or an outcome: the question it waits on, or the outcome that finished it.
 */
const k = knowledge();
const NAMESPACE_KEY = /\b(ui|questions|procedures|materials|outcomes|common|guides|lifecycle):[a-zA-Z][\w.-]*/;

const insights: InsightSink = { feedback: () => undefined, notUnderstood: () => undefined };
const REF = '\u0000reference\u0000';
const button = fc.record({
  question: fc.constantFrom(...k.questions.keys(), 'feedback', 'no-such-question', '<script>'),
  answer: fc.constantFrom(...new Set([...k.questions.values()].flatMap((q) => q.options.map((o) => o.value))), 'yes', 'no', '', '../..'),
});
const input: fc.Arbitrary<UserInput> = fc.oneof(
  { weight: 6, arbitrary: messageText(k).map((text) => ({ text })) },
  { weight: 2, arbitrary: button },
  { weight: 1, arbitrary: fc.constantFrom(...Object.values(k.commands).flat()).map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.constantFrom(`查询进度 ${REF}`, REF, '登记联系方式', '1234').map((text) => ({ text })) },
);
const session = fc.record({ lang: fc.constantFrom('zh-CN' as const, 'en' as const), inputs: fc.array(input, { minLength: 1, maxLength: 14 }) });

function checkMessage(m: Message, typed: string): void {
  if (m.type === 'text') {
    expect(m.text.trim().length).toBeGreaterThan(0);
    // The user's own words may be quoted back ("not understood: ..."): only the assistant's words are checked.
    // The quote is the first 60 characters with Markdown's markup blanked out, so it cannot post a link.
    const quoted = inertQuote(typed);
    const own = typed
      ? m.text
          .split(typed.slice(0, 60))
          .join('')
          .split(quoted || typed)
          .join('')
      : m.text;
    expect(own).not.toMatch(NAMESPACE_KEY);
    expect(own).not.toContain('{{');
  } else if (m.type === 'question') {
    expect(m.question.prompt).toMatch(/\S/);
    expect(m.question.options.length).toBeGreaterThanOrEqual(2);
    for (const o of m.question.options) expect(o.label).toMatch(/\S/);
    expect(m.question.prompt).not.toMatch(NAMESPACE_KEY);
  } else if (m.type === 'understood') {
    expect(m.text).toMatch(/\S/);
    expect(m.text).not.toMatch(NAMESPACE_KEY);
    expect(m.text).not.toContain('{{');
    expect(m.items.length).toBeGreaterThanOrEqual(1);
  } else {
    const words = JSON.stringify([m.view, m.case ?? null]);
    expect(m.view.summary).toMatch(/\S/);
    expect(words).not.toMatch(NAMESPACE_KEY);
    expect(words).not.toContain('{{');
  }
}

async function run(c: Conversation, lang: 'zh-CN' | 'en', inputs: UserInput[], references: () => string | undefined): Promise<void> {
  let state: ConversationState = c.newState(lang);
  for (const raw of inputs) {
    const given = 'text' in raw ? { text: raw.text.replaceAll(REF, references() ?? 'EK-20261123-ABCDEF') } : raw;
    const before = state;
    const r = await c.turn(before, given, { channel: 'test' });
    const typed = 'text' in given ? given.text : '';
    expect(r.messages.length, typed).toBeGreaterThan(0);
    for (const m of r.messages) checkMessage(m, typed);
    // Stored as JSON between turns, as every store does.
    const stored = JSON.parse(JSON.stringify(r.state)) as ConversationState;
    expect(stored).toEqual(r.state);
    state = stored;

    if (state.pending !== undefined) expect(k.questions.has(state.pending), state.pending).toBe(true);
    const at = r.messages.findIndex((m) => m.type === 'outcome');
    if (!before.finished && state.finished) expect(at, 'finished without an outcome').toBeGreaterThanOrEqual(0);
    if (at >= 0) {
      expect(state.finished).toBe(true);
      for (const m of r.messages.slice(at + 1)) expect(m.type === 'text' ? m.role : m.type === 'question' ? m.question.id : 'outcome').toMatch(/^(notice|feedback)$/);
    }
    // A turn ends on the question the consultation waits on, or on its outcome; a turn that only informs
    // (the hotline, help after an outcome, a status query, a contact detail) leaves the consultation
    // exactly where it was, its question still waiting.
    const last = r.messages.at(-1);
    const label = JSON.stringify(given);
    if (last?.type === 'question') expect(last.question.id, label).toBe(state.finished ? 'feedback' : state.pending);
    else if (at < 0) {
      expect(last?.type, label).toBe('text');
      expect({ answers: state.answers, implied: state.implied, details: state.details, pending: state.pending }, label).toEqual({
        answers: before.answers,
        implied: before.implied,
        details: before.details,
        pending: before.pending,
      });
    }
  }
}

describe('the conversation turn, for any sequence of inputs', () => {
  it('never throws and always ends on the question it waits on or the outcome it gave', async () => {
    const c = new Conversation(k, { today: () => TODAY, insights });
    await fc.assert(
      fc.asyncProperty(session, async ({ lang, inputs }) => run(c, lang, inputs, () => undefined)),
      { numRuns: 600 },
    );
  }, 60_000);

  it('does the same with the helpdesk: cases, status queries and contact details', async () => {
    const store = new MemoryCaseStore();
    const c = new Conversation(k, { today: () => TODAY, insights, cases: new ServiceCaseDesk(new CaseService(k, store)) });
    const last = () => [...store.cases.keys()].at(-1);
    await fc.assert(
      fc.asyncProperty(session, async ({ lang, inputs }) => run(c, lang, inputs, last)),
      { numRuns: 600 },
    );
    // The runs reached outcomes, and with them cases: the helpdesk's paths were exercised.
    expect(store.cases.size).toBeGreaterThan(10);
  }, 60_000);
});
