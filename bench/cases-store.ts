import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CaseRecord } from '../src/cases/case-schema.js';
import { FileCaseStore, SEGMENT_CAPACITY } from '../src/cases/file-store.js';
import { newReference } from '../src/cases/reference.js';
import { CaseService } from '../src/cases/service.js';
import { Consultation } from '../src/consult/consultation.js';
import { beijingDate } from '../src/dates/beijing.js';
import { loadKnowledge } from '../src/knowledge/load.js';

/**
 * `npm run bench:cases`: create and update latency with 1,000, 10,000 and 100,000 cases stored. Every
 * stored case is put in the current month, the worst case for a store laid out by month; each write
 * goes through the whole path (lock file, freshness check, schema check, journal append with
 * fdatasync, and the checkpoints that fold the journal into the segments when they fall due).
 * Prints figures; it passes or fails nothing. `npm run bench` runs it too and shows its table.
 */
export const WARMUP = 10;

export const k = loadKnowledge();
export const answers = { need: 'first', applyMode: 'offline', enterpriseType: 'domestic' };
const step = await new Consultation(k).next(answers);
if (step.kind !== 'outcome') throw new Error('the bench answers no longer reach an outcome');
export const outcome = step.outcome;

interface Row {
  size: number;
  open: number;
  heapMB: number;
  create: { p50: number; p99: number };
  update: { p50: number; p99: number };
  list: number;
}

/** One real case, as the service makes it, to copy. */
export async function template(): Promise<CaseRecord> {
  const dir = mkdtempSync(join(tmpdir(), 'ekey-bench-tpl-'));
  const store = await FileCaseStore.open(dir);
  const c = await new CaseService(k, store).open({ outcome, answers, lang: 'zh-CN', channel: 'bench' });
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return c;
}

/** Writes `n` cases straight into segment files, as the store would have laid them out; `vary` makes each its own. */
export function seed(dir: string, n: number, base: CaseRecord, vary: (c: CaseRecord, i: number) => CaseRecord = (c) => c): string[] {
  const today = beijingDate();
  const month = today.slice(0, 7);
  const refs = new Set<string>();
  const folder = join(dir, 'cases', month);
  mkdirSync(folder, { recursive: true });
  let segment: CaseRecord[] = [];
  let seq = 0;
  const flush = () => {
    writeFileSync(join(folder, `${String(seq).padStart(4, '0')}.json`), JSON.stringify({ format: 1, month, cases: segment }));
    seq += 1;
    segment = [];
  };
  for (let i = 0; i < n; i += 1) {
    const reference = newReference((r) => refs.has(r), today);
    refs.add(reference);
    segment.push(vary({ ...base, reference }, i));
    if (segment.length === SEGMENT_CAPACITY) flush();
  }
  if (segment.length > 0) flush();
  return [...refs];
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** p50 and p99 of `n` runs of `fn`, after a few not counted. */
export async function time(n: number, fn: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  return (await timeInTurn([undefined], n, (_, i) => fn(i)))[0] as { p50: number; p99: number };
}

/**
 * p50 and p99 of `n` runs of `fn` on each of `items`, after a few not counted, taking the items in turn
 * for every run: the disk's moments (a flush, another process's fsync) then fall on every item alike,
 * where timing one item after the other would compare them at different moments of the disk.
 */
export async function timeInTurn<T>(items: readonly T[], n: number, fn: (item: T, i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }[]> {
  for (let i = 0; i < WARMUP; i += 1) for (const item of items) await fn(item, -1 - i);
  const ms: number[][] = items.map(() => []);
  for (let i = 0; i < n; i += 1) {
    for (const [at, item] of items.entries()) {
      const t = performance.now();
      await fn(item, i);
      ms[at]!.push(performance.now() - t);
    }
  }
  return ms.map((m) => {
    m.sort((a, b) => a - b);
    return { p50: percentile(m, 50), p99: percentile(m, 99) };
  });
}

export async function benchCaseStore(options: { quick?: boolean; log?: (line: string) => void } = {}): Promise<{ rows: Row[]; table: string[] }> {
  const sizes = options.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
  const ops = Number(process.env.BENCH_OPS ?? (options.quick ? 100 : 500));
  const base = await template();
  const rows: Row[] = [];
  for (const size of sizes) {
    const dir = mkdtempSync(join(tmpdir(), `ekey-bench-${size}-`));
    const refs = seed(dir, size, base);
    global.gc?.();
    const t0 = performance.now();
    const store = await FileCaseStore.open(dir);
    const open = performance.now() - t0;
    const cases = new CaseService(k, store);
    const create = await time(ops, () => cases.open({ outcome, answers, lang: 'zh-CN', channel: 'bench' }));
    // Updates touch cases spread over the whole store, each a legal transition.
    const stride = Math.floor(refs.length / (ops + WARMUP + 1));
    const update = await time(ops, (i) => cases.transition(refs[(i + WARMUP + 1) * stride] as string, { to: 'submitted', agent: 'bench' }));
    const t1 = performance.now();
    await cases.list({ status: 'submitted', offset: 0, limit: 50 });
    const list = performance.now() - t1;
    const heapMB = process.memoryUsage().heapUsed / 1_048_576;
    rows.push({ size, open, heapMB, create, update, list });
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    options.log?.(`${size.toLocaleString('en')} cases stored: done`);
  }
  const ms = (x: number) => x.toFixed(2);
  const first = rows[0] as Row;
  const last = rows.at(-1) as Row;
  const table = [
    `| cases stored | create p50 / p99 ms | update p50 / p99 ms | open ms | list ms | heap MB |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.size.toLocaleString('en')} | ${ms(r.create.p50)} / ${ms(r.create.p99)} | ${ms(r.update.p50)} / ${ms(r.update.p99)} | ${r.open.toFixed(0)} | ${r.list.toFixed(1)} | ${r.heapMB.toFixed(0)} |`,
    ),
    '',
    `Case store, ${ops} operations each (segments of ${SEGMENT_CAPACITY}): at ${last.size.toLocaleString('en')} cases against ${first.size.toLocaleString('en')}, create p50 ${(last.create.p50 / first.create.p50).toFixed(2)}x, p99 ${(last.create.p99 / first.create.p99).toFixed(2)}x; update p50 ${(last.update.p50 / first.update.p50).toFixed(2)}x, p99 ${(last.update.p99 / first.update.p99).toFixed(2)}x (target ≤ 3x).`,
  ];
  return { rows, table };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { table } = await benchCaseStore({ quick: process.argv.includes('--quick'), log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(`\nNode ${process.version}\n\n${table.join('\n')}\n`);
}
