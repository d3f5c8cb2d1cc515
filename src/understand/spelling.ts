import damerau from 'damerau-levenshtein';

/**
 * English words of the domain misspelt by one letter ("expried", "replacment", "certficate"): a word at
 * least `minLength` long that is not itself a word of the domain, within one edit (a letter added, dropped,
 * changed, or two swapped: Damerau-Levenshtein) of exactly one that is, or of exactly one a letter longer.
 */
export class SpellingTolerance {
  private readonly vocabulary: Set<string>;
  private readonly byLength = new Map<number, string[]>();
  private readonly memo = new Map<string, string | null>();

  constructor(
    words: Iterable<string>,
    private readonly minLength: number,
  ) {
    this.vocabulary = new Set([...words].flatMap((w) => w.split(/[^a-z]+/)).filter(Boolean));
    for (const w of this.vocabulary)
      if (w.length >= minLength) {
        if (!this.byLength.has(w.length)) this.byLength.set(w.length, []);
        this.byLength.get(w.length)?.push(w);
      }
  }

  private fix(word: string): string | null {
    if (word.length < this.minLength || this.vocabulary.has(word)) return null;
    let m = this.memo.get(word);
    if (m !== undefined) return m;
    const near = new Set<string>();
    for (const n of [word.length - 1, word.length, word.length + 1]) for (const w of this.byLength.get(n) ?? []) if (damerau(word, w).steps === 1) near.add(w);
    // "brokn" is near "broke" and "broken", "damagd" near "damage" and "damaged": a dropped letter is the
    // commonest slip, so of several the one word a letter longer is meant, when there is just one.
    const longer = [...near].filter((w) => w.length === word.length + 1);
    m = near.size === 1 ? ([...near][0] as string) : longer.length === 1 ? (longer[0] as string) : null;
    if (this.memo.size < 20_000) this.memo.set(word, m);
    return m;
  }

  /** The text with its misspelt words put right, or the same text. */
  correct(text: string): string {
    return text.replace(/[a-z]+/g, (w) => this.fix(w) ?? w);
  }
}
