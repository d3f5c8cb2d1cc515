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
  for (const w of [...words].sort((a, b) => b.length - a.length)) {
    const ww = w.replace(/\s+/g, '');
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
