import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { NotificationOutbox, type OutboxOptions, type SendResult } from '../src/notify/outbox.js';
import type { OutboxQueue } from '../src/notify/outbox-queue.js';
import { FileOutboxStore, type Notice, type OutboxStore } from '../src/notify/outbox-store.js';
import { PgOutboxStore } from '../src/notify/pg-outbox-store.js';
import type { Target } from '../src/notify/targets.js';
import { databasePlace, folderPlace } from './store-places.js';

/**
 * One contract for the outbox's storage, run on both backends through the outbox itself: order per
 * recipient under backoff, once per id, nothing lost or sent twice across a restart, held notices and
 * the wake, old ones forgotten. PostgreSQL alone: two instances on one database send each notice once,
 * with one of them stopped mid-way, and a claim left by an instance that died expires.
 */
const silent = createLogger('silent');
const notice = (n: number): Notice => ({ kind: 'case', lang: 'zh-CN', title: `notice ${n}`, lines: [`line ${n}`], fields: { reference: `EK-20261123-AAAA${n}A` } });
const wechat = (openid: string): Target => ({ kind: 'wechat', openid });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Clock {
  now: number;
}
const options = (clock: Clock): OutboxOptions => ({ baseDelayMs: 1_000, maxDelayMs: 16_000, keepDoneMs: 86_400_000, claimMs: 30_000, now: () => clock.now });

/** A channel down (retry) until `upAt` on the clock, then taking everything; what arrived, in order. */
function channel(clock: Clock, upAt: number) {
  const arrived: string[] = [];
  let tries = 0;
  const send = async (_t: Target, _n: Notice, id: string): Promise<SendResult> => {
    tries += 1;
    if (clock.now < upAt) return 'retry';
    arrived.push(id);
    return 'sent';
  };
  return { send, arrived, tries: () => tries };
}

async function advance(outbox: NotificationOutbox, clock: Clock, ms: number) {
  for (let t = 0; t < ms; t += 1_000) {
    clock.now += 1_000;
    await outbox.run();
  }
}

interface Backend {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** The outbox's storage on the backend's shared place, as a restart or another instance opens it. */
  open(): Promise<OutboxStore | OutboxQueue>;
}

const folder = folderPlace('ekey-outbox-contract-');
const files: Backend = {
  name: 'embedded files',
  setup: () => folder.setup(),
  teardown: () => folder.teardown(),
  async open() {
    return FileOutboxStore.open(folder.dir);
  },
};

const database = databasePlace();
const openDb = () => database.open();
const postgres: Backend = {
  name: 'PostgreSQL',
  setup: () => database.setup(),
  teardown: () => database.teardown(),
  async open() {
    return new PgOutboxStore(await openDb());
  },
};

