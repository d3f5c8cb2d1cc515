import { daysBetween, type IsoDate } from '../dates/beijing.js';
import type { Knowledge } from '../knowledge/model.js';
import type { Question } from '../knowledge/schema.js';
import type { Ranking } from './classifier.js';
import { Clauses, occurrences, type Span } from './clauses.js';
import { type DateFinding, findDate, findDuration, withoutDate } from './dates.js';
import { type Engine, engineFor, isContent, RANKED_FACT } from './engine.js';
import { buildIndex, type Entry, findMatches, type Match } from './lexicon-index.js';
import { type Normalised, normaliseClauses } from './normalise.js';
import { readOrdinal, readPlace } from './ordinal.js';
import { applyCorrections } from './pinyin.js';
import { RelatedFacts } from './related.js';

export interface Understanding {
  /** Answers said in so many words. */
  answers: Record<string, string>;
  /** Answers that follow from others ("过期" means a renewal) unless something says otherwise. */
  implied: Record<string, string>;
  /** Facts that go with an answer, such as the expiry date behind "expiry". */
  details: Record<string, string>;
  reask?: { fact: string; guide: string };
  invalidDate?: { fact: string; text: string };
  /** The message says an earlier answer was wrong ("不对，我们是外资企业"). */
  correction?: true;
  /** It asks what the handbook does not answer (opening hours, other licences). */
  outOfScope?: true;
  /** An answer only the classifier gave, confidently: say so, so that a wrong one is corrected. */
  guessed?: { fact: string; value: string; score: number };
  /** Nothing read: the classifier's ranking of the ranked question's options. */
  ranked?: Ranking;
}

export interface UnderstandContext {
  /** The question being asked, if any: option numbers and yes/no words answer it. */
  pending?: string;
  /** The options offered for the pending question when only some were (a ranked choice): numbers count in them. */
  offered?: readonly string[];
  today: IsoDate;
}

/** At or above this score the classifier's first option is taken as the answer (and said back). */
export const CONFIDENT = 0.85;
/** Only the first this many characters of a message are read. */
const MAX_TEXT = 2_000;
/** Messages longer than this (normalised) are not ranked. */
const MAX_RANKED = 200;
/** At or above this score, and above every option's, a message nothing else read is out of scope. */
const OUT_OF_SCOPE_SCORE = 0.5;

interface Reading {
  answers: Record<string, string>;
  implied: Record<string, string>;
  reask?: { fact: string; guide: string };
  correction: boolean;
  outOfScope: boolean;
  matches: Match[];
}

/** Free text in Chinese or English -> every answer it contains. */
export class Understander {
  private readonly entries: Entry[];
  private readonly dated: Question[];
  private readonly engine: Engine;
  private readonly related: RelatedFacts;

  constructor(private readonly k: Knowledge) {
    this.entries = buildIndex(k);
    this.dated = [...k.questions.values()].filter((q) => q.date);
    this.engine = engineFor(k);
    this.related = new RelatedFacts(k, RANKED_FACT);
  }

  /** The classifier's training time, for the benchmark. */
  get trainingMs(): number {
    return this.engine.classifier?.trainingMs ?? 0;
  }

  get trainingCpuMs(): number {
    return this.engine.classifier?.trainingCpuMs ?? 0;
  }

