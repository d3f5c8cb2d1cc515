import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConversationLimits, ConversationRegistry, type DirectLineStore } from '../src/channels/directline/conversations.js';
import { PgDirectLineStore } from '../src/channels/directline/pg-store.js';
import { Database } from '../src/storage/pg/database.js';
import { freshDatabase, type TestDatabase } from './pg-helpers.js';

/**
 * One contract for the Direct Line store, on both backends: memory and PostgreSQL. Activities come back
 * after a watermark, split into frames; the per-conversation caps keep the newest; idle conversations are
 * dropped and their dropping told; the open limits; one start; the budget; listeners are woken. PostgreSQL
 * alone: a second store on the same database (another instance) sees and is woken by the first's writes.
 */
const MB = 1024 * 1024;
const LIMITS: ConversationLimits = {
  perClient: 1_000,
  clientWindowMs: 3_600_000,
  perAddressOpen: 3,
  perNetworkOpen: 5,
  total: 1_000,
  idleMs: 60_000,
  activities: 500,
  conversationBytes: 2 * MB,
  frameBytes: MB,
  budgetBytes: 64 * MB,
};

interface Opened {
  store: DirectLineStore;
  dropped: string[];
}

interface Backend {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  open(limits: Partial<ConversationLimits>, clock: { now: number }): Promise<Opened>;
}

