import { pinyin } from 'pinyin-pro';
import type { Concepts } from '../knowledge/schema.js';
import type { Span } from './clauses.js';
import { Recent } from './recent.js';

const HAN = /^\p{Script=Han}+$/u;
/** A term of Chinese characters, with digits or letters among them ("18位", "u盾"), which are matched as they are. */
const TERM = /^(?=.*\p{Script=Han})[\p{Script=Han}0-9a-z]+$/u;
const ASCII = /^[0-9a-z]$/;

interface Term {
  term: string;
  syllables: string[];
  meaning: string;
  meanings: string[];
}

interface Candidate extends Correction {
  meaning: string;
}

/** Texts whose candidates are kept: a turn reads a message, its respelling and its commands' text. */
const RECENT_TEXTS = 8;

/** One homophone typo and the term it stands for: same length, so offsets stay as they were. */
export interface Correction extends Span {
  term: string;
}

/**
 * Homophones typed through a pinyin input method: "曾办" is 增办, "解所" 解锁, "续其" 续期, "住销" 注销.
 * The domain's terms are indexed by their toneless pinyin (as pinyin-pro reads each term as a whole);
 * a stretch of a message whose characters can be read so (any reading of each, with the input methods'
 * fuzzy pairs such as z/zh) is that term, when at least one of its characters is the term's own and no
 * other is a function word ("不办" is not 补办) unless two are its own ("和资企业" is 合资企业). Two terms read alike from one stretch: neither is taken.
 */
export class PinyinTolerance {
  private readonly byFirst = new Map<string, Term[]>();
  private readonly readings = new Map<string, string[]>();
  private readonly starts = new Map<string, readonly Term[]>();
  private readonly recent = new Recent<string, readonly Candidate[][]>(RECENT_TEXTS);
  private readonly fuzzy: [string, string][];
  private readonly never: Set<string>;

  /** `terms`: each term and what it means, so that homophones meaning the same (登录, 登陆) never compete. */
  constructor(terms: ReadonlyMap<string, string>, tolerance: Concepts['tolerance']) {
    this.fuzzy = tolerance.fuzzyPinyin;
    this.never = new Set(tolerance.neverTypo);
    for (const [term, meaning] of terms) {
      if (term.length < 2 || !TERM.test(term)) continue;
      const syllables = pinyin(term, { toneType: 'none', type: 'array' }).map((s) => this.fold(s));
      if (syllables.length !== term.length) continue;
      const first = syllables[0] as string;
      if (!this.byFirst.has(first)) this.byFirst.set(first, []);
      this.byFirst.get(first)?.push({ term, syllables, meaning, meanings: meaning.split('|') });
    }
  }

  /** One spelling for the pairs input methods confuse: "zhu" and "zu" alike. */
  private fold(syllable: string): string {
    let s = syllable.replace(/ü/g, 'v');
    for (const [long, short] of this.fuzzy) {
      if (long.length > 1 && /^[zcs]h$/.test(long) && s.startsWith(long)) s = short + s.slice(long.length);
      else if (!/^[zcs]h$/.test(long) && s.endsWith(long)) s = s.slice(0, -long.length) + short;
    }
    return s;
  }

  private readingsOf(ch: string): string[] {
    let r = this.readings.get(ch);
    if (!r) {
      r = HAN.test(ch) ? [...new Set((pinyin(ch, { toneType: 'none', type: 'array', multiple: true }) as string[]).map((s) => this.fold(s)))] : ASCII.test(ch) ? [ch] : [];
      if (this.readings.size < 20_000) this.readings.set(ch, r);
    }
    return r;
  }

  /** The terms whose first syllable is a reading of the character, in the order its readings come. */
  private startsOf(ch: string): readonly Term[] {
    let list = this.starts.get(ch);
    if (!list) {
      list = this.readingsOf(ch).flatMap((r) => this.byFirst.get(r) ?? []);
      if (this.starts.size < 20_000) this.starts.set(ch, list);
    }
    return list;
  }

  /**
   * Every term that reads from each place of the text, whatever was read exactly: a turn reads the same text
   * for its commands and for its answers, so the last few texts' candidates are kept (never changed).
   */
  private candidates(text: string, answering: string | undefined): readonly Candidate[][] {
    const key = answering === undefined ? `\u0000${text}` : `${answering}\u0000${text}`;
    return this.recent.get(key, () => this.scan(text, answering));
  }

