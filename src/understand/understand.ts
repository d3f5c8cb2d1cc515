import { daysBetween, type IsoDate } from '../dates/beijing.js';
import type { Knowledge } from '../knowledge/model.js';
import type { Question } from '../knowledge/schema.js';
import { type DateFinding, findDate, findDuration, withoutDate } from './dates.js';
import { buildIndex, type Entry, findMatches } from './lexicon-index.js';
import { normalise } from './normalise.js';
import { readOrdinal } from './ordinal.js';

export interface Understanding {
  /** Answers said in so many words. */
  answers: Record<string, string>;
  /** Answers that follow from others ("过期" means a renewal) unless something says otherwise. */
  implied: Record<string, string>;
  /** Facts that go with an answer, such as the expiry date behind "expiry". */
  details: Record<string, string>;
  reask?: { fact: string; guide: string };
  invalidDate?: { fact: string; text: string };
}

export interface UnderstandContext {
  /** The question being asked, if any: option numbers and yes/no words answer it. */
  pending?: string;
  today: IsoDate;
}

/** Free text in Chinese or English -> every answer it contains. */
export class Understander {
  private readonly entries: Entry[];
  private readonly dated: Question[];

  constructor(private readonly k: Knowledge) {
    this.entries = buildIndex(k);
    this.dated = [...k.questions.values()].filter((q) => q.date);
  }

  understand(text: string, ctx: UnderstandContext): Understanding {
    const result: Understanding = { answers: {}, implied: {}, details: {} };
    const pending = ctx.pending ? this.k.questions.get(ctx.pending) : undefined;

    const datedQuestion = pending?.date ? pending : this.dated[0];
    const date = findDate(text.normalize('NFKC'), ctx.today, datedQuestion?.date ?? {});
    if (date.kind !== 'none' && datedQuestion?.date) {
      if (date.kind === 'invalid') result.invalidDate = { fact: datedQuestion.id, text: date.text };
      else placeDate(result, datedQuestion, date, ctx.today);
    }

    const plain = normalise(date.kind === 'none' ? text : withoutDate(text.normalize('NFKC')));
    if (pending && plain) {
      const n = readOrdinal(plain, this.k.lexicon.ordinalWords, this.k.lexicon.ordinalSuffixes);
      const option = n === undefined ? undefined : pending.options[n - 1];
      if (option) {
        if (option.reask) result.reask = { fact: pending.id, guide: option.guide ?? '' };
        else {
          result.answers[pending.id] = option.value;
          Object.assign(result.implied, option.implies);
        }
        return result;
      }
    }

    const matches = findMatches(plain, this.entries, pending?.id);
    // "还有十天过期", "expires in 3 months": the count of days decides over a word elsewhere ("过期"
    // alone would say expired), but not over words that hold the number ("60天以上", "还有五十天").
    const lasting = date.kind === 'none' && datedQuestion?.date ? findDuration(plain, ctx.today, datedQuestion.date) : undefined;
    const spoken = lasting && !matches.some((m) => m.entry.meaning.answers[datedQuestion?.id ?? ''] !== undefined && m.start < lasting.end && lasting.start < m.end);
    if (spoken && datedQuestion) placeDate(result, datedQuestion, lasting.found, ctx.today);
    for (const m of matches) {
      const meaning = m.entry.meaning;
      if (meaning.reask) result.reask ??= meaning.reask;
      for (const [fact, value] of Object.entries(meaning.answers)) result.answers[fact] ??= value;
      for (const [fact, value] of Object.entries(meaning.implied)) result.implied[fact] ??= value;
    }
    if (result.reask && result.answers[result.reask.fact] !== undefined) delete result.reask;
    return result;
  }
}

/**
 * A date into its band: a day keeps its date as the question's detail; a span (a month, a year, some
 * months from now) answers only when all its days fall in the same band, and keeps no date.
 */
function placeDate(result: Understanding, q: Question, date: Extract<DateFinding, { kind: 'date' | 'span' }>, today: string): void {
  const config = q.date;
  if (!config) return;
  const bandOf = (d: string) => {
    const days = daysBetween(today, d);
    return config.bands.find((b) => b.belowDays === undefined || days < b.belowDays);
  };
  const band = date.kind === 'date' ? bandOf(date.date) : bandOf(date.from) === bandOf(date.to) ? bandOf(date.from) : undefined;
  if (!band) return;
  result.answers[q.id] = band.value;
  if (date.kind === 'date') result.details[config.detail] = date.date;
  Object.assign(result.implied, q.options.find((o) => o.value === band.value)?.implies);
}

export function isEmpty(u: Understanding): boolean {
  return Object.keys(u.answers).length === 0 && Object.keys(u.implied).length === 0 && !u.reask && !u.invalidDate;
}