const message = (text: string, role: 'user' | 'bot' = 'user', locale?: string) => ({
  type: 'message',
  text,
  ...(locale ? { locale } : {}),
  from: { id: role === 'bot' ? 'ekey-assistant' : 'u1', role },
});
const texts = (json: string) => (JSON.parse(json) as { activities: { text: string }[] }).activities.map((a) => a.text);
const until = async (probe: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

const opened: DirectLineStore[] = [];
const memory: Backend = {
  name: 'memory',
  async setup() {},
  async teardown() {},
  async open(limits, clock) {
    const dropped: string[] = [];
    const store = new ConversationRegistry(
      { ...LIMITS, ...limits },
      () => clock.now,
      (id) => dropped.push(id),
    );
    return { store, dropped };
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
    for (const s of opened.splice(0)) await s.close();
    for (const d of dbs.splice(0)) await d.close();
    await testDb?.drop();
  },
  async open(limits, clock) {
    const db = await Database.open((testDb as TestDatabase).url, { max: 4 });
    dbs.push(db);
    // Each test starts from an empty table, as a fresh memory store does.
    await db.query('DELETE FROM directline_conversations');
    const dropped: string[] = [];
    const store = new PgDirectLineStore(
      db,
      { ...LIMITS, ...limits },
      () => clock.now,
      (id, here) => (here ? dropped.push(id) : undefined),
    );
    opened.push(store);
    await store.listening();
    return { store, dropped };
  },
};

describe.each([memory, postgres])('the Direct Line store on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it('gives back the activities after a watermark, numbered in order, with strictly increasing timestamps', async () => {
    const clock = { now: Date.now() };
    const { store } = await backend.open({}, clock);
    const c = await store.open('192.0.2.1', 'u1');
    expect((await store.since(c, 0)).json).toBe('{"activities":[]}');
    const sent = [];
    for (let i = 1; i <= 5; i++) sent.push(await store.append(c, message(`m${i}`)));
    expect(sent.map((a) => a.id)).toEqual([1, 2, 3, 4, 5].map((n) => `${c.id}|${String(n).padStart(7, '0')}`));
    const times = sent.map((a) => Date.parse(a.timestamp));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1] as number);
    const again = (await store.get(c.id))!;
    expect(again.userId).toBe('u1');
    const frame = await store.since(again, 2);
    expect(texts(frame.json)).toEqual(['m3', 'm4', 'm5']);
    expect(frame).toMatchObject({ count: 3, watermark: 5, more: false });
    // Nothing new: the watermark stays where it was.
    expect(await store.since(again, 5)).toMatchObject({ count: 0, watermark: 5, json: '{"activities":[],"watermark":"5"}' });
    expect(await store.get('no-such-conversation')).toBeUndefined();
  });

  it('splits what exceeds a frame, always sending at least one activity', async () => {
    const { store } = await backend.open({ frameBytes: 2_000 }, { now: Date.now() });
    const c = await store.open('192.0.2.2', 'u1');
    for (let i = 0; i < 6; i++) await store.append(c, message(`${i}`.repeat(700)));
    await store.append(c, message('x'.repeat(5_000)));
    const seen: string[] = [];
    let watermark = 0;
    for (let n = 0; n < 20; n++) {
      const frame = await store.since(c, watermark);
      if (frame.count === 0) break;
      expect(frame.count === 1 || Buffer.byteLength(frame.json) <= 2_000).toBe(true);
      seen.push(...texts(frame.json));
      watermark = frame.watermark;
      if (!frame.more) break;
    }
    expect(seen.map((t) => t[0])).toEqual(['0', '1', '2', '3', '4', '5', 'x']);
    expect(watermark).toBe(7);
  });

  it('keeps the newest activities within the count and byte caps, watermarks staying valid', async () => {
    const { store } = await backend.open({ activities: 5, conversationBytes: 3_000 }, { now: Date.now() });
    const c = await store.open('192.0.2.3', 'u1');
    for (let i = 1; i <= 12; i++) await store.append(c, message(`m${i}`));
    expect(texts((await store.since(c, 0)).json)).toEqual(['m8', 'm9', 'm10', 'm11', 'm12']);
    for (let i = 1; i <= 3; i++) await store.append(c, message(`${i}`.repeat(1_200)));
    const kept = texts((await store.since(c, 0)).json);
    expect(kept.map((t) => t.slice(0, 1))).toEqual(['2', '3']);
    // One activity bigger than the cap is still kept: the newest always is.
    await store.append(c, message('z'.repeat(4_000)));
    expect(texts((await store.since(c, 13)).json).map((t) => t.slice(0, 1))).toEqual(['z']);
  });

  it('drops a conversation idle past the limit, on access and on sweep, and tells of it', async () => {
    const clock = { now: Date.now() };
    const { store, dropped } = await backend.open({ idleMs: 10_000 }, clock);
    const a = await store.open('192.0.2.4', 'u1');
    const b = await store.open('192.0.2.5', 'u2');
    const kept = await store.open('192.0.2.6', 'u3');
    clock.now += 6_000;
    expect(await store.get(kept.id)).toBeDefined();
    clock.now += 6_000;
    expect(await store.get(a.id)).toBeUndefined();
    expect(dropped).toEqual([a.id]);
    expect(await store.sweep()).toEqual([b.id]);
    expect(dropped).toEqual([a.id, b.id]);
    expect(await store.get(kept.id)).toBeDefined();
  });

  it('limits the conversations open from one address and one network, and makes room at the total by dropping the longest idle', async () => {
    const clock = { now: Date.now() };
    const { store, dropped } = await backend.open({ total: 4 }, clock);
    const status = (address: string) =>
      store.open(address, 'u').then(
        () => 200,
        (err: { status: number; code: string }) => err.status,
      );
    expect([await status('198.51.100.1'), await status('198.51.100.1'), await status('198.51.100.1'), await status('198.51.100.1')]).toEqual([200, 200, 200, 429]);
    clock.now += 1_000;
    expect(await status('198.51.100.2')).toBe(200);
    expect(dropped).toEqual([]);
    clock.now += 1_000;
    // Full at four: the oldest of the first address goes, so that address may open one again.
    expect(await status('198.51.100.3')).toBe(200);
    expect(dropped).toHaveLength(1);
    expect(await status('198.51.100.1')).toBe(200);
  });

  it('starts a conversation once, with its locale, however many ask at once', async () => {
    const { store } = await backend.open({}, { now: Date.now() });
    const c = await store.open('192.0.2.7', 'u1');
    const copies = await Promise.all([1, 2, 3, 4].map(() => store.get(c.id)));
    const started = await Promise.all(copies.map((copy) => store.markStarted(copy!, 'en')));
    expect(started.filter(Boolean)).toHaveLength(1);
    const again = (await store.get(c.id))!;
    expect(again.started).toBe(true);
    expect(again.locale).toBe('en');
    expect(await store.markStarted(again, 'zh-CN')).toBe(false);
    expect((await store.get(c.id))!.locale).toBe('en');
  });

  it('remembers the language the assistant last answered in', async () => {
    const { store } = await backend.open({}, { now: Date.now() });
    const c = await store.open('192.0.2.8', 'u1');
    await store.append(c, message('hello', 'bot', 'en'));
    await store.append(c, message('hi', 'user', 'zh-CN'));
    expect((await store.get(c.id))!.lang).toBe('en');
  });

  it('refuses new activities with 503 once all transcripts reach the budget', async () => {
    const { store } = await backend.open({ budgetBytes: 4_000 }, { now: Date.now() });
    const c = await store.open('192.0.2.9', 'u1');
    await store.assertRoom(1_000);
    await store.append(c, message('b'.repeat(3_000)));
    await expect(store.assertRoom(1_000)).rejects.toMatchObject({ status: 503, code: 'ServiceUnavailable' });
    await store.assertRoom(500);
  });

  it('wakes the listeners of a conversation after each activity, until they stop listening', async () => {
    const { store } = await backend.open({}, { now: Date.now() });
    const c = await store.open('192.0.2.10', 'u1');
    const other = await store.open('192.0.2.11', 'u2');
    let woken = 0;
    const stop = store.listen(c.id, () => woken++);
    await store.append(other, message('elsewhere'));
    await store.append(c, message('here'));
    await until(() => woken >= 1);
    const before = woken;
    stop();
    await store.append(c, message('not heard'));
    await new Promise((r) => setTimeout(r, 100));
    expect(woken).toBe(before);
  });
});

