import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Knowledge } from '../../src/knowledge/model.js';
import { Understander } from '../../src/understand/understand.js';

/** "Today" for every date in the corpus, so that bands never drift. */
export const CORPUS_TODAY = '2026-11-23';

export const CORPUS_FILE = new URL('./tuning.json', import.meta.url);

const Entry = z.strictObject({
  text: z.string().min(1),
  pending: z.string().optional(),
  expect: z.strictObject({
    /** Answers and implied answers together: exactly what the message must yield, nothing more. */
    answers: z.record(z.string(), z.string()),
    reask: z.literal(true).optional(),
  }),
});
export type CorpusEntry = z.infer<typeof Entry>;

export interface CorpusResult {
  entry: CorpusEntry;
  /** answers and implied combined; a said answer wins over an implied one for the same fact. */
  got: Record<string, string>;
  gotReask: boolean;
  ok: boolean;
}

export interface QuestionScore {
  /** Messages where the question is expected or was answered. */
  total: number;
  correct: number;
}

export interface CorpusReport {
  results: CorpusResult[];
  passed: number;
  accuracy: number;
  perQuestion: Map<string, QuestionScore>;
  failures: CorpusResult[];
}

/** Reads the corpus and checks that every pending question, fact and value exists in the knowledge. */
export function readCorpus(k: Knowledge): CorpusEntry[] {
  const entries = z.array(Entry).min(1).parse(JSON.parse(readFileSync(CORPUS_FILE, 'utf8')));
  const problems: string[] = [];
  entries.forEach((e, i) => {
    if (e.pending !== undefined && !k.questions.has(e.pending)) problems.push(`#${i} "${e.text}": unknown pending question "${e.pending}"`);
    for (const [fact, value] of Object.entries(e.expect.answers)) {
      const q = k.questions.get(fact);
      if (!q) problems.push(`#${i} "${e.text}": unknown question "${fact}"`);
      else if (!q.options.some((o) => o.value === value && !o.reask)) problems.push(`#${i} "${e.text}": "${value}" is not an answer of ${fact}`);
    }
  });
  if (problems.length > 0) throw new Error(`tests/corpus/tuning.json:\n${problems.join('\n')}`);
  return entries;
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((key) => a[key] === b[key]);
}

export function evaluateCorpus(k: Knowledge, entries: CorpusEntry[] = readCorpus(k)): CorpusReport {
  const understander = new Understander(k);
  const results = entries.map((entry): CorpusResult => {
    const u = understander.understand(entry.text, { pending: entry.pending, today: CORPUS_TODAY });
    const got = { ...u.implied, ...u.answers };
    const gotReask = u.reask !== undefined;
    const ok = sameMap(got, entry.expect.answers) && gotReask === (entry.expect.reask ?? false);
    return { entry, got, gotReask, ok };
  });

  const perQuestion = new Map<string, QuestionScore>();
  for (const id of [...k.questions.values()].sort((a, b) => a.order - b.order).map((q) => q.id)) perQuestion.set(id, { total: 0, correct: 0 });
  for (const r of results) {
    for (const [id, score] of perQuestion) {
      const expected = r.entry.expect.answers[id];
      const reaskExpected = r.entry.expect.reask === true && r.entry.pending === id;
      const reaskGot = r.gotReask && r.entry.pending === id;
      if (expected === undefined && r.got[id] === undefined && !reaskExpected && !reaskGot) continue;
      score.total += 1;
      if (expected === r.got[id] && reaskExpected === reaskGot) score.correct += 1;
    }
  }
  const passed = results.filter((r) => r.ok).length;
  return { results, passed, accuracy: passed / results.length, perQuestion, failures: results.filter((r) => !r.ok) };
}

/** Messages that yield a `need` other than the expected one (none expected counts too): a wrong procedure. */
export function wrongNeeds(report: CorpusReport): CorpusResult[] {
  return report.results.filter((r) => r.got.need !== undefined && r.got.need !== r.entry.expect.answers.need);
}

export interface Coverage {
  /** Messages with Chinese characters. */
  zh: number;
  /** Messages in Latin letters only. */
  en: number;
  /** Numbers and dates alone ("2", "2027-01-15"). */
  other: number;
}

/** Language of a message as the corpus counts it. */
export function messageLanguage(text: string): keyof Coverage {
  return /[\u3400-\u9fff]/.test(text) ? 'zh' : /[a-z]{2}/i.test(text.normalize('NFKC').replace(/\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b/gi, '')) ? 'en' : 'other';
}

/** How often each option value of each question is expected, in Chinese, English and language-neutral messages. */
export function coverage(k: Knowledge, entries: CorpusEntry[]): Map<string, Coverage> {
  const counts = new Map<string, Coverage>();
  for (const q of k.questions.values()) for (const o of q.options) counts.set(`${q.id}=${o.value}`, { zh: 0, en: 0, other: 0 });
  for (const e of entries) {
    const lang = messageLanguage(e.text);
    const values = Object.entries(e.expect.answers).map(([fact, value]) => `${fact}=${value}`);
    if (e.expect.reask && e.pending) {
      const q = k.questions.get(e.pending);
      const o = q?.options.find((x) => x.reask);
      if (o) values.push(`${e.pending}=${o.value}`);
    }
    for (const v of values) {
      const c = counts.get(v);
      if (c) c[lang] += 1;
    }
  }
  return counts;
}
