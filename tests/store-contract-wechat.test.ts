import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnswerBook, MemoryAnswerBook } from '../src/channels/wechat/retry-cache.js';
import { PgAnswerBook } from '../src/channels/wechat/pg-retry-cache.js';
import { Database } from '../src/storage/pg/database.js';
import { freshDatabase, type TestDatabase } from './pg-helpers.js';

/**
 * One contract for WeChat's retry cache, on both backends: memory and PostgreSQL. Retries of one message
 * share one turn and its parts; a failed turn is run again by a later retry; the ways of delivery are
 * taken once; replayed (timestamp, nonce) pairs are found; entries expire. PostgreSQL alone: two instances
 * on one database give one turn to the retries each receives.
 */
interface Backend {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  open(answerTtlMs: number, pairTtlMs: number): Promise<AnswerBook>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let n = 0;
/** A key of its own per test: the PostgreSQL backend's books share one table. */
const fresh = (what: string) => `msg:oOpenId${++n}:${what}`;

const memory: Backend = {
  name: 'memory',
  async setup() {},
  async teardown() {},
  async open(answerTtlMs, pairTtlMs) {
    return new MemoryAnswerBook(answerTtlMs, pairTtlMs);
  },
};

let testDb: TestDatabase | undefined;
const dbs: Database[] = [];
const postgres: Backend = {
  name: 'PostgreSQL',
  async setup() {
    testDb = await freshDatabase();
  },
  async teardown() {
    for (const d of dbs.splice(0)) await d.close();
    await testDb?.drop();
  },
  async open(answerTtlMs, pairTtlMs) {
    const db = await Database.open((testDb as TestDatabase).url, { max: 6 });
    dbs.push(db);
    return new PgAnswerBook(db, { answerTtlMs, pairTtlMs, pollMs: [10, 20] });
  },
};

describe.each([memory, postgres])('the WeChat retry cache on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it('runs one turn for a message and its retries, arriving at once or later, and gives each the same parts', async () => {
    const book = await backend.open(60_000, 60_000);
    const key = fresh('1');
    let turns = 0;
    const run = async () => {
      turns++;
      await sleep(150);
      return ['first part', 'second part'];
    };
    const answers = await Promise.all([1, 2, 3].map(() => book.begin(key, run)));
    expect(answers.filter((a) => a.first)).toHaveLength(1);
    const parts = await Promise.all(answers.map((a) => a.parts));
    for (const p of parts) expect(p).toEqual(['first part', 'second part']);
    const late = await book.begin(key, run);
    expect(late.first).toBe(false);
    expect(await late.parts).toEqual(['first part', 'second part']);
    expect(turns).toBe(1);
    // Another message is another turn.
    expect((await book.begin(fresh('2'), run)).first).toBe(true);
  });

  it('runs the turn again for a retry after the first attempt failed', async () => {
    const book = await backend.open(60_000, 60_000);
    const key = fresh('failing');
    const failed = await book.begin(key, async () => {
      await sleep(100);
      throw new Error('turn failed');
    });
    const waiting = await book.begin(key, async () => ['never']);
    expect(waiting.first).toBe(false);
    await expect(failed.parts).rejects.toThrow();
    await expect(waiting.parts).rejects.toThrow();
    await failed.forget();
    const retried = await book.begin(key, async () => ['answered']);
    expect(retried.first).toBe(true);
    expect(await retried.parts).toEqual(['answered']);
  });

  it('lets the API take an answer only while no way has, and the passive reply unless the API took it', async () => {
    const book = await backend.open(60_000, 60_000);
    const viaApi = await book.begin(fresh('api'), async () => ['a']);
    expect(await viaApi.take('api')).toBe(true);
    expect(await viaApi.take('api')).toBe(false);
    expect(await viaApi.take('passive')).toBe(false);
    const key = fresh('passive');
    const passive = await book.begin(key, async () => ['p']);
    const retry = await book.begin(key, async () => ['p']);
    expect(await passive.take('passive')).toBe(true);
    // A retry of a message answered passively gets the same passive reply again, and the API never takes it.
    expect(await retry.take('passive')).toBe(true);
    expect(await retry.take('api')).toBe(false);
  });

  it('queues the follow-up parts once, whichever delivery asks', async () => {
    const book = await backend.open(60_000, 60_000);
    const key = fresh('follow');
    const answers = await Promise.all([1, 2, 3].map(() => book.begin(key, async () => ['1', '2'])));
    const taken = await Promise.all(answers.map((a) => a.takeFollowUps()));
    expect(taken.filter(Boolean)).toHaveLength(1);
  });

  it('finds a (timestamp, nonce) pair that signed another message, and forgets pairs past their time', async () => {
    const book = await backend.open(60_000, 300);
    const pair = `1700000000:nonce-${++n}`;
    expect(await book.pairFits(pair, 'msg:a:1')).toBe(true);
    expect(await book.pairFits(pair, 'msg:a:1')).toBe(true);
    expect(await book.pairFits(pair, 'msg:b:2')).toBe(false);
    await sleep(400);
    expect(await book.pairFits(pair, 'msg:b:2')).toBe(true);
    expect(await book.pairFits(pair, 'msg:a:1')).toBe(false);
  });

  it('runs the turn again once a message’s answer has expired, swept or not', async () => {
    const book = await backend.open(300, 60_000);
    const key = fresh('expiring');
    let turns = 0;
    const run = async () => [`turn ${++turns}`];
    expect(await (await book.begin(key, run)).parts).toEqual(['turn 1']);
    await sleep(400);
    await book.sweep();
    const again = await book.begin(key, run);
    expect(again.first).toBe(true);
    expect(await again.parts).toEqual(['turn 2']);
  });
});

