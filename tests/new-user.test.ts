import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { activity, post, replies, useBot } from './botframework-server.js';
import { knowledge } from './helpers.js';
import { SITUATIONS } from './new-user-situations.js';

/**
 * Every situation of the handbook, told the way a new user tells it, through the Emulator's protocol
 * (POST /api/messages, expectReplies): the first message says what the user knows, in their words, and
 * every later one answers what was asked, in words too, no buttons. Each ends in the exact procedure,
 * in three turns or fewer. Dates are said relative to today, so the test holds on any day.
 */
// No network for this file; useBot() opens loopback alone, for the service under test.
nock.disableNetConnect();
const bot = useBot();

/** Sends the user's messages one by one; returns the outcome rule and how many messages it took. */
async function consult(conv: string, locale: string, messages: string[]): Promise<{ rule?: string; turns: number }> {
  for (const [i, text] of messages.entries()) {
    const acts = replies(await post(bot(), activity({ conversation: { id: conv }, from: { id: `${conv}-user` }, locale, text })));
    const rule = acts.map((a) => a.channelData?.ekey?.outcome).find(Boolean);
    if (rule) return { rule, turns: i + 1 };
  }
  return { turns: messages.length };
}

describe('a new user, in their own words, through the Emulator protocol', () => {
  it('covers every situation of the handbook: every outcome rule', () => {
    expect(SITUATIONS.map((s) => s.rule).sort()).toEqual(
      knowledge()
        .rules.map((r) => r.name)
        .sort(),
    );
  });

  const turns: number[] = [];
  describe.each([
    ['zh-CN', 'zh'],
    ['en-US', 'en'],
  ] as const)('in %s', (locale, lang) => {
    it.each(SITUATIONS.map((s) => [s.rule, s] as const))('%s: ends in the procedure, asking only what the first message left open', async (rule, s) => {
      const said = s[lang];
      const got = await consult(`new-${lang}-${rule}`, locale, said);
      expect(got.rule).toBe(rule);
      // Every message was needed: the outcome came with the last one.
      expect(got.turns).toBe(said.length);
      turns.push(got.turns);
    });
  });

  it('ends in three turns or fewer, every time, and in 2.0 turns or fewer on average', () => {
    expect(turns).toHaveLength(SITUATIONS.length * 2);
    expect(Math.max(...turns)).toBeLessThanOrEqual(3);
    const mean = turns.reduce((a, b) => a + b, 0) / turns.length;
    console.log(`new user: mean turns to an outcome ${mean.toFixed(2)} over ${turns.length} consultations`);
    expect(mean).toBeLessThanOrEqual(2.0);
  });
});
