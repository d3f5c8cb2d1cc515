import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKnowledge } from '../src/knowledge/load.js';
import { PgInsightsStore } from '../src/insights/pg-store.js';
import { Scrubber } from '../src/insights/scrub.js';
import { type InsightsKeeper, InsightsStore } from '../src/insights/store.js';
import { databasePlace, folderPlace } from './store-places.js';

/**
 * One contract for insights, run on both backends: feedback counted per procedure (or rule), messages
 * not understood scrubbed and only the latest kept, expiry by age, all of it there after a reopen.
 * PostgreSQL alone: what two instances are told adds up.
 */
const scrubber = new Scrubber(loadKnowledge().scrubWords);

interface Backend {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  open(now: () => Date): Promise<InsightsKeeper>;
}
const folder = folderPlace('ekey-insights-contract-');
const files: Backend = {
  name: 'embedded files',
  setup: () => folder.setup(),
  teardown: () => folder.teardown(),
  open: (now) => InsightsStore.open(folder.dir, { scrubber, limit: 3, delayMs: 10_000, now }),
};
const database = databasePlace();
const postgres: Backend = {
  name: 'PostgreSQL',
  setup: () => database.setup(),
  teardown: () => database.teardown(),
  open: async (now) => new PgInsightsStore(await database.open(), { scrubber, limit: 3, now }),
};

describe.each([files, postgres])('insights on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it('counts feedback, keeps the latest messages not understood scrubbed, expires by age, and keeps it all across a reopen', async () => {
    let now = new Date('2026-11-01T08:00:00Z');
    const a = await backend.open(() => now);
    a.feedback({ procedures: ['update-online', 'unlock'], rule: 'r1', helpful: true, lang: 'zh-CN' });
    a.feedback({ procedures: ['update-online'], rule: 'r1', helpful: false, lang: 'zh-CN' });
    a.feedback({ procedures: [], rule: 'r2', helpful: false, lang: 'zh-CN' });
    a.notUnderstood({ text: '手机 138-1234-5678 怎么办', lang: 'zh-CN' });
    now = new Date('2026-11-20T08:00:00Z');
    for (const text of ['second one', 'third one', 'fourth one']) a.notUnderstood({ text, question: 'need', lang: 'en' });
    a.notUnderstood({ text: '   ', lang: 'en' });
    await a.flush();

    const b = await backend.open(() => now);
    const seen = await b.snapshot();
    expect(seen.feedback).toEqual({ 'update-online': { helpful: 1, notHelpful: 1 }, unlock: { helpful: 1, notHelpful: 0 }, 'rule:r2': { helpful: 0, notHelpful: 1 } });
    expect(seen.notUnderstood).toEqual([
      { text: 'second one', question: 'need', lang: 'en', at: '2026-11-20T08:00:00.000Z' },
      { text: 'third one', question: 'need', lang: 'en', at: '2026-11-20T08:00:00.000Z' },
      { text: 'fourth one', question: 'need', lang: 'en', at: '2026-11-20T08:00:00.000Z' },
    ]);
    b.notUnderstood({ text: '我的手机是13812345678', lang: 'zh-CN' });
    await b.flush();
    const latest = (await b.snapshot()).notUnderstood;
    expect(latest.at(-1)?.text).not.toContain('13812345678');
    expect(latest).toHaveLength(3);
    now = new Date('2026-12-25T08:00:00Z');
    expect(await b.expire(30)).toBe(3);
    expect((await b.snapshot()).notUnderstood).toEqual([]);
  });
});

describe('insights on PostgreSQL, two instances', () => {
  beforeAll(() => database.setup());
  afterAll(() => database.teardown());

  it('feedback told to two instances at once adds up', async () => {
    const now = () => new Date('2026-11-20T08:00:00Z');
    const a = await postgres.open(now);
    const b = await postgres.open(now);
    for (let i = 0; i < 50; i += 1) (i % 2 ? a : b).feedback({ procedures: ['unlock'], rule: 'r', helpful: i % 5 !== 0, lang: 'en' });
    await Promise.all([a.flush(), b.flush()]);
    expect((await a.snapshot()).feedback).toEqual({ unlock: { helpful: 40, notHelpful: 10 } });
  });
});
