import { Jieba } from '@node-rs/jieba';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { StemmerEn } from '@nlpjs/lang-en-min';
import { Recent } from './recent.js';

/** One word of a message, where it is in the normalised text, and the form it is compared by. */
export interface Token {
  text: string;
  /** English words by their stem ("expired" -> "expir"); anything else as it is. */
  key: string;
  start: number;
  end: number;
  ascii: boolean;
}

const HAN = /\p{Script=Han}/u;
const ASCII_WORD = /^[a-z0-9][a-z0-9'-]*$/;
const RECENT_CUTS = 64;

/**
 * Chinese word segmentation (jieba) and English stemming (NLP.js), shared by every stage that works on
 * words. Of jieba's own dictionary only the common words that hold a short concept word are kept, so that
 * "银行" stays one word and never reads as "银" (the whole dictionary costs ~40 MB and ~0.4 s); the
 * concepts' words are the user dictionary, so that "统一社会信用代码" is never cut in two.
 */
export class Segmenter {
  private readonly jieba: Jieba;
  private readonly stemmer = new StemmerEn();
  private readonly stems = new Map<string, string>();

  constructor(terms: Iterable<string>) {
    const words = [...new Set([...terms].filter((t) => HAN.test(t) && !/\s/.test(t)))];
    this.jieba = Jieba.withDict(Buffer.from(keptWords(words.filter((w) => w.length <= 2)).join('\n')));
    // Domain terms win over any general word that overlaps them.
    this.jieba.loadDict(Buffer.from(words.map((w) => `${w} 200000`).join('\n')));
  }

  stem(word: string): string {
    let s = this.stems.get(word);
    if (s === undefined) {
      s = this.stemmer.stem([word])[0] ?? word;
      if (this.stems.size < 50_000) this.stems.set(word, s);
    }
    return s;
  }

  /** A message is cut several times as it is read (its clauses, its concepts, its ranking): the last few cuts are kept. */
  private readonly cuts = new Recent<string, readonly Token[]>(RECENT_CUTS);

  /** The words of normalised text, spaces left out, with their offsets; the same list for the same text, not to be changed. */
  tokens(text: string): readonly Token[] {
    return this.cuts.get(text, (t) => this.cut(t));
  }

  private cut(text: string): Token[] {
    const out: Token[] = [];
    let at = 0;
    for (const piece of this.jieba.cut(text, true)) {
      const start = at;
      at += piece.length;
      if (!piece.trim()) continue;
      const ascii = ASCII_WORD.test(piece);
      out.push({ text: piece, key: ascii ? this.stem(piece) : piece, start, end: at, ascii });
    }
    return out;
  }
}

/**
 * The lines of jieba's dictionary ("word freq tag") whose word takes 6 to 12 bytes in UTF-8 (two to four
 * Chinese characters), is seen at least ten times, is not itself one of the `short` words (one or two
 * UTF-16 units) and holds one of them. This runs at every start over 349,000 lines: a word is read from
 * the bytes as character codes and the short words are looked up as numbers, so that only a kept line
 * becomes a string (a string per word cost a start about 0.3 s; decoding the whole 5 MB file, 50 ms and
 * a 6 MB string).
 */
export function keptWords(short: readonly string[]): string[] {
  // Small integers as keys: a Set of character codes hashes them as they are.
  const ones = new Set<number>();
  const pairs = new Map<number, Set<number>>();
  for (const w of short) {
    if (w.length === 1) ones.add(w.charCodeAt(0));
    else pairs.set(w.charCodeAt(0), (pairs.get(w.charCodeAt(0)) ?? new Set()).add(w.charCodeAt(1)));
  }
  // The word's code units, at most one a byte.
  const word = new Uint16Array(12);
  const holds = (n: number): boolean => {
    if ((n === 1 && ones.has(word[0]!)) || (n === 2 && pairs.get(word[0]!)?.has(word[1]!))) return false;
    for (let i = 0; i < n; i++) if (ones.has(word[i]!) || (i + 1 < n && pairs.get(word[i]!)?.has(word[i + 1]!))) return true;
    return false;
  };
  const bytes = readFileSync(createRequire(import.meta.url).resolve('@node-rs/jieba/dict.txt'));
  const kept: string[] = [];
  for (let at = 0; at < bytes.length;) {
    let end = bytes.indexOf(10, at);
    if (end < 0) end = bytes.length;
    const space = bytes.indexOf(32, at);
    if (space > at && space < end && space - at >= 6 && space - at <= 12) {
      const n = codeUnits(bytes, at, space, word);
      if (holds(n)) {
        const line = bytes.toString('utf8', at, end).trim();
        const freq = Number.parseInt(line.slice(n + 1), 10);
        if (freq >= 10) kept.push(line);
      }
    }
    at = end + 1;
  }
  return kept;
}

/** Writes the UTF-16 code units of bytes[from, to) read as UTF-8 into `out`, and says how many; anything but well-formed UTF-8 as Buffer decodes it. */
function codeUnits(bytes: Buffer, from: number, to: number, out: Uint16Array): number {
  let n = 0;
  for (let i = from; i < to;) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out[n++] = b;
      i += 1;
    } else if (b >= 0xe0 && b < 0xf0 && i + 2 < to && (bytes[i + 1]! & 0xc0) === 0x80 && (bytes[i + 2]! & 0xc0) === 0x80) {
      const c = ((b & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f);
      // Overlong forms and surrogates are not well formed.
      if (c < 0x800 || (c >= 0xd800 && c <= 0xdfff)) return decoded(bytes, from, to, out);
      out[n++] = c;
      i += 3;
    } else return decoded(bytes, from, to, out);
  }
  return n;
}

function decoded(bytes: Buffer, from: number, to: number, out: Uint16Array): number {
  const s = bytes.toString('utf8', from, to);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return s.length;
}

/** How a run of tokens is written for comparison: English words apart, Chinese run together. */
export function joinKeys(tokens: readonly Token[]): string {
  let s = '';
  tokens.forEach((t, i) => {
    if (i > 0 && t.ascii && tokens[i - 1]?.ascii) s += ' ';
    s += t.key;
  });
  return s;
}
