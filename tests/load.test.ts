import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../bench/driver.js';
import { LONG_CONSULTATIONS } from '../bench/scripts.js';
import { type RunningBot, startBot } from './botframework-server.js';

/**
 * 200 conversations of 10 turns each at once over HTTP: no error, no lost turn, every conversation ends in
 * its expected outcome. A load test, not a timed one: it asserts what came back, not how fast.
 */
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

describe('load', () => {
  it('holds 200 concurrent conversations of 10 turns with no error, no lost turn and the right outcomes', async () => {
    const scripts = Array.from({ length: 200 }, (_, i) => LONG_CONSULTATIONS[i % LONG_CONSULTATIONS.length]!);
    for (const s of scripts) expect(s.turns).toHaveLength(10);
    const result = await run(bot.url, scripts, 200);
    expect(result.errors).toBe(0);
    expect(result.turns).toBe(2000);
    expect(result.outcomes).toEqual(scripts.map((s) => s.outcome));
  }, 120_000);
});