  understand(message: string, ctx: UnderstandContext): Understanding {
    // What a person types to say their situation fits in this; beyond it, the stages' cost grows with the
    // square of the words (each negator against each match), and a page pasted in says nothing more.
    const text = message.length > MAX_TEXT ? message.slice(0, MAX_TEXT) : message;
    const result: Understanding = { answers: {}, implied: {}, details: {} };
    const pending = ctx.pending ? this.k.questions.get(ctx.pending) : undefined;

    const datedQuestion = pending?.date ? pending : this.dated[0];
    const nfkc = text.normalize('NFKC');
    const date = findDate(nfkc, ctx.today, datedQuestion?.date ?? {}, pending?.date !== undefined);
    if (date.kind !== 'none' && datedQuestion?.date) {
      if (date.kind === 'invalid') result.invalidDate = { fact: datedQuestion.id, text: date.text };
      else placeDate(result, datedQuestion, date, ctx.today);
    }

    const source = date.kind === 'none' ? text : withoutDate(nfkc);
    const { text: plain, breaks } = normaliseClauses(source);
    if (pending && plain) {
      const place = readOrdinal(plain, this.k.lexicon.ordinalWords, this.k.lexicon.ordinalSuffixes) ?? readPlace(plain, this.k.lexicon);
      const values = ctx.offered ?? pending.options.map((o) => o.value);
      const n = place === -1 ? values.length : place;
      const value = n === undefined ? undefined : values[n - 1];
      const option = pending.options.find((o) => o.value === value);
      if (option) {
        if (option.reask) result.reask = { fact: pending.id, guide: option.guide ?? '' };
        else {
          result.answers[pending.id] = option.value;
          Object.assign(result.implied, option.implies);
        }
        return result;
      }
    }

    const reading = this.read(plain, breaks, pending?.id);
    // "还有十天过期", "expires in 3 months": the count of days decides over a word elsewhere ("过期"
    // alone would say expired), but not over words that hold the number ("60天以上", "还有五十天").
    const lasting = date.kind === 'none' && datedQuestion?.date ? findDuration(plain, ctx.today, datedQuestion.date, pending?.date !== undefined) : undefined;
    const spoken = lasting && !reading.matches.some((m) => m.entry.meaning.answers[datedQuestion?.id ?? ''] !== undefined && m.start < lasting.end && lasting.start < m.end);
    if (spoken && datedQuestion) placeDate(result, datedQuestion, lasting.found, ctx.today);
    merge(result, reading);

    // Typed through a pinyin input method or misspelt: the words put right may say more, never otherwise.
    const tolerant = this.tolerantReading(source, { text: plain, breaks }, reading.matches, pending?.id);
    if (tolerant) merge(result, tolerant, true);

    if (reading.reask) result.reask ??= reading.reask;
    if (result.reask && result.answers[result.reask.fact] !== undefined) delete result.reask;
    if (reading.correction) result.correction = true;
    if (reading.outOfScope || tolerant?.outOfScope) result.outOfScope = true;
    if (isEmpty(result) && !result.outOfScope && (pending === undefined || pending.id === RANKED_FACT)) this.rank(result, plain);
    return result;
  }

