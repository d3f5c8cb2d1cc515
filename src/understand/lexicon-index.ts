import type { Knowledge } from '../knowledge/model.js';
import { LANGUAGES } from '../knowledge/schema.js';
import { normalise } from './normalise.js';

/** What one pattern means when it is found in a message. */
export interface Meaning {
  answers: Record<string, string>;
  implied: Record<string, string>;
  /** "不知道": show this guide and ask the question again. */
  reask?: { fact: string; guide: string };
  /** Only meaningful as an answer to this question while it is being asked (yes/no words). */
  onlyFor?: string;
  /** A yes/no word ("没有", "不是"): it answers the question asked and is never itself denied. */
  yesNo?: true;
  /** A phrase's answers: a need it carries gives way to one named by an option's own word. */
  phrase?: true;
}

export interface Entry {
  pattern: string;
  /** ASCII patterns must stand as whole words: "no" is not in "know". */
  wordBound: boolean;
  meaning: Meaning;
}

export interface Match {
  start: number;
  end: number;
  entry: Entry;
}

const ASCII = /^[\x20-\x7e]+$/;

export function buildIndex(k: Knowledge): Entry[] {
  const entries: Entry[] = [];
  const add = (raw: string, meaning: Meaning) => {
    const pattern = normalise(raw);
    if (pattern) entries.push({ pattern, wordBound: ASCII.test(pattern), meaning });
  };
  for (const q of k.questions.values()) {
    for (const o of q.options) {
      const meaning: Meaning = o.reask
        ? { answers: {}, implied: {}, reask: { fact: q.id, guide: o.guide ?? '' }, onlyFor: q.id }
        : { answers: { [q.id]: o.value }, implied: o.implies ?? {} };
      for (const s of o.synonyms) add(s, meaning);
      if (meaning.reask) for (const s of o.unpromptedSynonyms ?? []) add(s, { ...meaning, onlyFor: undefined });
    }
    // A button's own label comes back as text on channels that drop button values.
    for (const lng of LANGUAGES)
      for (const o of q.options) {
        const label = k.locales[lng].questions[q.id];
        const text = typeof label === 'object' && typeof label.options === 'object' ? label.options[o.value] : undefined;
        if (typeof text === 'string')
          add(
            text,
            o.reask
              ? { answers: {}, implied: {}, reask: { fact: q.id, guide: o.guide ?? '' }, onlyFor: q.id }
              : { answers: { [q.id]: o.value }, implied: o.implies ?? {}, onlyFor: q.id },
          );
      }
    if (q.kind === 'yesno') {
      const implied = (value: string) => q.options.find((o) => o.value === value)?.implies ?? {};
      for (const w of k.lexicon.yes) add(w, { answers: { [q.id]: 'yes' }, implied: implied('yes'), onlyFor: q.id, yesNo: true });
      for (const w of k.lexicon.no) add(w, { answers: { [q.id]: 'no' }, implied: implied('no'), onlyFor: q.id, yesNo: true });
    }
  }
  for (const p of k.phrases) for (const s of p.patterns) add(s, { answers: p.answers, implied: {}, phrase: true });
  return entries;
}

const byFirstUnit = new WeakMap<readonly Entry[], Map<number, Entry[]>>();

/** The entries by the first UTF-16 unit of their pattern, made once per index. */
function firstUnits(entries: readonly Entry[]): Map<number, Entry[]> {
  let map = byFirstUnit.get(entries);
  if (!map) {
    map = new Map();
    for (const e of entries) {
      const unit = e.pattern.charCodeAt(0);
      const list = map.get(unit);
      if (list) list.push(e);
      else map.set(unit, [e]);
    }
    byFirstUnit.set(entries, map);
  }
  return map;
}

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && /[a-z0-9]/.test(ch);
}

/**
 * All non-overlapping pattern occurrences, leftmost first and longest at each place, so that
 * "没有18位" wins over the "有18位" inside it. Patterns meant only for another question are skipped.
 */
export function findMatches(text: string, entries: readonly Entry[], pending: string | undefined): Match[] {
  const found: Match[] = [];
  const byFirst = firstUnits(entries);
  // Only the patterns that begin with the character at each place are tried there, not every pattern everywhere.
  for (let at = 0; at < text.length; at++) {
    const candidates = byFirst.get(text.charCodeAt(at));
    if (!candidates) continue;
    for (const entry of candidates) {
      if (entry.meaning.onlyFor !== undefined && entry.meaning.onlyFor !== pending) continue;
      if (!text.startsWith(entry.pattern, at)) continue;
      const end = at + entry.pattern.length;
      if (!entry.wordBound || (!isWordChar(text[at - 1]) && !isWordChar(text[end]))) found.push({ start: at, end, entry });
    }
  }
  // Longer first at the same place; a pattern tied to the question being asked beats a general one.
  found.sort((a, b) => a.start - b.start || b.end - a.end || Number(b.entry.meaning.onlyFor !== undefined) - Number(a.entry.meaning.onlyFor !== undefined));
  const chosen: Match[] = [];
  let reach = 0;
  for (const m of found) {
    if (m.start < reach) continue;
    chosen.push(m);
    reach = m.end;
  }
  return chosen;
}
