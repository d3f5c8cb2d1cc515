import { describe, expect, it } from 'vitest';
import { CommandReader } from '../src/conversation/commands.js';
import { Understander, isEmpty } from '../src/understand/understand.js';
import { conversation, knowledge, TODAY } from './helpers.js';

/**
 * Bad input through every stage of understanding (segmentation, concepts, pinyin, spelling, negation,
 * commands, the classifier): no exception, nothing answered, and in a conversation the "not understood"
 * path (or the out-of-scope one), never an answer recorded.
 */
const BAD: [string, string][] = [
  ['100 KB of one letter', 'x'.repeat(100_000)],
  ['100 KB of Chinese', '的'.repeat(100_000)],
  ['100 KB of words', '钥匙 key 不要 not '.repeat(6_000)],
  ['emoji only', '😀😂🔑🔑🙏🏻👨‍👩‍👧'],
  ['control characters', '\u0000\u0001\u0007\u001b[31m\u007f\u200b\u202e'],
  ['mixed scripts', 'ключ κλειδί مفتاح कुंजी 열쇠 かぎ'],
  ['only negations', "不要不是没有不想 don't not no longer"],
  ['lone surrogates', '\ud800\udfff\udc00\ud83d'],
  ['punctuation', '，。！？、；：“”‘’（）《》,.!?;:()'],
];

describe('bad input to understanding', () => {
  const k = knowledge();
  const u = new Understander(k);
  const commands = new CommandReader(k);

  it.each(BAD)('%s: no exception, nothing answered, no command', (_name, text) => {
    for (const pending of [undefined, 'need', 'lossKind', 'expiry']) {
      const heard = u.understand(text, { pending, today: TODAY });
      expect(isEmpty(heard), JSON.stringify(heard)).toBe(true);
      expect(heard.guessed).toBeUndefined();
    }
    expect(commands.read(text)).toBeUndefined();
  });

  it.each(BAD)('%s: the conversation takes the not-understood path and records nothing', async (_name, text) => {
    const c = conversation();
    const first = await c.turn(c.newState('zh-CN'), { text: '你好' });
    const r = await c.turn(first.state, { text });
    expect(r.state.answers).toEqual({});
    const said = r.messages.filter((m) => m.type === 'text').map((m) => (m.type === 'text' ? m.role : undefined));
    // Either said not understood (or out of scope), or asked which of two or three needs it meant.
    const last = r.messages.at(-1);
    const choice = last?.type === 'question' && last.question.options.length <= 3 && last.question.id === 'need';
    expect(said.includes('error') || said.includes('notice') || choice, JSON.stringify(r.messages).slice(0, 300)).toBe(true);
    expect(r.messages.some((m) => m.type === 'understood')).toBe(false);
    expect(r.messages.at(-1)?.type).toBe('question');
  });
});