  /** Synonyms and phrases, then concepts, with denials and corrections, of one normalised text. */
  private read(plain: string, breaks: readonly number[], pending: string | undefined): Reading {
    const clauses = new Clauses(plain, breaks, this.engine.words);
    let matches = findMatches(plain, this.entries, pending).filter((m) => !clauses.insideQuestionForm(m));
    // "是蓝色的": a yes or no word right before another answer is its verb, not an answer to the question asked.
    matches = matches.filter((m, i) => {
      const next = matches[i + 1];
      return !m.entry.meaning.yesNo || next === undefined || next.start !== m.end || next.entry.meaning.yesNo || Object.keys(next.entry.meaning.answers).length === 0;
    });
    // "不对，是外资": the "不对" corrects, it does not answer a yes/no question, when something else is said.
    const inCorrection = (m: Span) => clauses.corrections.some((c) => c.start <= m.start && m.end <= c.end);
    const correction = clauses.corrections.length > 0 && matches.some((m) => !inCorrection(m) && Object.keys(m.entry.meaning.answers).length > 0);
    if (correction) matches = matches.filter((m) => !inCorrection(m));

    const reading: Reading = { answers: {}, implied: {}, correction, outOfScope: false, matches };
    const denied: Record<string, string> = {};
    const contradicted = new Set<string>();
    const contested = new Set<string>();
    const weak: Record<string, string> = {};
    for (const m of matches) {
      const meaning = m.entry.meaning;
      if (meaning.reask) reading.reask ??= meaning.reask;
      // Yes/no words answer the question asked; only what names an answer can be denied.
      if (
        !meaning.yesNo &&
        clauses.negated(
          m,
          matches.filter((x) => x !== m),
        )
      ) {
        for (const [fact, value] of Object.entries(meaning.answers)) {
          const other = this.otherOption(fact, value);
          // "not damaged or lost": both options of a question denied leave it unanswered.
          if (other && denied[fact] !== undefined && denied[fact] !== other) contradicted.add(fact);
          else if (other) denied[fact] ??= other;
        }
        continue;
      }
      for (const [fact, value] of Object.entries(meaning.answers)) {
        if (meaning.phrase) {
          weak[fact] ??= value;
          continue;
        }
        if (fact === RANKED_FACT && reading.answers[fact] !== undefined && reading.answers[fact] !== value) contested.add(fact);
        reading.answers[fact] ??= value;
      }
      for (const [fact, value] of Object.entries(meaning.implied)) reading.implied[fact] ??= value;
    }
    // "注销还是补办": two services named, neither is taken (later words of one answer say more of it).
    for (const fact of contested) delete reading.answers[fact];
    const inPassing = new Set<string>();
    for (const [fact, value] of Object.entries(weak))
      if (!contested.has(fact) && reading.answers[fact] === undefined) {
        reading.answers[fact] = value;
        inPassing.add(fact);
      }
    for (const [fact, value] of Object.entries(denied)) {
      if (contradicted.has(fact) || reading.answers[fact] !== undefined) continue;
      reading.answers[fact] = value;
      const implies = this.k.questions.get(fact)?.options.find((o) => o.value === value)?.implies ?? {};
      for (const [f, v] of Object.entries(implies)) reading.implied[f] ??= v;
    }

    // Phrases that answer nothing keep look-alikes from answering ("绿色通道"); words that answer may also be part
    // of a combination ("没有统一社会信用代码，想加进去" is also add-code).
    const blocked = matches.filter((m) => m.entry.meaning.onlyFor === undefined && Object.keys(m.entry.meaning.answers).length === 0 && !m.entry.meaning.reask);
    const concepts = this.engine.concepts.read(this.engine.segmenter.tokens(plain), clauses, blocked, matches);
    reading.outOfScope = concepts.outOfScope;
    for (const [fact, value] of Object.entries(concepts.answers)) {
      if (reading.answers[fact] !== undefined || reading.implied[fact] !== undefined) continue;
      reading.answers[fact] = value;
      const implies = this.k.questions.get(fact)?.options.find((o) => o.value === value)?.implies ?? {};
      for (const [f, v] of Object.entries(implies)) reading.implied[f] ??= v;
    }
    // A message that answers the question asked names the service only in passing: "还没试过在线更新"
    // answers whether the online update failed, it does not ask for an update again.
    if (pending !== undefined && pending !== RANKED_FACT && reading.answers[pending] !== undefined) {
      delete reading.answers[RANKED_FACT];
      // "I tried it online and it failed": in the clause that answers the question asked, a word answering a
      // question of other services only describes the answer ("online" is how it was tried), it is no answer.
      const answer = matches.find((m) => m.entry.meaning.answers[pending] !== undefined);
      const clause = answer && clauses.clauseOf(answer.start);
      for (const m of matches)
        if (m !== answer && clauses.clauseOf(m.start) === clause)
          for (const [fact, value] of Object.entries(m.entry.meaning.answers))
            if (fact !== pending && reading.answers[fact] === value && !this.related.related(fact, pending)) delete reading.answers[fact];
    }
    // Likewise a correction of another answer: "刚才说的不对，在线更新其实没试过" corrects whether the online update
    // failed; the service its phrase carries is not asked for again.
    const corrects = Object.keys(reading.answers).some((f) => f !== RANKED_FACT && !inPassing.has(f));
    if (correction && inPassing.has(RANKED_FACT) && corrects) delete reading.answers[RANKED_FACT];
    return reading;
  }

