const CHINESE_DIGITS: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };

/** 一 to 十九 (and 两), as months and option numbers are said. */
export function chineseNumber(s: string): number | undefined {
  if (s === '十') return 10;
  if (s.length === 1) return CHINESE_DIGITS[s];
  if (s.length === 2 && s[0] === '十') return 10 + (CHINESE_DIGITS[s[1] as string] ?? NaN);
  return undefined;
}

/**
 * Reads a whole message that is only an option number: "2", "第二个", "选3", "option 2", "#1".
 * Returns the 1-based number, or undefined when the message is anything else.
 */
export function readOrdinal(normalised: string, words: readonly string[], suffixes: readonly string[]): number | undefined {
  let s = normalised.replace(/\s+/g, '');
  for (const ww of longestFirst(words)) {
    if (s.startsWith(ww)) {
      s = s.slice(ww.length);
      break;
    }
  }
  for (const x of suffixes) if (s.endsWith(x)) s = s.slice(0, -x.length);
  if (/^\d{1,2}$/.test(s)) return Number(s);
  const n = chineseNumber(s);
  return Number.isFinite(n) ? n : undefined;
}

/** The lists come from the lexicon, loaded once: what is made of them is made once per list, not per message. */
const sortedWords = new WeakMap<readonly string[], string[]>();

/** The words without their spaces, the longest first, so that "第" does not cut "第一个" short. */
function longestFirst(words: readonly string[]): string[] {
  let sorted = sortedWords.get(words);
  if (!sorted) sortedWords.set(words, (sorted = [...words].sort((a, b) => b.length - a.length).map((w) => w.replace(/\s+/g, ''))));
  return sorted;
}

const placeLists = new WeakMap<OrdinalWords, { fillers: Set<string>; ends: string[] }>();

function placeWords(w: OrdinalWords): { fillers: Set<string>; ends: string[] } {
  let lists = placeLists.get(w);
  if (!lists) {
    const ends = [...new Set([...w.ordinalFillers, ...w.ordinalWords, ...w.ordinalSuffixes].map((x) => x.replace(/\s+/g, '')))].filter(Boolean).sort((a, b) => b.length - a.length);
    placeLists.set(w, (lists = { fillers: new Set(w.ordinalFillers.map((f) => f.toLowerCase())), ends }));
  }
  return lists;
}

export interface OrdinalWords {
  ordinalWords: readonly string[];
  ordinalSuffixes: readonly string[];
  ordinalNames: Readonly<Record<string, number>>;
  ordinalFillers: readonly string[];
}

/**
 * An option chosen by its place in a short sentence: "the second one", "I'll take option 6", "2nd",
 * "我选第二个吧", "最后一个". Words of English stand apart, the rest is stripped of the fillers, the ordinal
 * words and suffixes at either end until a number or a named place is left. -1 is the last option.
 */
export function readPlace(normalised: string, w: OrdinalWords): number | undefined {
  if (normalised.length > 40) return undefined;
  const { fillers, ends } = placeWords(w);
  const ascii = normalised.split(' ').filter((t) => !fillers.has(t) && !w.ordinalWords.includes(t));
  let s = ascii.join(' ');
  const named = (x: string) => w.ordinalNames[x] ?? (/^(\d{1,2})(?:st|nd|rd|th)$/.exec(x) ? Number.parseInt(x, 10) : undefined);
  if (named(s) !== undefined) return named(s);
  s = s.replace(/\s+/g, '');
  for (let changed = true; changed && s;) {
    changed = false;
    if (named(s) !== undefined) return named(s);
    for (const e of ends) {
      if (s.startsWith(e) && s.length > e.length) s = s.slice(e.length);
      else if (s.endsWith(e) && s.length > e.length) s = s.slice(0, -e.length);
      else continue;
      changed = true;
      break;
    }
  }
  if (named(s) !== undefined) return named(s);
  if (/^\d{1,2}$/.test(s)) return Number(s);
  const n = chineseNumber(s);
  return Number.isFinite(n) ? n : undefined;
}