  private scan(text: string, answering: string | undefined): Candidate[][] {
    const answers = answering === undefined ? undefined : `${answering}=`;
    const out: Candidate[][] = [];
    const chars = [...text];
    // Offsets in UTF-16 units, as the rest of the pipeline counts them.
    const offsets: number[] = [];
    let at = 0;
    for (const c of chars) {
      offsets.push(at);
      at += c.length;
    }
    for (let i = 0; i < chars.length; i++) {
      // Made only where a term reads: most characters start none.
      let here: Candidate[] | undefined;
      for (const cand of this.startsOf(chars[i] as string)) {
        const n = cand.term.length;
        if (i + n > chars.length) continue;
        const wide = answers !== undefined && cand.meanings.some((m) => m.startsWith(answers));
        let same = 0;
        let functionWords = 0;
        let slips = 0;
        let ok = true;
        for (let j = 0; j < n && ok; j++) {
          const c = chars[i + j] as string;
          if (c === cand.term[j]) same += 1;
          else {
            const readings = this.readingsOf(c);
            ok = readings.includes(cand.syllables[j] as string);
            if (!ok && wide && j > 0 && slips === 0 && readings.some((r) => slipped(r, cand.syllables[j] as string))) {
              slips = 1;
              ok = true;
            }
            if (this.never.has(c)) functionWords += 1;
          }
        }
        // Every character the term's own is no typo; none of them is no likeness. A function word stands
        // for a term's character only beside two of its own ("和资企业" is 合资企业; "不办" is not 补办), or in an
        // answer to the question asked; a slipped syllable only there, and only beside a character of its own.
        if (!ok || same === 0 || same === n || (functionWords > 0 && same < 2 && !wide) || (slips > 0 && same + slips < n)) continue;
        const start = offsets[i] as number;
        const end = (offsets[i + n] ?? text.length) as number;
        (here ??= []).push({ start, end, term: cand.term, meaning: cand.meaning });
      }
      if (here) out.push(here);
    }
    return out;
  }

  /**
   * The homophone typos in normalised text, outside the spans already read exactly. `answering`: the question
   * being asked, whose few options are read more widely, as a short answer is all the message says of them: a
   * function word may stand for one of their characters ("丢是了" is 丢失了), and one character may be a syllable
   * slipped by a letter ("损环", huan for huai).
   */
  corrections(text: string, exact: readonly Span[], answering?: string): Correction[] {
    const found: Correction[] = [];
    for (const here of this.candidates(text, answering)) {
      // A stretch read exactly is no typo; what is left at this place competes as before.
      const open = exact.length === 0 ? here : here.filter((c) => !exact.some((e) => e.start < c.end && c.start < e.end));
      if (open.length === 0) continue;
      // The longest reading here; two terms of that length that mean different things compete, and neither is taken.
      let longest = 0;
      for (const c of open) longest = Math.max(longest, c.end - c.start);
      const best = open.filter((c) => c.end - c.start === longest);
      if (best.every((c) => c.meaning === (best[0] as Candidate).meaning)) {
        const { start, end, term } = best[0] as Candidate;
        found.push({ start, end, term });
      }
    }
    // Non-overlapping, leftmost first.
    const chosen: Correction[] = [];
    let reach = 0;
    for (const c of found)
      if (c.start >= reach) {
        chosen.push(c);
        reach = c.end;
      }
    return chosen;
  }
}

/** The text with its typos replaced by the terms they stand for. */
export function applyCorrections(text: string, corrections: readonly Correction[]): string {
  let out = text;
  for (const c of [...corrections].sort((a, b) => b.start - a.start)) out = out.slice(0, c.start) + c.term + out.slice(c.end);
  return out;
}

/** Two syllables one letter apart that begin alike: "huan" typed for "huai". */
function slipped(a: string, b: string): boolean {
  if (a === b || a[0] !== b[0] || Math.abs(a.length - b.length) > 1) return false;
  if (a.length === b.length) {
    let diff = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff += 1;
    return diff === 1;
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  for (let i = 0; i < long.length; i++) if (long.slice(0, i) + long.slice(i + 1) === short) return true;
  return false;
}
