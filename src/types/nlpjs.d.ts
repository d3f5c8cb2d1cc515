// NLP.js ships no type declarations; these are the parts the understanding uses.
declare module '@nlpjs/lang-en-min' {
  export class StemmerEn {
    stem(tokens: string[]): string[];
  }
}

declare module '@nlpjs/neural' {
  export interface NeuralSettings {
    iterations?: number;
    errorThresh?: number;
    deltaErrorThresh?: number;
    learningRate?: number;
    momentum?: number;
    alpha?: number;
    log?: boolean;
  }
  export class NeuralNetwork {
    constructor(settings?: NeuralSettings);
    train(corpus: { input: Record<string, number>; output: Record<string, number> }[]): { error: number; iterations: number };
    run(input: Record<string, number>): Record<string, number>;
  }
}

declare module 'damerau-levenshtein' {
  export default function damerau(a: string, b: string, limit?: number): { steps: number; relative: number; similarity: number };
}
