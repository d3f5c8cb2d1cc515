import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCorpus } from './bad-input/batches.js';
import { checkCards, checkReasonLanguage, inEnglish, refusals } from './bad-input/checks.js';
import { messagesCorpus } from './bad-input/messages.js';
import { type RunningBot, startBot } from './botframework-server.js';
import { say, texts } from './messages-client.js';
import { referencesIn } from './service-process.js';

/** The corpus of bad input for POST /api/messages (tests/bad-input/messages.ts), against the real server. */
let bot: RunningBot;
beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
  bot = await startBot();
});
afterAll(async () => {
  await bot.close();
  nock.enableNetConnect();
});

describe('bad input to /api/messages', () => {
  it('gets a 4xx with a reason or a harmless answer, the server keeps serving, and no stored case changes', async () => {
    await say(bot.url, 'seed', '钥匙丢了');
    expect(referencesIn(texts(await say(bot.url, 'seed', '内资')))).toHaveLength(1);
    const corpus = messagesCorpus();
    expect(corpus.length).toBeGreaterThan(100);
    const answers = await runCorpus(bot.url, bot.dataDir, corpus, (_input, a) => checkCards(a));
    // Activities in zh-CN, requests without Accept-Language: every refusal in Chinese.
    expect(checkReasonLanguage(corpus, answers, 'zh-CN')).toBe(refusals(corpus));
    // Still the same service: a consultation runs to its outcome.
    await say(bot.url, 'after', '钥匙丢了');
    expect(referencesIn(texts(await say(bot.url, 'after', '内资')))).toHaveLength(1);
  }, 60_000);

  it('gives every refusal in English to English activities and requests', async () => {
    const corpus = inEnglish(messagesCorpus('en-US'));
    const answers = await runCorpus(bot.url, bot.dataDir, corpus);
    expect(checkReasonLanguage(corpus, answers, 'en')).toBe(refusals(corpus));
  }, 60_000);
});
