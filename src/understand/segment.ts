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
    const short = new Set(words.filter((w) => w.length <= 2));
    const holdsShort = (word: string) => {
      for (let i = 0; i < word.length; i++) if (short.has(word[i] as string) || short.has(word.slice(i, i + 2))) return true;
      return false;
    };
    this.jieba = Jieba.withDict(Buffer.from(keptWords(holdsShort, (w) => short.has(w)).join('\n')));
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
 * The lines of jieba's dictionary ("word freq tag") of two to four Chinese characters, seen at least ten
 * times, for which `keep` holds: read from the bytes, since decoding the whole 5 MB file into lines would
 * leave some 30 MB behind for every process.
 */
function keptWords(keep: (word: string) => boolean, skip: (word: string) => boolean): string[] {
  const bytes = readFileSync(createRequire(import.meta.url).resolve('@node-rs/jieba/dict.txt'));
  const kept: string[] = [];
  for (let at = 0; at < bytes.length;) {
    let end = bytes.indexOf(10, at);
    if (end < 0) end = bytes.length;
    const space = bytes.indexOf(32, at);
    // Two to four characters of three bytes each in UTF-8.
    if (space > at && space < end && space - at >= 6 && space - at <= 12) {
      const word = bytes.toString('utf8', at, space);
      if (!skip(word) && keep(word)) {
        const line = bytes.toString('utf8', at, end).trim();
        const freq = Number.parseInt(line.slice(word.length + 1), 10);
        if (freq >= 10) kept.push(line);
      }
    }
    at = end + 1;
  }
  return kept;
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
