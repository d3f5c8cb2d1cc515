/**
 * npm run bench:understand: what understanding costs. In one process: memory before and after the
 * understanding is built (segmenter, concepts, tolerances, classifier; collected with --expose-gc), the
 * classifier's training time, and the time of one message (the command reader and the Understander, as a
 * turn runs them) over every message of both corpora, after a warm-up; p50 and p99 per message.
 * Targets (issue 11): p99 < 1 ms, training < 1 s, memory added < 30 MB.
 */
import { CommandReader } from '../src/conversation/commands.js';
import { loadKnowledge } from '../src/knowledge/load.js';
import { Understander } from '../src/understand/understand.js';
import { CORPUS_TODAY, readCorpus } from '../tests/corpus/corpus.js';

const gc = (globalThis as { gc?: () => void }).gc;
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
const settle = () => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.external + m.arrayBuffers };
};

const k = loadKnowledge();
const entries = [...readCorpus(k, 'tuning'), ...readCorpus(k, 'heldout')];
const before = settle();
const built = performance.now();
const understander = new Understander(k);
const commands = new CommandReader(k);
const buildMs = performance.now() - built;
const after = settle();

const run = (e: (typeof entries)[number]) => {
  const u = understander.understand(e.text, { pending: e.pending, today: CORPUS_TODAY });
  commands.read(e.text, Object.keys(u.answers).length > 0);
};
for (let i = 0; i < 3; i++) for (const e of entries) run(e);
const times: number[] = [];
for (let round = 0; round < 5; round++)
  for (const e of entries) {
    const t0 = performance.now();
    run(e);
    times.push(performance.now() - t0);
  }
times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] as number;
const long = 'x'.repeat(100_000);
const t0 = performance.now();
understander.understand(long, { today: CORPUS_TODAY });
commands.read(long);
const longMs = performance.now() - t0;

console.log(`Understanding benchmark on Node ${process.version}${gc ? '' : ' (run with --expose-gc for exact memory)'}`);
console.log(`messages: ${entries.length} (tuning + held-out), ${times.length} timed runs`);
console.log(`per message: p50 ${at(0.5).toFixed(3)} ms, p99 ${at(0.99).toFixed(3)} ms, max ${(times.at(-1) ?? 0).toFixed(3)} ms (target p99 < 1 ms)`);
console.log(`a 100 KB message: ${longMs.toFixed(1)} ms`);
console.log(`classifier training: ${understander.trainingMs.toFixed(0)} ms (target < 1000 ms); whole understanding built in ${buildMs.toFixed(0)} ms`);
console.log(`memory added: RSS ${mb(after.rss - before.rss)} MB, heap+external ${mb(after.heap - before.heap)} MB (target < 30 MB)`);
