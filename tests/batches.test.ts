import { describe, expect, it } from 'vitest';
import { Batches, type Pending } from '../src/storage/batches.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Doubles each number after `ms`, keeping the batches it was given. */
function doubling(ms: number, max?: number) {
  const sent: number[][] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const batches = new Batches<number, number>(async (batch: Pending<number, number>[]) => {
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    sent.push(batch.map((p) => p.item));
    await sleep(ms);
    for (const p of batch) p.resolve(p.item * 2);
    inFlight -= 1;
  }, max);
  return { batches, sent, mostInFlight: () => mostInFlight };
}

describe('work sent in batches', () => {
  it('sends what arrives together as one batch, and what arrives meanwhile as the next, one at a time', async () => {
    const { batches, sent, mostInFlight } = doubling(20);
    const first = [1, 2, 3].map((n) => batches.add(n));
    await sleep(5);
    const second = [4, 5].map((n) => batches.add(n));
    expect(await Promise.all([...first, ...second])).toEqual([2, 4, 6, 8, 10]);
    expect(sent).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(mostInFlight()).toBe(1);
  });

  it('keeps a batch to its largest size', async () => {
    const { batches, sent } = doubling(1, 2);
    expect(await Promise.all([1, 2, 3, 4, 5].map((n) => batches.add(n)))).toEqual([2, 4, 6, 8, 10]);
    expect(sent).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('rejects the pieces of a batch that failed and goes on with the next', async () => {
    let calls = 0;
    const batches = new Batches<number, number>(async (batch) => {
      calls += 1;
      if (calls === 1) {
        batch[0]!.resolve(0);
        throw new Error('connection lost');
      }
      for (const p of batch) p.resolve(p.item);
    });
    const failed = [batches.add(1), batches.add(2)];
    await expect(failed[0]).resolves.toBe(0);
    await expect(failed[1]).rejects.toThrow('connection lost');
    expect(await batches.add(3)).toBe(3);
  });

  it('sends a requeued piece with the next batch', async () => {
    const tries: number[] = [];
    const batches = new Batches<string, number>(async (batch) => {
      for (const p of batch) {
        tries.push(tries.length);
        if (tries.length === 1) batches.requeue(p);
        else p.resolve(tries.length);
      }
    });
    expect(await batches.add('locked')).toBe(2);
  });
});