describe.each([files, postgres])('the outbox on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it('with the channel down for a minute: every notice arrives once, in order per recipient, with backoff', async () => {
    const clock = { now: 1_000_000 };
    const ch = channel(clock, clock.now + 60_000);
    const outbox = new NotificationOutbox(await backend.open(), silent, options(clock));
    outbox.register('wechat', ch.send);
    for (let i = 1; i <= 3; i += 1) expect(await outbox.enqueue(`t1-a${i}`, wechat('o-alice'), notice(i))).toBe(true);
    for (let i = 4; i <= 5; i += 1) await outbox.enqueue(`t1-b${i}`, wechat('o-bob'), notice(i));
    await outbox.settled();
    expect(ch.arrived).toEqual([]);
    await advance(outbox, clock, 90_000);
    // Each recipient's in order; between recipients, whichever channel call ends first.
    expect(ch.arrived.filter((id) => id.startsWith('t1-a'))).toEqual(['t1-a1', 't1-a2', 't1-a3']);
    expect(ch.arrived.filter((id) => id.startsWith('t1-b'))).toEqual(['t1-b4', 't1-b5']);
    expect(ch.tries()).toBeLessThan(20);
    expect(await outbox.enqueue('t1-a1', wechat('o-alice'), notice(1))).toBe(false);
    await advance(outbox, clock, 5_000);
    expect(ch.arrived).toHaveLength(5);
    const listed = (await outbox.list()).filter((n) => n.id.startsWith('t1-'));
    expect(listed.map((n) => n.id)).toEqual(['t1-a1', 't1-a2', 't1-a3', 't1-b4', 't1-b5']);
    expect(listed[0]).toMatchObject({ state: 'sent', recipient: 'wechat:o-alice', target: wechat('o-alice'), notice: notice(1) });
    expect(listed.every((n) => n.attempts >= 1 && n.doneAt !== undefined)).toBe(true);
    await outbox.close();
  });

  it('a restart while the channel is down loses none and sends none twice', async () => {
    const clock = { now: 5_000_000 };
    const upAt = clock.now + 60_000;
    const first = channel(clock, upAt);
    const before = new NotificationOutbox(await backend.open(), silent, options(clock));
    before.register('wechat', first.send);
    for (let i = 1; i <= 4; i += 1) await before.enqueue(`t2-n${i}`, wechat(i % 2 ? 'o-carol' : 'o-dan'), notice(i));
    await advance(before, clock, 20_000);
    await before.close();
    expect(first.arrived).toEqual([]);

    const second = channel(clock, upAt);
    const after = new NotificationOutbox(await backend.open(), silent, options(clock));
    after.register('wechat', second.send);
    expect(await after.enqueue('t2-n2', wechat('o-dan'), notice(2))).toBe(false);
    await advance(after, clock, 80_000);
    expect(second.arrived.filter((id) => id === 't2-n1' || id === 't2-n3')).toEqual(['t2-n1', 't2-n3']);
    expect(second.arrived.filter((id) => id === 't2-n2' || id === 't2-n4')).toEqual(['t2-n2', 't2-n4']);
    expect(second.arrived).toHaveLength(4);
    expect(await after.pending('case')).toBe(0);
    await after.close();

    const third = channel(clock, upAt);
    const again = new NotificationOutbox(await backend.open(), silent, options(clock));
    again.register('wechat', third.send);
    await advance(again, clock, 10_000);
    expect(third.arrived).toEqual([]);
    await again.close();
  });

  it('holds a notice for a user away until they are back, and what follows waits behind it', async () => {
    const clock = { now: 9_000_000 };
    const outbox = new NotificationOutbox(await backend.open(), silent, options(clock));
    let away = true;
    const got: string[] = [];
    outbox.register('directline', async (t, n) => {
      if (away) return 'hold';
      got.push(`${n.title}@${t.kind === 'directline' ? t.conversationId : '?'}`);
      return 'sent';
    });
    const web: Target = { kind: 'directline', conversationId: 'c1', userId: 'dl_0123456789abcdef' };
    await outbox.enqueue('t3-w1', web, notice(1));
    await outbox.enqueue('t3-w2', web, notice(2));
    await advance(outbox, clock, 30_000);
    expect(got).toEqual([]);
    expect(await outbox.pending('case')).toBe(1);
    away = false;
    await outbox.wake('directline-user:dl_0123456789abcdef', { ...web, conversationId: 'c2' });
    await outbox.settled();
    // The second waited behind the held one and went to where the first was told to go.
    expect(got).toEqual(['notice 1@c2', 'notice 2@c1']);
    await outbox.close();
  });

  it('forgets what was done longer ago than it keeps, and a notice for a channel not there waits', async () => {
    const clock = { now: 20_000_000 };
    const outbox = new NotificationOutbox(await backend.open(), silent, { ...options(clock), keepDoneMs: 60_000 });
    await outbox.enqueue('t4-bf', { kind: 'botframework', channelId: 'msteams', serviceUrl: 'https://smba.example/', conversationId: 'conv-1' }, notice(7));
    outbox.register('wechat', async () => 'sent');
    await outbox.enqueue('t4-x', wechat('o-erin'), notice(8));
    await outbox.settled();
    await advance(outbox, clock, 5_000);
    expect((await outbox.list()).find((n) => n.id === 't4-bf')?.state).toBe('pending');
    await advance(outbox, clock, 120_000);
    const ids = (await outbox.list()).map((n) => n.id);
    expect(ids).toContain('t4-bf');
    expect(ids).not.toContain('t4-x');
    // Forgotten, the id is new again.
    expect(await outbox.enqueue('t4-x', wechat('o-erin'), notice(8))).toBe(true);
    await outbox.close();
  });
});

