import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CORPUS_TODAY } from './corpus/corpus.js';
import { knowledge } from './helpers.js';

// The held-out set (tests/corpus/heldout.json) is written before tuning; this checks only its form and
// that its expectations are possible answers of the knowledge, never what the understanding makes of it.
const KINDS = ['colloquial', 'typo', 'traditional', 'english', 'mixed', 'negation', 'correction', 'command', 'out-of-scope', 'multi-fact', 'number', 'date'] as const;

const Answers = z.record(z.string(), z.string());
const Entry = z.strictObject({
  text: z.string().min(1),
  kinds: z.array(z.enum(KINDS)).min(1),
  pending: z.string().optional(),
  context: z.strictObject({ answers: Answers }).optional(),
  expect: z.strictObject({
    answers: Answers,
    command: z.string().optional(),
    outOfScope: z.literal(true).optional(),
  }),
});
type Entry = z.infer<typeof Entry>;

const entries: Entry[] = z.array(Entry).parse(JSON.parse(readFileSync(new URL('./corpus/heldout.json', import.meta.url), 'utf8')));
const k = knowledge();

const label = (e: Entry) => `"${e.text}" [${e.pending ?? '-'}]`;
const has = (e: Entry, kind: (typeof KINDS)[number]) => e.kinds.includes(kind);

function daysFromToday(y: number, m: number, d: number): number {
  const [ty, tm, td] = CORPUS_TODAY.split('-').map(Number) as [number, number, number];
  return Math.round((Date.UTC(y, m - 1, d) - Date.UTC(ty, tm - 1, td)) / 86_400_000);
}

const LATER_COMMANDS = new Set(['reminder-cancel']);