  /** The one other answer of a question with two: "不是外资" is domestic. */
  private otherOption(fact: string, value: string): string | undefined {
    const options = this.k.questions.get(fact)?.options.filter((o) => !o.reask) ?? [];
    return options.length === 2 && options.some((o) => o.value === value) ? options.find((o) => o.value !== value)?.value : undefined;
  }

  private tolerantReading(source: string, normalised: Normalised, exact: readonly Match[], pending: string | undefined): Reading | undefined {
    const plain = normalised.text;
    const lowered = source.normalize('NFKC').toLowerCase();
    const respelt = this.engine.spelling.correct(lowered);
    // Nothing misspelt: the text normalised already is the same (normalising again is most of this stage's cost).
    const spelt = respelt === lowered ? normalised : normaliseClauses(respelt);
    // The options of the question asked are read more widely; never the service, which names a procedure.
    const fixes = this.engine.pinyin.corrections(spelt.text, spelt.text === plain ? exact : [], pending === RANKED_FACT ? undefined : pending);
    const corrected = applyCorrections(spelt.text, fixes);
    if (corrected === plain) return undefined;
    return this.read(corrected, spelt.breaks, pending);
  }

  private rank(result: Understanding, plain: string): void {
    const classifier = this.engine.classifier;
    // A ranking is a guess at what a sentence asks for; a page of text asks for nothing in particular.
    if (!classifier || !plain || plain.length > MAX_RANKED) return;
    // Not one word of the domain, and more than small talk: another subject altogether.
    const content = this.engine.segmenter.tokens(plain).filter(isContent);
    const domain = content.some((t) => this.engine.vocabulary.has(t.key)) || this.engine.phraseTerms.some((w) => plain.includes(w) && occurrences(plain, [w]).length > 0);
    if (content.length >= 2 && !domain && occurrences(plain, this.engine.smallTalk).length === 0) {
      result.outOfScope = true;
      return;
    }
    const ranking = classifier.rank(plain);
    const top = ranking.options[0];
    if (!top) return;
    if (ranking.outOfScope >= OUT_OF_SCOPE_SCORE && ranking.outOfScope > top.score) {
      result.outOfScope = true;
      return;
    }
    if (top.score >= CONFIDENT) {
      result.answers[ranking.fact] = top.value;
      const implies = this.k.questions.get(ranking.fact)?.options.find((o) => o.value === top.value)?.implies ?? {};
      Object.assign(result.implied, implies);
      result.guessed = { fact: ranking.fact, value: top.value, score: top.score };
    } else result.ranked = ranking;
  }
}

/** Adds what a reading says to the result, where the result does not already say it. */
function merge(result: Understanding, reading: Reading, onlyNew = false): void {
  const known = (fact: string) => result.answers[fact] !== undefined || (onlyNew && result.implied[fact] !== undefined);
  for (const [fact, value] of Object.entries(reading.answers)) if (!known(fact)) result.answers[fact] = value;
  for (const [fact, value] of Object.entries(reading.implied)) if (!onlyNew || !known(fact)) result.implied[fact] ??= value;
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

/** Scores at or above this, short of confident, make a ranked choice of the few options near the best. */
export const MIDDLE = 0.2;

/** The two or three options worth offering when unsure: the best, and those at least half as likely. */
export function rankedChoice(options: readonly { value: string; score: number }[]): string[] {
  const top = options[0];
  if (!top || top.score < MIDDLE) return [];
  const near = options.filter((o) => o.score >= Math.max(0.1, top.score / 2)).slice(0, 3);
  return (near.length >= 2 ? near : options.slice(0, 2)).map((o) => o.value);
}
