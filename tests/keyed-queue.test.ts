import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../src/storage/keyed-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('work queued by key', () => {
  it('runs the work of one key one piece at a time, in order, and other keys meanwhile', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const piece = (key: string, n: number, ms: number) =>
      queue.run(key, async () => {
        log.push(`${key}${n} start`);
        await sleep(ms);
        log.push(`${key}${n} end`);
        return n;
      });
    const results = await Promise.all([piece('a', 1, 30), piece('a', 2, 1), piece('b', 1, 1)]);
    expect(results).toEqual([1, 2, 1]);
    expect(log).toEqual(['a1 start', 'b1 start', 'b1 end', 'a1 end', 'a2 start', 'a2 end']);
  });

  it('goes on after a piece that fails, which fails alone', async () => {
    const queue = new KeyedQueue();
    const failing = queue.run('a', async () => Promise.reject(new Error('failed')));
    const next = queue.run('a', async () => 'ran');
    await expect(failing).rejects.toThrow('failed');
    expect(await next).toBe('ran');
  });

  it('forgets a key once its work is done', async () => {
    const queue = new KeyedQueue();
    await queue.run('a', async () => undefined);
    await sleep(0);
    expect((queue as unknown as { tails: Map<string, unknown> }).tails.size).toBe(0);
  });
});
