import { daysBetween, isValidDate, toIso, type IsoDate } from '../dates/beijing.js';

export type DateFinding = { kind: 'date'; date: IsoDate } | { kind: 'invalid'; text: string } | { kind: 'none' };

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

/**
 * Finds one calendar date in text: 2027-03-31, 2027/3/31, 2027年3月31日, 31 March 2027, March 31, 2027,
 * 15/01/2027, and 12月10日 (the nearest 10 December).
 */
export function findDate(text: string, today: IsoDate): DateFinding {
  const lower = text.toLowerCase();
  for (const form of FORMS) {
    const m = form.pattern.exec(lower);
    if (!m) continue;
    const [y, mo, d] = form.read(m, today);
    return isValidDate(y, mo, d) ? { kind: 'date', date: toIso(y, mo, d) } : { kind: 'invalid', text: m[0].trim() };
  }
  return { kind: 'none' };
}

/** Removes the date from the text so its digits are not read as option numbers or other answers. */
export function withoutDate(text: string): string {
  return FORMS.reduce((t, f) => t.replace(f.pattern, ' '), text);
}
