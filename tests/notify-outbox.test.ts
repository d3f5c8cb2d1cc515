import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../src/logger.js';
import { NotificationOutbox, type SendResult } from '../src/notify/outbox.js';
import { FileOutboxStore, type Notice } from '../src/notify/outbox-store.js';
import type { Target } from '../src/notify/targets.js';
import { tempDir } from './cases-helpers.js';

const silent = createLogger('silent');
const notice = (n: number): Notice => ({ kind: 'case', lang: 'zh-CN', title: `notice ${n}`, lines: [], fields: { reference: `EK-20261123-AAAA${n}A` } });
const alice: Target = { kind: 'wechat', openid: 'o-alice' };
const bob: Target = { kind: 'wechat', openid: 'o-bob' };

/** A channel that is down (5xx: retry) until `upAt` on the clock, then takes everything; records what arrived. */
function channel(clock: { now: number }, upAt: number) {
  const arrived: { to: string; title: string; id: string }[] = [];
  let tries = 0;
  const send = async (t: Target, n: Notice, id: string): Promise<SendResult> => {
    tries += 1;
    if (clock.now < upAt) return 'retry';
    arrived.push({ to: t.kind === 'wechat' ? t.openid : '?', title: n.title, id });
    return 'sent';
  };
  return { send, arrived, tries: () => tries };
}

const options = (clock: { now: number }) => ({ baseDelayMs: 1_000, maxDelayMs: 16_000, keepDoneMs: 86_400_000, now: () => clock.now });

/** Runs the outbox pass by pass over `ms` of the fake clock, a second at a time. */
async function advance(outbox: NotificationOutbox, clock: { now: number }, ms: number) {
  for (let t = 0; t < ms; t += 1_000) {
    clock.now += 1_000;
    await outbox.run();
  }
}

describe('the notification outbox', () => {
  it('with the channel down for a minute, then up: every notice arrives once, in order per recipient', async () => {
    const dir = tempDir('ekey-outbox-');
    const clock = { now: 1_000_000 };
    const ch = channel(clock, clock.now + 60_000);
    const outbox = new NotificationOutbox(FileOutboxStore.open(dir), silent, options(clock));
    outbox.register('wechat', ch.send);
    for (let i = 1; i <= 3; i += 1) await outbox.enqueue(`a${i}`, alice, notice(i));
    for (let i = 4; i <= 5; i += 1) await outbox.enqueue(`b${i}`, bob, notice(i));
    await outbox.settled();
    expect(ch.arrived).toEqual([]);
    // Stored before sending, readable by the owner only.
    expect(statSync(join(dir, 'outbox', 'notifications.json')).mode & 0o777).toBe(0o600);
    await advance(outbox, clock, 90_000);
    expect(ch.arrived.map((a) => a.id)).toEqual(['a1', 'b4', 'a2', 'b5', 'a3']);
    expect(ch.arrived.filter((a) => a.to === 'o-alice').map((a) => a.title)).toEqual(['notice 1', 'notice 2', 'notice 3']);
    // Backoff: a minute down costs a handful of tries per recipient, not one a second.
    expect(ch.tries()).toBeLessThan(20);
    await advance(outbox, clock, 60_000);
    expect(ch.arrived).toHaveLength(5);
    // The same id again is not sent again.
    expect(await outbox.enqueue('a1', alice, notice(1))).toBe(false);
    await advance(outbox, clock, 5_000);
    expect(ch.arrived).toHaveLength(5);
    await outbox.close();
  });

  it('a restart while the channel is down loses none and sends none twice', async () => {
    const dir = tempDir('ekey-outbox-');
    const clock = { now: 5_000_000 };
    const upAt = clock.now + 60_000;
    const first = channel(clock, upAt);
    const before = new NotificationOutbox(FileOutboxStore.open(dir), silent, options(clock));
    before.register('wechat', first.send);
    for (let i = 1; i <= 4; i += 1) await before.enqueue(`n${i}`, i % 2 ? alice : bob, notice(i));
    await advance(before, clock, 20_000);
    await before.close();
    expect(first.arrived).toEqual([]);

    const second = channel(clock, upAt);
    const after = new NotificationOutbox(FileOutboxStore.open(dir), silent, options(clock));
    after.register('wechat', second.send);
    // The ids sent or waiting are remembered across the restart.
    expect(await after.enqueue('n2', bob, notice(2))).toBe(false);
    await advance(after, clock, 80_000);
    expect(second.arrived.map((a) => a.id).sort()).toEqual(['n1', 'n2', 'n3', 'n4']);
    await after.close();

    const third = channel(clock, upAt);
    const again = new NotificationOutbox(FileOutboxStore.open(dir), silent, options(clock));
    again.register('wechat', third.send);
    await advance(again, clock, 10_000);
    expect(third.arrived).toEqual([]);
    expect((await again.list()).map((n) => n.state)).toEqual(['sent', 'sent', 'sent', 'sent']);
    await again.close();
  });

  it('holds a notice for a user away until they are back, and what follows waits behind it', async () => {
    const clock = { now: 1 };
    const outbox = new NotificationOutbox(FileOutboxStore.open(tempDir('ekey-outbox-')), silent, options(clock));
    let away = true;
    const got: string[] = [];
    outbox.register('directline', async (_t, n) => {
      if (away) return 'hold';
      got.push(n.title);
      return 'sent';
    });
    const web: Target = { kind: 'directline', conversationId: 'c1', userId: 'dl_0123456789abcdef' };
    await outbox.enqueue('w1', web, notice(1));
    await outbox.enqueue('w2', web, notice(2));
    await advance(outbox, clock, 30_000);
    expect(got).toEqual([]);
    away = false;
    await outbox.wake('directline-user:dl_0123456789abcdef', { ...web, conversationId: 'c2' });
    await outbox.settled();
    expect(got).toEqual(['notice 1', 'notice 2']);
    await outbox.close();
  });

  it('refuses to start on a damaged outbox file, and leaves it as it is', async () => {
    const dir = tempDir('ekey-outbox-');
    const { mkdirSync, writeFileSync, readFileSync } = await import('node:fs');
    mkdirSync(join(dir, 'outbox'));
    writeFileSync(join(dir, 'outbox', 'notifications.json'), '{"format":1,"notifications":[{');
    expect(() => FileOutboxStore.open(dir)).toThrow(/not a readable outbox/);
    expect(readFileSync(join(dir, 'outbox', 'notifications.json'), 'utf8')).toBe('{"format":1,"notifications":[{');
  });
});

describe('the outbox under load', () => {
  it('sends a notice whose backoff ran out before the failed pass had ended, without another notice to wake it', async () => {
    const dir = tempDir('ekey-outbox-');
    // A machine so slow that 50 ms pass between any two readings of the clock: the 20 ms backoff of a failed
    // send has run out by the time the pass that set it is over, and the outbox must still come back for it.
    let clock = 1_000_000;
    const now = () => (clock += 50);
    const arrived: string[] = [];
    let tries = 0;
    const send = async (_t: Target, n: Notice): Promise<SendResult> => {
      tries += 1;
      if (tries === 1) return 'retry';
      arrived.push(n.title);
      return 'sent';
    };
    const outbox = new NotificationOutbox(FileOutboxStore.open(dir), silent, { baseDelayMs: 20, maxDelayMs: 200, keepDoneMs: 86_400_000, now });
    outbox.register('wechat', send);
    await outbox.enqueue('late', alice, notice(1));
    await vi.waitFor(() => expect(arrived).toEqual(['notice 1']), { timeout: 2_000 });
    expect(tries).toBe(2);
    await outbox.close();
  });
});