describe('Direct Line conversations shared by two instances on PostgreSQL', () => {
  beforeAll(() => postgres.setup());
  afterAll(() => postgres.teardown());

  it('serves a conversation opened on one instance from the other, and wakes the other instance’s listeners', async () => {
    const clock = { now: Date.now() };
    const a = (await postgres.open({}, clock)).store;
    const b = (await postgres.open({}, clock)).store;
    const c = await a.open('203.0.113.1', 'u1');
    const onB = (await b.get(c.id))!;
    let woken = 0;
    b.listen(c.id, () => woken++);
    await a.append(c, message('from A'));
    await until(() => woken >= 1);
    expect(texts((await b.since(onB, 0)).json)).toEqual(['from A']);
    await b.append(onB, message('from B'));
    expect(texts((await a.since(c, 1)).json)).toEqual(['from B']);
  });

  it('numbers activities written at once by two instances one after the other, none lost', async () => {
    const clock = { now: Date.now() };
    const a = (await postgres.open({}, clock)).store;
    const b = (await postgres.open({}, clock)).store;
    const c = await a.open('203.0.113.2', 'u1');
    const onB = (await b.get(c.id))!;
    const written = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a.append(c, message(`a${i}`)) : b.append(onB, message(`b${i}`)))));
    const seqs = written.map((w) => Number(w.id.split('|')[1])).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const frame = await a.since(c, 0);
    expect(frame.count).toBe(40);
    expect(frame.watermark).toBe(40);
  });

  it('listens again after its listening connection is lost, waking its listeners to catch up', async () => {
    const clock = { now: Date.now() };
    const a = (await postgres.open({}, clock)).store;
    const db = await Database.open((testDb as TestDatabase).url, { max: 2 });
    dbs.push(db);
    const logged: string[] = [];
    const b = new PgDirectLineStore(
      db,
      LIMITS,
      () => clock.now,
      undefined,
      (_level, m) => logged.push(m),
    );
    opened.push(b);
    await b.listening();
    const c = await a.open('203.0.113.4', 'u1');
    let woken = 0;
    b.listen(c.id, () => woken++);
    // Every listening connection of the database is cut, as a failover or a restarted server would.
    await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`);
    await until(() => logged.some((m) => m.includes('listening connection lost')));
    // Reconnected, it wakes its listeners once (what was notified meanwhile was missed), then hears again.
    await until(() => woken >= 1);
    const before = woken;
    await a.append(c, message('after the reconnect'));
    await until(() => woken > before);
  });

  it('tells the other instance of a conversation dropped, to end its streams', async () => {
    const clock = { now: Date.now() };
    const db = await Database.open((testDb as TestDatabase).url, { max: 2 });
    dbs.push(db);
    const a = (await postgres.open({ idleMs: 1_000 }, clock)).store;
    const ended: string[] = [];
    const b = new PgDirectLineStore(
      db,
      { ...LIMITS, idleMs: 1_000 },
      () => clock.now,
      (id, here) => (here ? undefined : ended.push(id)),
    );
    opened.push(b);
    await b.listening();
    const c = await a.open('203.0.113.3', 'u1');
    clock.now += 2_000;
    expect(await a.sweep()).toEqual([c.id]);
    await until(() => ended.includes(c.id));
  });
});
