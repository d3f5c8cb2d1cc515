import type { Lexicon } from '../knowledge/schema.js';
import { normalise } from './normalise.js';

/** An occurrence of a listed word in normalised text. */
export interface Span {
  start: number;
  end: number;
}

/** How far, in characters, a negator reaches forward: "we do not want to replace" but not a whole sentence on. */
const NEGATION_REACH = 12;

const isWordChar = (ch: string | undefined) => ch !== undefined && /[a-z0-9]/.test(ch);

/** Which word lists hold ASCII words, worked out once per list: every message goes through the same few lists. */
const asciiWords = new WeakMap<readonly string[], boolean[]>();

/** Every occurrence of the words (already normalised) in text; ASCII words only as whole words. */
export function occurrences(text: string, words: readonly string[]): Span[] {
  const out: Span[] = [];
  let ascii = asciiWords.get(words);
  if (!ascii) {
    ascii = words.map((w) => /^[\x20-\x7e]+$/.test(w));
    asciiWords.set(words, ascii);
  }
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const wordBound = ascii[i];
    for (let at = text.indexOf(w); at >= 0; at = text.indexOf(w, at + 1)) {
      const end = at + w.length;
      if (!wordBound || (!isWordChar(text[at - 1]) && !isWordChar(text[end]))) out.push({ start: at, end });
    }
  }
  return out.sort((a, b) => a.start - b.start || b.end - a.end);
}

export interface ClauseWords {
  negators: string[];
  notNegating: string[];
  clauseBreaks: string[];
  corrections: string[];
  alternatives: string[];
}

export function clauseWords(lexicon: Lexicon): ClauseWords {
  const norm = (list: readonly string[]) => [...new Set(list.map(normalise).filter(Boolean))].sort((a, b) => b.length - a.length);
  return {
    negators: norm(lexicon.negators),
    notNegating: norm(lexicon.notNegating),
    clauseBreaks: norm(lexicon.clauseBreaks),
    corrections: norm(lexicon.corrections),
    alternatives: norm(lexicon.alternatives),
  };
}

/**
 * A message cut into clauses, and the negators in it: a negator denies what follows it in its clause
 * ("不要补办，只想注销": 补办 is denied, 注销 is not), never what is before it or in the next clause.
 */
export class Clauses {
  /** Offsets where a clause begins (0 first). */
  private readonly starts: number[];
  private readonly negations: Span[];
  /** Words that hold a negator without denying ("无法", "有没有"). */
  private readonly fixed: Span[];
  readonly corrections: Span[];
  private readonly alternatives: Span[];

  constructor(
    readonly text: string,
    breaks: readonly number[],
    words: ClauseWords,
  ) {
    const contrasts = occurrences(text, words.clauseBreaks).map((s) => s.start);
    this.starts = [0, ...breaks.map((b) => b + 1), ...contrasts].sort((a, b) => a - b);
    this.fixed = occurrences(text, words.notNegating);
    this.negations = occurrences(text, words.negators).filter((n) => !this.fixed.some((m) => m.start <= n.start && n.end <= m.end));
    this.corrections = occurrences(text, words.corrections);
    this.alternatives = occurrences(text, words.alternatives);
  }

  /** The clause starting at `clause` puts options side by side ("还是", "or"). */
  asksBetween(clause: number): boolean {
    return this.alternatives.some((a) => this.clauseOf(a.start) === clause);
  }

  clauseOf(at: number): number {
    let c = 0;
    for (let i = 0; i < this.starts.length; i++) if ((this.starts[i] as number) <= at) c = i;
    return this.starts[c] as number;
  }

  /**
   * A negator stands shortly before the span in the same clause, not inside the span itself nor inside a
   * span already read (the "没有" of "没有18位" denies nothing after it). Its reach ends at the first answer
   * after it unless the next is put beside that one ("not damaged or lost"): "不是丢了是坏了" denies only 丢了.
   */
  negated(span: Span, read: readonly Span[] = []): boolean {
    const clause = this.clauseOf(span.start);
    return this.negations.some(
      (n) =>
        n.start >= clause &&
        n.end <= span.start &&
        span.start - n.end <= NEGATION_REACH &&
        !read.some((r) => r.start <= n.start && n.end <= r.end) &&
        !read.some((r) => r.start >= n.end && r.end <= span.start && !this.alternatives.some((a) => a.start >= r.end && a.end <= span.start)),
    );
  }

  /**
   * The span begins inside a question form and runs past it: the "没有统一社会信用代码" of "有没有统一社会信用代码"
   * asks, it does not say there is none.
   */
  insideQuestionForm(span: Span): boolean {
    return this.fixed.some((f) => f.start < span.start && span.start < f.end && f.end < span.end);
  }
}
