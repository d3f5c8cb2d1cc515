/**
 * How well free text is understood: runs every message of tests/corpus/messages.json through the
 * Understander (today fixed at the corpus date) and prints per-question and overall accuracy, option
 * coverage, and each failure with what was expected and what came out. A report: it always exits 0.
 *
 *   npm run corpus              figures and failures
 *   npm run corpus -- --all     also every message that passed
 */
import { loadKnowledge } from '../src/knowledge/load.js';
import { CORPUS_TODAY, type CorpusResult, coverage, evaluateCorpus, messageLanguage, readCorpus, wrongNeeds } from '../tests/corpus/corpus.js';

const pct = (n: number, d: number) => (d === 0 ? '   -  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`);
const show = (m: Record<string, string>) => (Object.keys(m).length === 0 ? '{}' : Object.entries(m).map(([k, v]) => `${k}=${v}`).join(' '));
const line = (r: CorpusResult) => {
  const pending = r.entry.pending ? ` [pending ${r.entry.pending}]` : '';
  const expected = show(r.entry.expect.answers) + (r.entry.expect.reask ? ' +reask' : '');
  const got = show(r.got) + (r.gotReask ? ' +reask' : '');
  return `  ${JSON.stringify(r.entry.text)}${pending}\n      expected: ${expected}\n      got:      ${got}`;
};

const k = loadKnowledge();
const entries = readCorpus(k);
const report = evaluateCorpus(k, entries);

const langs = { zh: 0, en: 0, other: 0 };
for (const e of entries) langs[messageLanguage(e.text)] += 1;
const withPending = entries.filter((e) => e.pending !== undefined).length;
const empty = entries.filter((e) => Object.keys(e.expect.answers).length === 0 && !e.expect.reask).length;
const several = entries.filter((e) => Object.keys(e.expect.answers).length >= 3).length;

console.log(`Understanding corpus: ${entries.length} messages (today = ${CORPUS_TODAY})`);
console.log(`  ${langs.zh} with Chinese, ${langs.en} English, ${langs.other} numbers/dates only; ${withPending} answer a pending question; ${several} yield 3+ answers; ${empty} must yield nothing`);
console.log('\nPer question (messages where the question is expected or was answered):');
for (const [id, s] of report.perQuestion) console.log(`  ${id.padEnd(16)} ${pct(s.correct, s.total)}  ${s.correct}/${s.total}`);
console.log(`\nOverall (message yields exactly the expected answers): ${pct(report.passed, entries.length)}  ${report.passed}/${entries.length}`);

const wrong = wrongNeeds(report);
console.log(`Wrong or unwanted "need" (wrong procedure): ${wrong.length}`);

const thin = [...coverage(k, entries)].filter(([, c]) => c.zh + c.en + c.other < 3 || c.zh === 0 || c.en === 0);
console.log(thin.length === 0 ? 'Coverage: every option value at least 3 times, in Chinese and in English' : `Thin coverage: ${thin.map(([v, c]) => `${v} (zh ${c.zh}, en ${c.en}, other ${c.other})`).join(', ')}`);

if (report.failures.length > 0) {
  console.log(`\nFailures (${report.failures.length}):`);
  for (const r of report.failures) console.log(line(r));
}
if (process.argv.includes('--all')) {
  console.log('\nPassed:');
  for (const r of report.results.filter((x) => x.ok)) console.log(line(r));
}
