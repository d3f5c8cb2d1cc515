import * as OpenCC from 'opencc-js/t2cn';

const toSimplified = OpenCC.Converter({ from: 'hk', to: 'cn' });

/**
 * Puts free text in one canonical form before matching: full-width to half-width (NFKC), traditional
 * to simplified characters, lower case, single spaces, and Chinese/ASCII punctuation to a space.
 */
export function normalise(text: string): string {
  return toSimplified(text.normalize('NFKC'))
    .toLowerCase()
    .replace(/[，。！？、；：“”‘’「」『』（）《》【】,.!?;:"'()<>[\]…~～]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Keeps date punctuation, which normalise() would turn into spaces. */
export function normaliseKeepingPunctuation(text: string): string {
  return toSimplified(text.normalize('NFKC')).toLowerCase().replace(/\s+/g, ' ').trim();
}
