import type { Knowledge } from '../knowledge/model.js';
import { PROJECT_ROOT } from '../knowledge/load.js';
import { OptionClassifier } from './classifier.js';
import { type ClauseWords, clauseWords } from './clauses.js';
import { ConceptMatcher } from './concepts.js';
import { normalise } from './normalise.js';
import { PinyinTolerance } from './pinyin.js';
import { Segmenter, type Token } from './segment.js';
import { SpellingTolerance } from './spelling.js';
import { trainingExamples } from './training.js';

/** The question whose options the classifier ranks when nothing else was read. */
export const RANKED_FACT = 'need';

/**
 * What understanding builds once per knowledge: the segmenter, the concepts, the tolerances and the
 * classifier. Built on first use and shared by every Understander of the same knowledge (the service has
 * one; tests make many).
 */
export interface Engine {
  segmenter: Segmenter;
  concepts: ConceptMatcher;
  pinyin: PinyinTolerance;
  spelling: SpellingTolerance;
  words: ClauseWords;
  classifier: OptionClassifier | undefined;
  /** The words (token keys) of every term of dialogs/: a message with none of them is about something else. */
  vocabulary: Set<string>;
  /**
   * The terms of dialogs/ of more than one word, found as a whole in a message: Chinese of two characters
   * or more ("客服电话"), English of two words or more ("how long").
   */
  phraseTerms: string[];
  smallTalk: string[];
}

const engines = new WeakMap<Knowledge, Engine>();

/** A word that carries meaning: two Chinese characters or more, or an English word of three letters or more. */
export function isContent(t: Token): boolean {
  return t.ascii ? /^[a-z]{3,}/.test(t.text) : /^\p{Script=Han}{2,}$/u.test(t.text);
}

/** Every word of dialogs/ and what it means: what the tolerances know as the domain's terms. */
function domainTerms(k: Knowledge): Map<string, string> {
  const terms = new Map<string, Set<string>>();
  const add = (word: string, meaning: string) => {
    const w = normalise(word);
    if (!w) return;
    if (!terms.has(w)) terms.set(w, new Set());
    terms.get(w)?.add(meaning);
  };
  for (const q of k.questions.values()) for (const o of q.options) for (const w of [...o.synonyms, ...(o.unpromptedSynonyms ?? [])]) add(w, `${q.id}=${o.value}`);
  for (const q of k.questions.values()) if (q.kind === 'yesno') for (const v of ['yes', 'no'] as const) for (const w of k.lexicon[v]) add(w, `${q.kind}=${v}`);
  for (const p of k.phrases) for (const w of p.patterns) add(w, JSON.stringify(p.answers));
  for (const [id, list] of Object.entries(k.concepts.concepts)) for (const w of list) add(w, `concept:${id}`);
  for (const [name, list] of Object.entries(k.commands)) for (const w of list) add(w, `command:${name}`);
  return new Map([...terms].map(([w, m]) => [w, [...m].sort().join('|')]));
}

/**
 * The terms of dialogs/ that are one word of meaning: "ukey", "证书", "renewal". The words inside longer terms
 * are left out, since they are the language's own ("前几天到期" holds 几天, "what time" holds what).
 */
function wholeWords(terms: Iterable<string>, segmenter: Segmenter): Set<string> {
  const words = new Set<string>();
  for (const term of terms) {
    const content = segmenter.tokens(term).filter(isContent);
    if (content.length === 1) words.add((content[0] as Token).key);
  }
  return words;
}

export function engineFor(k: Knowledge, root: string = PROJECT_ROOT): Engine {
  let e = engines.get(k);
  if (!e) {
    const segmenter = new Segmenter(Object.values(k.concepts.concepts).flat().map(normalise));
    const terms = domainTerms(k);
    const hasFact = k.questions.has(RANKED_FACT);
    e = {
      segmenter,
      concepts: new ConceptMatcher(k.concepts, segmenter, RANKED_FACT),
      pinyin: new PinyinTolerance(terms, k.concepts.tolerance),
      spelling: new SpellingTolerance(terms.keys(), k.concepts.tolerance.minEnglishLength),
      words: clauseWords(k.lexicon),
      vocabulary: wholeWords(terms.keys(), segmenter),
      phraseTerms: [...terms.keys()].filter((w) => /^\p{Script=Han}{2,}$/u.test(w) || /^[a-z][a-z' -]* [a-z' -]*[a-z]$/.test(w)),
      smallTalk: [...new Set(k.lexicon.smallTalk.map(normalise).filter(Boolean))],
      classifier: hasFact ? new OptionClassifier(RANKED_FACT, trainingExamples(k, RANKED_FACT, root), segmenter) : undefined,
    };
    engines.set(k, e);
  }
  return e;
}