describe('the held-out corpus (tests/corpus/heldout.json)', () => {
  it('names only questions, option values and commands that exist', () => {
    const problems: string[] = [];
    const commands = Object.keys(k.commands);
    for (const e of entries) {
      if (e.pending !== undefined && !k.questions.has(e.pending)) problems.push(`${label(e)}: unknown pending question`);
      for (const [where, answers] of [
        ['context', e.context?.answers ?? {}],
        ['expect', e.expect.answers],
      ] as const) {
        for (const [id, value] of Object.entries(answers)) {
          const q = k.questions.get(id);
          if (!q) problems.push(`${label(e)}: ${where} names unknown question ${id}`);
          else if (!q.options.some((o) => o.value === value)) problems.push(`${label(e)}: ${where} ${id}=${value} is no option`);
        }
      }
      if (e.expect.command !== undefined && !commands.includes(e.expect.command)) problems.push(`${label(e)}: unknown command ${e.expect.command}`);
    }
    expect(problems).toEqual([]);
  });

  it('keeps each kind to what it says', () => {
    const problems: string[] = [];
    for (const e of entries) {
      const n = Object.keys(e.expect.answers).length;
      if (has(e, 'out-of-scope') !== (e.expect.outOfScope === true)) problems.push(`${label(e)}: out-of-scope kind and outOfScope differ`);
      if (e.expect.outOfScope && (n > 0 || e.expect.command)) problems.push(`${label(e)}: out of scope yields nothing`);
      if (has(e, 'command') !== (e.expect.command !== undefined)) problems.push(`${label(e)}: command kind and expected command differ`);
      if (has(e, 'number') && (e.pending === undefined || e.expect.answers[e.pending] === undefined)) problems.push(`${label(e)}: a number answers the pending question`);
      if (has(e, 'date') && e.expect.answers.expiry === undefined) problems.push(`${label(e)}: a date answers expiry`);
      if (has(e, 'multi-fact') && n + (e.expect.command ? 1 : 0) < 2) problems.push(`${label(e)}: multi-fact with fewer than two facts`);
      if (has(e, 'correction')) {
        const before = e.context?.answers ?? {};
        if (!Object.entries(e.expect.answers).some(([id, v]) => before[id] !== undefined && before[id] !== v))
          problems.push(`${label(e)}: a correction changes an answer of its context`);
      }
      if (e.context && !has(e, 'correction') && !has(e, 'command')) problems.push(`${label(e)}: context is for corrections`);
    }
    expect(problems).toEqual([]);
  });

  it('expects the answers that the knowledge implies (a lost key is a replacement, unless another need is said)', () => {
    const problems: string[] = [];
    for (const e of entries) {
      for (const [id, value] of Object.entries(e.expect.answers)) {
        const implies = k.questions.get(id)?.options.find((o) => o.value === value)?.implies ?? {};
        for (const [fact, implied] of Object.entries(implies)) {
          if (e.expect.answers[fact] === undefined) problems.push(`${label(e)}: ${id}=${value} implies ${fact}=${implied}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('puts a written date in the band it falls in, counted from the corpus day', () => {
    const problems: string[] = [];
    const bands = k.questions.get('expiry')?.date?.bands ?? [];
    expect(bands.length).toBeGreaterThan(1);
    for (const e of entries) {
      const dates = [...e.text.normalize('NFKC').matchAll(/(20\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})/g)];
      if (dates.length !== 1 || e.expect.answers.expiry === undefined) continue;
      const [, y, m, d] = dates[0]!.map(Number) as [number, number, number, number];
      const days = daysFromToday(y, m, d);
      const band = bands.find((b) => b.belowDays === undefined || days < b.belowDays)?.value;
      if (band !== e.expect.answers.expiry) problems.push(`${label(e)}: ${days} days from ${CORPUS_TODAY} is ${band}, not ${e.expect.answers.expiry}`);
    }
    expect(problems).toEqual([]);
  });

  it('holds the counts of issue 11: 420 messages, 150 English, 80 traditional, 80 typos, 60 negations or corrections, 40 commands, 40 out of scope', () => {
    const count = (...kinds: (typeof KINDS)[number][]) => entries.filter((e) => kinds.some((kind) => has(e, kind))).length;
    expect({
      all: entries.length >= 420,
      english: count('english') >= 150,
      traditional: count('traditional') >= 80,
      typo: count('typo') >= 80,
      negationOrCorrection: count('negation', 'correction') >= 60,
      command: count('command') >= 40,
      outOfScope: count('out-of-scope') >= 40,
    }).toEqual({ all: true, english: true, traditional: true, typo: true, negationOrCorrection: true, command: true, outOfScope: true });
  });

  it('expects every option of every question, every need in an opening and every command, many times', () => {
    const thin: string[] = [];
    // Facts that are never asked (unprompted: said by a few, or worked out from a date) came after this set
    // was written; they are measured on the tuning set.
    for (const q of [...k.questions.values()].filter((x) => !x.unprompted)) {
      for (const o of q.options) {
        const n = entries.filter((e) => e.expect.answers[q.id] === o.value).length;
        if (n < 5) thin.push(`${q.id}=${o.value}: ${n}`);
      }
    }
    for (const o of k.questions.get('need')?.options ?? []) {
      const n = entries.filter((e) => e.pending === undefined && e.context === undefined && e.expect.answers.need === o.value).length;
      if (n < 5) thin.push(`opening need=${o.value}: ${n}`);
    }
    // "取消提醒" came with the reminders (issue 14), after this set was written; the reminder tests cover it.
    for (const command of Object.keys(k.commands).filter((c) => !LATER_COMMANDS.has(c))) {
      const n = entries.filter((e) => e.expect.command === command).length;
      if (n < 3) thin.push(`command ${command}: ${n}`);
    }
    expect(thin).toEqual([]);
  });

  it('holds each message once', () => {
    const seen = new Map<string, number>();
    for (const e of entries) {
      const key = JSON.stringify([e.text, e.pending ?? null, e.context ?? null]);
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect([...seen].filter(([, n]) => n > 1).map(([key]) => key)).toEqual([]);
  });
});
