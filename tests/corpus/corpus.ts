import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CommandReader } from '../../src/conversation/commands.js';
import type { Knowledge } from '../../src/knowledge/model.js';
import { Understander } from '../../src/understand/understand.js';

/** "Today" for every date in the corpus, so that bands never drift. */
export const CORPUS_TODAY = '2026-11-23';

/** The two sets: tuning (free to shape dialogs/) and held-out (written before tuning, never tuned to). */
export const CORPUS_FILES = {
  tuning: new URL('./tuning.json', import.meta.url),
  heldout: new URL('./heldout.json', import.meta.url),
} as const;
export type CorpusSet = keyof typeof CORPUS_FILES;
/** The tuning set, as before the held-out one was written. */
export const CORPUS_FILE = CORPUS_FILES.tuning;

export const KINDS = ['colloquial', 'typo', 'traditional', 'english', 'mixed', 'negation', 'correction', 'command', 'out-of-scope', 'multi-fact', 'number', 'date'] as const;

const Answers = z.record(z.string(), z.string());
const Entry = z.strictObject({
  text: z.string().min(1),
  kinds: z.array(z.enum(KINDS)).optional(),
  pending: z.string().optional(),
  context: z.strictObject({ answers: Answers }).optional(),
  expect: z.strictObject({
    /** Answers and implied answers together: exactly what the message must yield, nothing more. */
    answers: Answers,
    /** The tuning set's way of saying the pending question's re-asking option ("不知道"). */
    reask: z.literal(true).optional(),
    command: z.string().optional(),
    outOfScope: z.literal(true).optional(),
  }),
});
export type CorpusEntry = z.infer<typeof Entry>;

export interface CorpusResult {
  entry: CorpusEntry;
  /** What is expected, with a re-ask written as the re-asking option's value (hasCode=unknown). */
  expected: Record<string, string>;
  /** answers and implied combined (a said answer wins over an implied one), a re-ask as its option's value. */
  got: Record<string, string>;
  gotCommand?: string;
  gotOutOfScope: boolean;
  /** The classifier gave the need, or ranked it first among a few. */
  guessed: boolean;
  ranked: boolean;
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

/** Reads one set and checks that every pending question, fact and value exists in the knowledge. */
export function readCorpus(k: Knowledge, set: CorpusSet = 'tuning'): CorpusEntry[] {
  const entries = z.array(Entry).min(1).parse(JSON.parse(readFileSync(CORPUS_FILES[set], 'utf8')));
  const problems: string[] = [];
  entries.forEach((e, i) => {
    if (e.pending !== undefined && !k.questions.has(e.pending)) problems.push(`#${i} "${e.text}": unknown pending question "${e.pending}"`);
    for (const [fact, value] of Object.entries(e.expect.answers)) {
      const q = k.questions.get(fact);
      if (!q) problems.push(`#${i} "${e.text}": unknown question "${fact}"`);
      else if (!q.options.some((o) => o.value === value)) problems.push(`#${i} "${e.text}": "${value}" is not an answer of ${fact}`);
    }
    if (e.expect.command !== undefined && !(e.expect.command in k.commands)) problems.push(`#${i} "${e.text}": unknown command "${e.expect.command}"`);
  });
  if (problems.length > 0) throw new Error(`tests/corpus/${set}.json:\n${problems.join('\n')}`);
  return entries;
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((key) => a[key] === b[key]);
}

/** The value of a question's re-asking option ("unknown"), how the held-out set writes "不知道". */
function reaskValue(k: Knowledge, fact: string): string | undefined {
  return k.questions.get(fact)?.options.find((o) => o.reask)?.value;
}

export function evaluateCorpus(k: Knowledge, entries: CorpusEntry[] = readCorpus(k)): CorpusReport {
  const understander = new Understander(k);
  const commands = new CommandReader(k);
  const results = entries.map((entry): CorpusResult => {
    const expected = { ...entry.expect.answers };
    if (entry.expect.reask) {
      // Without a question asked, the re-ask is of the one question that has a re-asking option.
      const fact = entry.pending ?? [...k.questions.values()].find((q) => q.options.some((o) => o.reask))?.id;
      const v = fact ? reaskValue(k, fact) : undefined;
      if (fact && v) expected[fact] = v;
    }
    // As the conversation does: a command is taken before anything is understood.
    const u = understander.understand(entry.text, { pending: entry.pending, today: CORPUS_TODAY });
    const gotCommand = commands.read(entry.text, Object.keys(u.answers).length > 0);
    const got = gotCommand ? {} : { ...u.implied, ...u.answers };
    if (!gotCommand && u.reask) {
      const v = reaskValue(k, u.reask.fact);
      if (v && got[u.reask.fact] === undefined) got[u.reask.fact] = v;
    }
    const gotOutOfScope = !gotCommand && u.outOfScope === true;
    const ok =
      gotCommand === entry.expect.command &&
      (gotCommand !== undefined ? Object.keys(expected).length === 0 || sameMap(expected, { ...u.implied, ...u.answers }) : sameMap(got, expected)) &&
      gotOutOfScope === (entry.expect.outOfScope ?? false);
    return { entry, expected, got, gotCommand, gotOutOfScope, guessed: u.guessed !== undefined, ranked: u.ranked !== undefined, ok };
  });

  const perQuestion = new Map<string, QuestionScore>();
  for (const id of [...k.questions.values()].sort((a, b) => a.order - b.order).map((q) => q.id)) perQuestion.set(id, { total: 0, correct: 0 });
  for (const r of results) {
    for (const [id, score] of perQuestion) {
      if (r.expected[id] === undefined && r.got[id] === undefined) continue;
      score.total += 1;
      if (r.expected[id] === r.got[id]) score.correct += 1;
    }
  }
  const passed = results.filter((r) => r.ok).length;
  return { results, passed, accuracy: passed / results.length, perQuestion, failures: results.filter((r) => !r.ok) };
}

/** Messages that yield a `need` other than the expected one (none expected counts too): a wrong procedure. */
export function wrongNeeds(report: CorpusReport): CorpusResult[] {
  return report.results.filter((r) => r.got.need !== undefined && r.got.need !== r.expected.need);
}

/** Openings (no question on screen, nothing said before) that state the need. */
export function needOpenings(report: CorpusReport): CorpusResult[] {
  return report.results.filter((r) => r.entry.pending === undefined && r.entry.context === undefined && r.expected.need !== undefined && r.entry.expect.command === undefined);
}

/** Of those, the ones that will not be asked for the need again: the need was read. */
export function needNotAskedAgain(report: CorpusReport): { met: number; total: number } {
  const openings = needOpenings(report);
  return { met: openings.filter((r) => r.got.need === r.expected.need).length, total: openings.length };
}

/** Accuracy per kind (an entry counts once for each kind it lists). */
export function perKind(report: CorpusReport): Map<string, QuestionScore> {
  const out = new Map<string, QuestionScore>();
  for (const r of report.results)
    for (const kind of r.entry.kinds ?? []) {
      const s = out.get(kind) ?? { total: 0, correct: 0 };
      s.total += 1;
      if (r.ok) s.correct += 1;
      out.set(kind, s);
    }
  return new Map([...out].sort((a, b) => a[0].localeCompare(b[0])));
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
  // The default of an unprompted question is what nobody says: it needs no messages.
  for (const q of k.questions.values()) for (const o of q.options) if (q.unprompted?.default !== o.value) counts.set(`${q.id}=${o.value}`, { zh: 0, en: 0, other: 0 });
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
