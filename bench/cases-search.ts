import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCaseStore } from '../src/cases/file-store.js';
import { filterIds } from '../src/cases/filter-words.js';
import { ListQuery, toCaseQuery } from '../src/cases/requests.js';
import { CaseService } from '../src/cases/service.js';
import { createI18n, translator } from '../src/i18n.js';
import { loadKnowledge } from '../src/knowledge/load.js';
import { percentile, seed, template } from './cases-store.js';

/**
 * `npm run bench:search`: the agents' search (the API's and the CLI's `text=` and filters, words
 * resolved as the API resolves them) over 100,000 stored cases, each with its own enterprise name,
 * credit code and mobile number, all in one month (no date skips whole months: the worst case). Prints
 * p50/p99 per kind of search and over all of them; target p99 < 100 ms. It passes or fails nothing.
 * Every search differs from the one before it, so none is answered by the store's cache of the last search.
 */
const SIZE = Number(process.env.BENCH_CASES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_OPS ?? 30);

const k = loadKnowledge();
const i18n = createI18n(k);
const name = (kind: 'procedure' | 'status', word: string) => filterIds(k, (lang) => translator(i18n, lang), kind, word);
const mobile = (i: number) => `13${String(800_000_000 + i * 7).padStart(9, '0')}`;

const base = await template();
const dir = mkdtempSync(join(tmpdir(), 'ekey-bench-search-'));
const refs = seed(dir, SIZE, base, (c, i) => ({
  ...c,
  contact: { enterpriseName: `示例${i}号进出口贸易有限公司`, creditCode: `91120116MA${String(i).padStart(7, '0')}X`, mobile: mobile(i) },
}));
const store = await FileCaseStore.open(dir);
const cases = new CaseService(k, store);
const today = refs[0]?.slice(3, 11).replace(/(\d{4})(\d{2})(\d{2})/, '$1-$2-$3') as string;

const target = (r: number) => Math.floor(((r + 1) * SIZE) / (ROUNDS + 2));
const kinds: Record<string, (r: number) => Record<string, string>> = {
  'mobile as written': (r) => ({ text: mobile(target(r)).replace(/^(\d{3})(\d{4})(\d{4})$/, '+86 $1-$2-$3') }),
  'part of a mobile': (r) => ({ text: mobile(target(r)).slice(3, 9) }),
  'part of the name': (r) => ({ text: `示例${target(r)}号` }),
  'credit code, lower case': (r) => ({ text: `91120116ma${String(target(r)).padStart(7, '0')}x` }),
  reference: (r) => ({ text: (refs[target(r)] as string).toLowerCase() }),
  // Filters alone page through the result: one page after another, so that no search is the last one again (the store keeps that one).
  'procedure and status words': (r) => ({ procedure: '线下申请', status: '待递交材料', page: String(((r + 5) % 5) + 1) }),
  'Beijing date and words': (r) => ({ from: today, to: today, status: 'Guidance given', page: String(((r + 5) % 5) + 1) }),
  'nothing matches': (r) => ({ text: `不存在的企业${r}` }),
};

const search = (query: Record<string, string>) => cases.list(toCaseQuery(ListQuery.parse(query), name));
const t0 = performance.now();
await search({ text: 'warm-up' });
const cold = performance.now() - t0;

const all: number[] = [];
const lines: string[] = [];
for (const [kind, make] of Object.entries(kinds)) {
  await search(make(-1));
  const ms: number[] = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    const t = performance.now();
    const page = await search(make(r));
    ms.push(performance.now() - t);
    if (kind !== 'nothing matches' && page.total === 0) throw new Error(`the bench's "${kind}" search found nothing: the search or the bench is wrong`);
  }
  ms.sort((a, b) => a - b);
  all.push(...ms);
  lines.push(`| ${kind} | ${percentile(ms, 50).toFixed(1)} | ${percentile(ms, 99).toFixed(1)} |`);
}
all.sort((a, b) => a - b);
await store.close();
rmSync(dir, { recursive: true, force: true });

process.stdout.write(
  [
    `Node ${process.version}; ${SIZE.toLocaleString('en')} cases stored, ${ROUNDS} searches of each kind`,
    '',
    '| search | p50 ms | p99 ms |',
    '| --- | ---: | ---: |',
    ...lines,
    `| **all** | ${percentile(all, 50).toFixed(1)} | ${percentile(all, 99).toFixed(1)} |`,
    '',
    `First search after opening (folds every case's search text once): ${cold.toFixed(0)} ms. Target: p99 < 100 ms.`,
    '',
  ].join('\n'),
);