describe('WeChat retries on two instances sharing PostgreSQL', () => {
  beforeAll(() => postgres.setup());
  afterAll(() => postgres.teardown());

  it('gives one turn to retries landing on both instances at once, with the same parts on each', async () => {
    const a = await postgres.open(60_000, 60_000);
    const b = await postgres.open(60_000, 60_000);
    for (let round = 0; round < 10; round++) {
      const key = fresh(`both-${round}`);
      let turns = 0;
      const run = (who: string) => async () => {
        turns++;
        await sleep(30);
        return [`answered by ${who}`];
      };
      const answers = await Promise.all([a.begin(key, run('A')), b.begin(key, run('B')), a.begin(key, run('A')), b.begin(key, run('B'))]);
      const parts = await Promise.all(answers.map((x) => x.parts));
      expect(turns).toBe(1);
      expect(new Set(parts.map((p) => p.join()))).toHaveProperty('size', 1);
      expect(answers.filter((x) => x.first)).toHaveLength(1);
    }
  });

  it('refuses on one instance a pair that signed another message on the other', async () => {
    const a = await postgres.open(60_000, 60_000);
    const b = await postgres.open(60_000, 60_000);
    expect(await a.pairFits('1700000001:n', 'msg:oX:1')).toBe(true);
    expect(await b.pairFits('1700000001:n', 'msg:oX:1')).toBe(true);
    expect(await b.pairFits('1700000001:n', 'msg:oY:9')).toBe(false);
  });

  it('keeps neither the openid nor the nonce as they are', async () => {
    const book = await postgres.open(60_000, 60_000);
    await (
      await book.begin('msg:oVisibleOpenId:42', async () => ['x'])
    ).parts;
    await book.pairFits('1700000002:visible-nonce', 'msg:oVisibleOpenId:42');
    const db = dbs[dbs.length - 1]!;
    const { rows } = await db.query<{ text: string }>(`SELECT key AS text FROM wechat_answers UNION ALL SELECT pair || message FROM wechat_nonces`);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.text.includes('VisibleOpenId') || r.text.includes('visible-nonce'))).toBe(false);
  });
});
