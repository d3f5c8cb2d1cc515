import { NeuralNetwork } from '@nlpjs/neural';
import type { Segmenter } from './segment.js';

/** One labelled example: a message and the option it means, or `null` for one that means none. */
export interface Example {
  text: string;
  label: string | null;
}

/** The options of one question, best first, with the classifier's score of each (0..1). */
export interface Ranking {
  fact: string;
  options: { value: string; score: number }[];
  /** How much the message looks like one the handbook does not answer (0..1). */
  outOfScope: number;
}

const NONE = '_none';
/** The label of messages that ask what the handbook does not answer. */
export const OUT_OF_SCOPE = '_outOfScope';

/**
 * A statistical ranking of a question's options (NLP.js's neural network) for messages that no concept
 * or synonym read: trained at start-up from the options' synonyms, the concepts and the tuning corpus,
 * on the message's words (jieba's, English stems) and its Chinese characters, so a sentence never seen
 * still finds the option whose words it shares.
 */
export class OptionClassifier {
  private readonly net = new NeuralNetwork({ iterations: 300, errorThresh: 0.0005, learningRate: 0.6, log: false });
  readonly trainingMs: number;
  /** The same in CPU time of the process, which a busy machine does not inflate. */
  readonly trainingCpuMs: number;
  /** The features seen in training: of a message with none of them the network knows nothing but its bias. */
  private readonly known = new Set<string>();

  constructor(
    readonly fact: string,
    examples: readonly Example[],
    private readonly segmenter: Segmenter,
  ) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const corpus = examples.map((e) => ({ input: this.features(e.text), output: { [e.label ?? NONE]: 1 } })).filter((e) => Object.keys(e.input).length > 0);
    for (const e of corpus) for (const f of Object.keys(e.input)) this.known.add(f);
    this.net.train(corpus);
    this.trainingMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    this.trainingCpuMs = (used.user + used.system) / 1000;
  }

  private features(text: string): Record<string, number> {
    const f: Record<string, number> = {};
    for (const t of this.segmenter.tokens(text)) {
      // Words only: digits and punctuation say nothing of an option.
      if (!/[\p{L}]/u.test(t.text)) continue;
      f[`w:${t.key}`] = 1;
      if (!t.ascii && t.text.length > 1) for (const c of t.text) f[`c:${c}`] = 1;
    }
    return f;
  }

  /** The options by score; "none of them" and "out of scope" are left out but lower the others. */
  rank(text: string): Ranking {
    const features = this.features(text);
    if (Object.keys(features).length === 0) return { fact: this.fact, options: [], outOfScope: 0 };
    const input = Object.fromEntries(Object.entries(features).filter(([f]) => this.known.has(f)));
    // "啊啊啊": no word the classifier has seen, so its scores are its bias, the same for any such message: the
    // options keep that order (the likeliest in general) but none is more likely for this message.
    const unknown = Object.keys(input).length === 0;
    const scores = this.net.run(unknown ? features : input);
    const options = Object.entries(scores)
      .filter(([value]) => value !== NONE && value !== OUT_OF_SCOPE)
      .map(([value, s]) => ({ value, score: Math.min(1, Math.max(0, s)) }))
      .sort((a, b) => b.score - a.score)
      .map((o) => (unknown ? { ...o, score: 0 } : o));
    return { fact: this.fact, options, outOfScope: unknown ? 0 : Math.min(1, Math.max(0, scores[OUT_OF_SCOPE] ?? 0)) };
  }
}
