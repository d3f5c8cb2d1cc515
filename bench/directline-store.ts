import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConversationLimits, ConversationRegistry, type DirectLineStore } from '../src/channels/directline/conversations.js';
import { PgDirectLineStore } from '../src/channels/directline/pg-store.js';
import { Database } from '../src/storage/pg/database.js';

/**
 * `npm run bench:directline`: the Direct Line store's append (an activity written) and poll (activities
 * after a watermark) latency, in memory and in PostgreSQL, and how long an activity written by one
 * instance takes to wake a listener of another (NOTIFY). PostgreSQL is DATABASE_URL, or a throwaway
 * cluster of scripts/pg-cluster.sh. Prints figures; it passes or fails nothing.
 */
const ROUNDS = 2_000;
const MB = 1024 * 1024;
const LIMITS: ConversationLimits = {
  perClient: 1e9,
  clientWindowMs: 3_600_000,
  perAddressOpen: 1e9,
  perNetworkOpen: 1e9,
  total: 100_000,
  idleMs: 7_200_000,
  activities: 500,
  conversationBytes: 2 * MB,
  frameBytes: MB,
  budgetBytes: 1024 * MB,
};
const activity = (i: number) => ({ type: 'message', text: `回复 ${i}：您需要办理哪项电子钥匙业务？`.repeat(4), from: { id: 'ekey-assistant', role: 'bot' }, locale: 'zh-CN' });

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;
const ms = (x: number) => x.toFixed(3);

async function timed(work: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    await work(i);
    times.push(performance.now() - t);
  }
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

async function measure(name: string, store: DirectLineStore): Promise<void> {
  // Conversations of 20 activities each, as a consultation has: the caps do not come into it.
  let c = await store.open('192.0.2.1', 'bench');
  const append = await timed(async (i) => {
    if (i % 20 === 0) c = await store.open('192.0.2.1', 'bench');
    await store.append(c, activity(i));
  });
  const polled = await store.open('192.0.2.1', 'bench');
  for (let i = 0; i < 20; i++) await store.append(polled, activity(i));
  const poll = await timed(async (i) => store.since(polled, i % 20));
  console.log(`${name.padEnd(12)} append p50 ${ms(append.p50)} ms  p99 ${ms(append.p99)} ms   poll p50 ${ms(poll.p50)} ms  p99 ${ms(poll.p99)} ms`);
}

let cluster: string | undefined;
let url = process.env.DATABASE_URL;
if (!url) {
  cluster = mkdtempSync(join(tmpdir(), 'ekey-bench-pg-'));
  url = execFileSync(join(import.meta.dirname, '..', 'scripts', 'pg-cluster.sh'), ['start', cluster], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}
try {
  console.log(`Direct Line store, ${ROUNDS} operations each`);
  await measure('memory', new ConversationRegistry(LIMITS));
  const dbA = await Database.open(url, { max: 4 });
  const dbB = await Database.open(url, { max: 4 });
  const a = new PgDirectLineStore(dbA, LIMITS);
  const b = new PgDirectLineStore(dbB, LIMITS);
  await Promise.all([a.listening(), b.listening()]);
  await measure('PostgreSQL', a);
  // Written on A, heard on B.
  const c = await a.open('192.0.2.2', 'bench');
  const wakes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const heard = new Promise<void>((resolve) => {
      const stop = b.listen(c.id, () => {
        stop();
        resolve();
      });
    });
    const t = performance.now();
    await a.append(c, activity(i));
    await heard;
    wakes.push(performance.now() - t);
  }
  console.log(`${'A → B wake'.padEnd(12)} p50 ${ms(percentile(wakes, 0.5))} ms  p99 ${ms(percentile(wakes, 0.99))} ms (append on A until B's listener runs)`);
  await Promise.all([a.close(), b.close()]);
  await Promise.all([dbA.close(), dbB.close()]);
} finally {
  if (cluster) {
    execFileSync(join(import.meta.dirname, '..', 'scripts', 'pg-cluster.sh'), ['stop', cluster], { stdio: 'inherit' });
    rmSync(cluster, { recursive: true, force: true });
  }
}
