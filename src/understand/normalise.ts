import * as OpenCC from 'opencc-js/t2cn';
import { Recent } from './recent.js';

const toSimplified = OpenCC.Converter({ from: 'hk', to: 'cn' });

/**
 * Puts free text in one canonical form before matching: full-width to half-width (NFKC), traditional
 * to simplified characters, lower case, single spaces, and Chinese/ASCII punctuation to a space.
 */
export function normalise(text: string): string {
  return toSimplified(withoutControls(text).normalize('NFKC'))
    .toLowerCase()
    .replace(/[，。！？、；：“”‘’「」『』（）《》【】,.!?;:"'()<>[\]…~～]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Keeps date punctuation, which normalise() would turn into spaces. */
export function normaliseKeepingPunctuation(text: string): string {
  return toSimplified(text.normalize('NFKC')).toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Control characters say nothing (and \u0001 marks clause ends below): each becomes a space. */
function withoutControls(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ');
}

const CLAUSE_END = /[，。！？；,.!?;…\n]/;

/** Normalised text and where its clauses begin; the same object for the same text, not to be changed. */
export interface Normalised {
  readonly text: string;
  readonly breaks: readonly number[];
}

/**
 * A turn normalises the same text for its answers, its respelling and its commands (the traditional-to-simplified
 * conversion is most of the cost): the last few are kept.
 */
const RECENT_TEXTS = 8;
const recent = new Recent<string, Normalised>(RECENT_TEXTS);

/**
 * normalise(), and where its clauses begin: after punctuation that ends one ("，", "。", ","...). The text
 * is exactly normalise(text); `breaks` are the offsets in it of the spaces that stand for such punctuation.
 */
export function normaliseClauses(text: string): Normalised {
  return recent.get(text, clausesOf);
}

function clausesOf(text: string): Normalised {
  const s = toSimplified(withoutControls(text).normalize('NFKC'))
    .toLowerCase()
    .replace(/[，。！？、；：“”‘’「」『』（）《》【】,.!?;:"'()<>[\]…~～\n]+/g, (m: string) => (CLAUSE_END.test(m) ? '\u0001' : ' '))
    .replace(/[\s\u0001]+/g, (m: string) => (m.includes('\u0001') ? '\u0001' : ' '))
    .replace(/^[\s\u0001]+|[\s\u0001]+$/g, '');
  const breaks: number[] = [];
  for (let i = s.indexOf('\u0001'); i >= 0; i = s.indexOf('\u0001', i + 1)) breaks.push(i);
  return { text: s.replace(/\u0001/g, ' '), breaks };
}
