/**
 * How well free text is understood, on the tuning set (tests/corpus/tuning.json, free to shape dialogs/)
 * and on the held-out set (tests/corpus/heldout.json, written before tuning and never tuned to): every
 * message through the command reader and the Understander (today fixed at the corpus date); accuracy per
 * set, per question and per kind, wrong needs, openings whose need was read, and each failure with what
 * was expected and what came out. A report: it always exits 0.
 *
 *   npm run corpus              figures and failures of both sets
 *   npm run corpus -- heldout   one set only
 *   npm run corpus -- --all     also every message that passed
 */
import { loadKnowledge } from '../src/knowledge/load.js';
import {
  CORPUS_TODAY,
  type CorpusResult,
  type CorpusSet,
  coverage,
  evaluateCorpus,
  messageLanguage,
  needNotAskedAgain,
  perKind,
  readCorpus,
  wrongNeeds,
} from '../tests/corpus/corpus.js';

const pct = (n: number, d: number) => (d === 0 ? '   -  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`);
const show = (m: Record<string, string>) =>
  Object.keys(m).length === 0
    ? '{}'
    : Object.entries(m)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
const line = (r: CorpusResult) => {
  const pending = r.entry.pending ? ` [pending ${r.entry.pending}]` : '';
  const context = r.entry.context ? ` [after ${show(r.entry.context.answers)}]` : '';
  const kinds = r.entry.kinds ? ` (${r.entry.kinds.join(', ')})` : '';
  const extra = (cmd?: string, oos?: boolean) => `${cmd ? ` command=${cmd}` : ''}${oos ? ' out-of-scope' : ''}`;
  const expected = show(r.expected) + extra(r.entry.expect.command, r.entry.expect.outOfScope);
  const got = show(r.got) + extra(r.gotCommand, r.gotOutOfScope) + (r.guessed ? ' (classifier)' : '') + (r.ranked ? ' (ranked choice)' : '');
  return `  ${JSON.stringify(r.entry.text)}${pending}${context}${kinds}\n      expected: ${expected}\n      got:      ${got}`;
};

const k = loadKnowledge();
const only = process.argv.slice(2).find((a) => a === 'tuning' || a === 'heldout') as CorpusSet | undefined;
for (const set of only ? [only] : (['tuning', 'heldout'] as const)) {
  const entries = readCorpus(k, set);
  const report = evaluateCorpus(k, entries);
  const langs = { zh: 0, en: 0, other: 0 };
  for (const e of entries) langs[messageLanguage(e.text)] += 1;
  const withPending = entries.filter((e) => e.pending !== undefined).length;

  console.log(
    `\n=== ${set} set: ${entries.length} messages (today = ${CORPUS_TODAY}); ${langs.zh} with Chinese, ${langs.en} English, ${langs.other} numbers/dates only; ${withPending} answer a pending question`,
  );
  console.log(`Overall (message yields exactly the expected answers, command, out of scope): ${pct(report.passed, entries.length)}  ${report.passed}/${entries.length}`);
  const wrong = wrongNeeds(report);
  console.log(`Wrong or unwanted "need" (wrong procedure): ${wrong.length}`);
  const asked = needNotAskedAgain(report);
  console.log(`Openings stating the need that are not asked for it again: ${pct(asked.met, asked.total)}  ${asked.met}/${asked.total}`);
  console.log('Per question (messages where the question is expected or was answered):');
  for (const [id, s] of report.perQuestion) console.log(`  ${id.padEnd(16)} ${pct(s.correct, s.total)}  ${s.correct}/${s.total}`);
  const kinds = perKind(report);
  if (kinds.size > 0) {
    console.log('Per kind:');
    for (const [kind, s] of kinds) console.log(`  ${kind.padEnd(16)} ${pct(s.correct, s.total)}  ${s.correct}/${s.total}`);
  }
  if (set === 'tuning') {
    const thin = [...coverage(k, entries)].filter(([, c]) => c.zh + c.en + c.other < 3 || c.zh === 0 || c.en === 0);
    console.log(
      thin.length === 0
        ? 'Coverage: every option value at least 3 times, in Chinese and in English'
        : `Thin coverage: ${thin.map(([v, c]) => `${v} (zh ${c.zh}, en ${c.en}, other ${c.other})`).join(', ')}`,
    );
  }
  if (report.failures.length > 0) {
    console.log(`Failures (${report.failures.length}):`);
    for (const r of report.failures) console.log(line(r));
  }
  if (process.argv.includes('--all')) {
    console.log('Passed:');
    for (const r of report.results.filter((x) => x.ok)) console.log(line(r));
  }
}
