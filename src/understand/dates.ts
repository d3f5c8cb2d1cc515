import { addDays, daysBetween, isValidDate, toIso, type IsoDate } from '../dates/beijing.js';
import { chineseNumber } from './ordinal.js';

/**
 * A date found in text: a day; a month or a year only (`span`, its first and last day), read only where
 * the text has one of the question's cue words; or a day that does not exist.
 */
export type DateFinding = { kind: 'date'; date: IsoDate } | { kind: 'span'; from: IsoDate; to: IsoDate } | { kind: 'invalid'; text: string } | { kind: 'none' };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\\.?';

type Reader = (m: RegExpExecArray, today: IsoDate) => [number, number, number];
const year = (today: IsoDate) => Number(today.slice(0, 4));

/**
 * A month and day without a year: this year's, unless that is more than half a year behind, when next
 * year's is meant (an expiry date lies ahead, or only a little behind).
 */
function nearest(month: number, day: number, today: IsoDate): [number, number, number] {
  const y = year(today);
  if (!isValidDate(y, month, day)) return [y, month, day];
  return daysBetween(toIso(y, month, day), today) > 183 ? [y + 1, month, day] : [y, month, day];
}

const FORMS: { pattern: RegExp; read: Reader }[] = [
  // 2027-03-31, 2027/3/31, 2027.3.31, 2027年3月31日
  { pattern: /(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?/, read: (m) => [Number(m[1]), Number(m[2]), Number(m[3])] },
  // 31 March 2027
  { pattern: new RegExp(`(\\d{1,2})(?:st|nd|rd|th)?\\s+${MONTH},?\\s+(\\d{4})`), read: (m) => [Number(m[3]), MONTHS.indexOf(m[2] as string) + 1, Number(m[1])] },
  // March 31, 2027
  { pattern: new RegExp(`${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})`), read: (m) => [Number(m[3]), MONTHS.indexOf(m[1] as string) + 1, Number(m[2])] },
  // 15/01/2027: only when the day cannot be a month, since 03/04/2027 is read differently in different places
  { pattern: /\b(1[3-9]|2\d|3[01])[/.](\d{1,2})[/.](\d{4})\b/, read: (m) => [Number(m[3]), Number(m[2]), Number(m[1])] },
  // 12月10日, 12月10号 (no year)
  { pattern: /(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]/, read: (m, today) => nearest(Number(m[1]), Number(m[2]), today) },
];

function lastDay(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const SPANS: { pattern: RegExp; read: (m: RegExpExecArray) => [number, number | undefined] }[] = [
  // 2028年3月, 2028-03, 2028/3, 2028.3
  { pattern: /(?<!\d)(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*月?(?![\d日号])/, read: (m) => [Number(m[1]), Number(m[2])] },
  // March 2028
  { pattern: new RegExp(`${MONTH},?\\s+(\\d{4})`), read: (m) => [Number(m[2]), MONTHS.indexOf(m[1] as string) + 1] },
  // 2028年, in 2028
  { pattern: /(?<!\d)(20\d{2})(?!\d)\s*年?/, read: (m) => [Number(m[1]), undefined] },
];

/**
 * Finds one calendar date in text: 2027-03-31, 2027/3/31, 2027年3月31日, 31 March 2027, March 31, 2027,
 * 15/01/2027, and 12月10日 (the nearest 10 December); failing those, where the text has one of the
 * cue words (the dated question's `spanCues`), a month (2028-03, March 2028) or a year as its days.
 */
/** How a question's dates may also be said: cue words for a bare month or year, years counted from this one, units of time. */
export interface DateWords {
  spanCues?: readonly string[];
  relativeYears?: Readonly<Record<string, number>>;
  /** Words for units of time, in days ("天": 1, "months": 30). */
  durationUnits?: Readonly<Record<string, number>>;
  /** Words after a count that put it in the past ("十天前", "10 days ago"). */
  durationAgo?: readonly string[];
  /** Words before a count that put it in the past ("过期一个月了", "expired for 2 weeks"). */
  durationSince?: readonly string[];
  /** Words for a time counted from today, in days ("下周": 7). */
  relativeDays?: Readonly<Record<string, number>>;
  /** Words after a month for part of it, as its first and last day ("初": [1, 10]). */
  monthParts?: Readonly<Record<string, readonly [number, number]>>;
  /** Words for part of a year, as a month ("年底": 12). */
  yearParts?: Readonly<Record<string, number>>;
}

/**
 * "还有50天到期", "3个月后到期", "expires in 90 days": a count of units from today, where the text (already
 * normalised) has one of the cue words, and where it lies. Days and weeks give the day; months and years,
 * as long as they are, give the span of half a month either side.
 */
const durationPatterns = new WeakMap<object, RegExp | undefined>();

/** The pattern of a count and one of the units (longest first), made once per set of units. */
function durationPattern(units: Readonly<Record<string, number>>): RegExp | undefined {
  if (!durationPatterns.has(units)) {
    const words = Object.keys(units)
      .sort((a, b) => b.length - a.length)
      .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    // "半个月", "三个多月" (read as "三多个月": a little more is still that many units), "3 more months".
    durationPatterns.set(units, words.length ? new RegExp(`(\\d{1,4}|[一二两三四五六七八九十]{1,3}|半)\\s*(?:多|more)?\\s*(${words.join('|')})(?![a-z])`) : undefined);
  }
  return durationPatterns.get(units);
}

export function findDuration(
  text: string,
  today: IsoDate,
  words: DateWords,
  asked = false,
): { found: Extract<DateFinding, { kind: 'date' | 'span' }>; start: number; end: number } | undefined {
  if (!words.durationUnits || (!asked && !(words.spanCues ?? []).some((cue) => text.includes(cue)))) return undefined;
  const m = durationPattern(words.durationUnits)?.exec(text.replace(/个多/g, '多个'));
  if (!m) return relativeDays(text, today, words.relativeDays ?? {});
  const count = m[1] === '半' ? 0.5 : /^\d/.test(m[1] as string) ? Number(m[1]) : chineseNumber(m[1] as string);
  const length = words.durationUnits?.[m[2] as string] ?? 0;
  const after = text.slice(m.index + m[0].length).trimStart();
  const before = text.slice(0, m.index).trimEnd();
  // "十天前", "过期一个多月了": a count after the words of having expired lies in the past.
  const sign = (words.durationAgo ?? []).some((w) => after.startsWith(w)) || (words.durationSince ?? []).some((w) => before.endsWith(w)) ? -1 : 1;
  const days = sign * length * (count ?? Number.NaN);
  if (!Number.isFinite(days) || days === 0) return undefined;
  return fromToday(today, days, length, { start: m.index, end: m.index + m[0].length });
}

/** Days from today, counted in days or weeks, as a day; counted in months or years, as the span of half a month either side. */
function fromToday(today: IsoDate, days: number, unit: number, at: { start: number; end: number }): ReturnType<typeof findDuration> {
  if (unit < 28) return { found: { kind: 'date', date: addDays(today, Math.round(days)) }, ...at };
  return { found: { kind: 'span', from: addDays(today, Math.round(days) - 15), to: addDays(today, Math.round(days) + 15) }, ...at };
}

/** "下周就到期", "next month": the first (longest at its place) word of a time counted from today. */
function relativeDays(text: string, today: IsoDate, words: Readonly<Record<string, number>>): ReturnType<typeof findDuration> {
  let best: { word: string; at: number } | undefined;
  for (const word of Object.keys(words)) {
    const at = text.indexOf(word);
    if (at >= 0 && (!best || at < best.at || (at === best.at && word.length > best.word.length))) best = { word, at };
  }
  if (!best) return undefined;
  // The earliest word, the longest at its place: "下下个月" is not read as the "下个月" inside it.
  const days = words[best.word] as number;
  return fromToday(today, days, days, { start: best.at, end: best.at + best.word.length });
}

const partPatterns = new WeakMap<object, RegExp | undefined>();

/** The pattern of a month and one of the words for part of it (longest first), made once per set of words. */
function partPattern(parts: Readonly<Record<string, readonly [number, number]>>): RegExp | undefined {
  if (!partPatterns.has(parts)) {
    const words = Object.keys(parts)
      .sort((a, b) => b.length - a.length)
      .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    partPatterns.set(parts, words.length ? new RegExp(`(?<!\\d)(\\d{1,2}|[一二三四五六七八九十]{1,3})\\s*月\\s*(${words.join('|')})`) : undefined);
  }
  return partPatterns.get(parts);
}

/**
 * "12月初", "明年3月底": part of a month; "今年年底", "年底": part of a year (this year's unless a year word
 * says otherwise). A span of the days of that part.
 */
function partOfMonth(text: string, today: IsoDate, words: DateWords): DateFinding | undefined {
  const yearOf = (before: string) => {
    const named = Object.entries(words.relativeYears ?? {}).find(([w]) => before.endsWith(w));
    const digits = /(\d{4})\s*年?\s*$/.exec(before);
    return digits ? Number(digits[1]) : named ? year(today) + named[1] : undefined;
  };
  const pattern = partPattern(words.monthParts ?? {});
  if (pattern) {
    const m = pattern.exec(text);
    if (m) {
      const month = /^\d/.test(m[1] as string) ? Number(m[1]) : chineseNumber(m[1] as string);
      if (month === undefined || !(month >= 1 && month <= 12)) return { kind: 'invalid', text: m[0] };
      const [first, last] = words.monthParts?.[m[2] as string] ?? [1, 31];
      const y = yearOf(text.slice(0, m.index)) ?? (nearest(month, 1, today)[0] as number);
      return { kind: 'span', from: toIso(y, month, first), to: toIso(y, month, Math.min(last, lastDay(y, month))) };
    }
  }
  for (const [word, month] of Object.entries(words.yearParts ?? {}).sort((a, b) => b[0].length - a[0].length)) {
    const at = text.indexOf(word);
    if (at < 0) continue;
    const y = yearOf(text.slice(0, at)) ?? year(today);
    return { kind: 'span', from: toIso(y, month, 1), to: toIso(y, month, lastDay(y, month)) };
  }
  return undefined;
}

/** "明年八月", "今年12月": a month of a year named by its distance from this one. */
function relativeMonth(text: string, today: IsoDate, years: Readonly<Record<string, number>>): [number, number | undefined, string] | undefined {
  for (const [word, offset] of Object.entries(years)) {
    const at = text.indexOf(word);
    if (at < 0) continue;
    const m = /^\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月(?![\d日号])/.exec(text.slice(at + word.length));
    if (!m) continue;
    const month = /^\d/.test(m[1] as string) ? Number(m[1]) : chineseNumber(m[1] as string);
    return [year(today) + offset, month ?? Number.NaN, `${word}${m[0].trim()}`];
  }
  return undefined;
}

/** `asked`: the dated question is the one on screen, so a bare month or a count of days needs no cue word. */
export function findDate(text: string, today: IsoDate, words: DateWords = {}, asked = false): DateFinding {
  const lower = text.toLowerCase();
  for (const form of FORMS) {
    const m = form.pattern.exec(lower);
    if (!m) continue;
    const [y, mo, d] = form.read(m, today);
    return isValidDate(y, mo, d) ? { kind: 'date', date: toIso(y, mo, d) } : { kind: 'invalid', text: m[0].trim() };
  }
  if (!asked && !(words.spanCues ?? []).some((cue) => lower.includes(cue))) return { kind: 'none' };
  const part = partOfMonth(lower, today, words);
  if (part) return part;
  const relative = relativeMonth(lower, today, words.relativeYears ?? {});
  if (relative) return spanOf(...relative);
  for (const span of SPANS) {
    const m = span.pattern.exec(lower);
    if (m) return spanOf(...span.read(m), m[0].trim());
  }
  return { kind: 'none' };
}

/** The days of a month, or of a whole year when no month is given. */
function spanOf(y: number, mo: number | undefined, text: string): DateFinding {
  if (mo === undefined) return { kind: 'span', from: toIso(y, 1, 1), to: toIso(y, 12, 31) };
  if (!(mo >= 1 && mo <= 12)) return { kind: 'invalid', text };
  return { kind: 'span', from: toIso(y, mo, 1), to: toIso(y, mo, lastDay(y, mo)) };
}

/** Removes the date from the text so its digits are not read as option numbers or other answers. */
export function withoutDate(text: string): string {
  return [...FORMS, ...SPANS].reduce((t, f) => t.replace(f.pattern, ' '), text);
}
