import type { Knowledge } from '../knowledge/model.js';
import { PROJECT_ROOT } from '../knowledge/load.js';
import { OptionClassifier } from './classifier.js';
import { type ClauseWords, clauseWords } from './clauses.js';
import { ConceptMatcher } from './concepts.js';
import { normalise } from './normalise.js';
import { PinyinTolerance } from './pinyin.js';
import { Segmenter } from './segment.js';
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
}

const engines = new WeakMap<Knowledge, Engine>();

/** Every word of dialogs/: what the tolerances know as the domain's terms. */
function domainWords(k: Knowledge): string[] {
  const words: string[] = [];
  for (const q of k.questions.values()) for (const o of q.options) words.push(...o.synonyms, ...(o.unpromptedSynonyms ?? []));
  for (const p of k.phrases) words.push(...p.patterns);
  for (const list of Object.values(k.concepts.concepts)) words.push(...list);
  for (const list of Object.values(k.commands)) words.push(...list);
  return words.map(normalise).filter(Boolean);
}

export function engineFor(k: Knowledge, root: string = PROJECT_ROOT): Engine {
  let e = engines.get(k);
  if (!e) {
    const segmenter = new Segmenter(Object.values(k.concepts.concepts).flat().map(normalise));
    const words = domainWords(k);
    const hasFact = k.questions.has(RANKED_FACT);
    e = {
      segmenter,
      concepts: new ConceptMatcher(k.concepts, segmenter),
      pinyin: new PinyinTolerance(words, k.concepts.tolerance),
      spelling: new SpellingTolerance(words, k.concepts.tolerance.minEnglishLength),
      words: clauseWords(k.lexicon),
      classifier: hasFact ? new OptionClassifier(RANKED_FACT, trainingExamples(k, RANKED_FACT, root), segmenter) : undefined,
    };
    engines.set(k, e);
  }
  return e;
}