describe('the outbox on PostgreSQL, two instances', () => {
  beforeAll(() => postgres.setup());
  afterAll(() => postgres.teardown());

  it('100 notices, two loops, one stopped mid-way: each delivered exactly once, in order per recipient', async () => {
    const delivered: { by: string; id: string }[] = [];
    const fast: OutboxOptions = { baseDelayMs: 10, maxDelayMs: 50, keepDoneMs: 86_400_000, claimMs: 30_000, pollMs: 10 };
    const sender =
      (by: string) =>
      async (_t: Target, _n: Notice, id: string): Promise<SendResult> => {
        delivered.push({ by, id });
        await sleep(Math.random() * 3);
        // A passing failure now and then: backoff and order survive it.
        return Math.random() < 0.05 ? 'retry' : 'sent';
      };
    const a = new NotificationOutbox(await postgres.open(), silent, fast);
    const b = new NotificationOutbox(await postgres.open(), silent, fast);
    a.register('wechat', sender('a'));
    b.register('wechat', sender('b'));
    const order = new Map<string, string[]>();
    for (let i = 0; i < 100; i += 1) {
      const to = `o-user-${i % 10}`;
      const id = `two-${String(i).padStart(3, '0')}`;
      order.set(to, [...(order.get(to) ?? []), id]);
      await (i % 2 ? a : b).enqueue(id, wechat(to), notice(i));
    }
    const sent = async () => (await a.list()).filter((n) => n.state === 'sent').length;
    while ((await sent()) < 30) await sleep(5);
    await a.close();
    const stoppedAt = delivered.length;
    while ((await sent()) < 100) await sleep(20);
    await b.close();

    const finalTries = new Map<string, number>();
    for (const d of delivered) finalTries.set(d.id, (finalTries.get(d.id) ?? 0) + 1);
    const rows = await new PgOutboxStore(await openDb()).list();
    expect(rows).toHaveLength(100);
    // Once each: every try but the last of an id was one the channel asked to retry.
    for (const n of rows) expect(finalTries.get(n.id)).toBe(n.attempts);
    expect(delivered.slice(stoppedAt).every((d) => d.by === 'b')).toBe(true);
    expect(new Set(delivered.map((d) => d.by))).toEqual(new Set(['a', 'b']));
    // In order per recipient: the first try of each notice came after the last of the one before it.
    for (const ids of order.values()) {
      const firsts = ids.map((id) => delivered.findIndex((d) => d.id === id));
      const lasts = ids.map((id) => delivered.map((d) => d.id).lastIndexOf(id));
      for (let k = 1; k < ids.length; k += 1) expect(firsts[k]).toBeGreaterThan(lasts[k - 1] as number);
    }
  });

  it('a notice claimed by an instance that died is sent by another once the claim expires', async () => {
    const clock = { now: 50_000_000 };
    const dead = new PgOutboxStore(await openDb());
    await dead.add({
      id: 'dead-1',
      recipient: 'wechat:o-frank',
      target: wechat('o-frank'),
      notice: notice(1),
      createdAt: clock.now,
      state: 'pending',
      attempts: 0,
      nextAt: clock.now,
    });
    const claimed = await dead.claim('dead-instance', { kinds: ['wechat'], now: clock.now, until: clock.now + 30_000, limit: 10 });
    expect(claimed.map((n) => n.id)).toEqual(['dead-1']);
    const got: string[] = [];
    const alive = new NotificationOutbox(await postgres.open(), silent, options(clock));
    alive.register('wechat', async (_t, _n, id) => (got.push(id), 'sent'));
    await advance(alive, clock, 20_000);
    expect(got).toEqual([]);
    await advance(alive, clock, 15_000);
    expect(got).toEqual(['dead-1']);
    // The dead instance's late word changes nothing.
    expect(await dead.settle('dead-instance', { ...claimed[0]!, state: 'dropped', attempts: 1 })).toBe(false);
    expect((await alive.list()).find((n) => n.id === 'dead-1')?.state).toBe('sent');
    await alive.close();
  });
});
