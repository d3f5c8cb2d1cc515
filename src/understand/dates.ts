import { isValidDate, toIso, type IsoDate } from '../dates/beijing.js';

export type DateFinding = { kind: 'date'; date: IsoDate } | { kind: 'invalid'; text: string } | { kind: 'none' };

const NUMERIC = /(\d{4})\s*(?:[-/.年]\s*)(\d{1,2})\s*(?:[-/.月]\s*)(\d{1,2})\s*[日号]?/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\\.?';
const DAY_MONTH_YEAR = new RegExp(`(\\d{1,2})(?:st|nd|rd|th)?\\s+${MONTH},?\\s+(\\d{4})`);
const MONTH_DAY_YEAR = new RegExp(`${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})`);

/** Finds one calendar date in text: 2027-03-31, 2027/3/31, 2027年3月31日, 31 March 2027, March 31, 2027. */
export function findDate(text: string): DateFinding {
  const lower = text.toLowerCase();
  let y: number, m: number, d: number, raw: string;
  const numeric = NUMERIC.exec(lower);
  const dmy = DAY_MONTH_YEAR.exec(lower);
  const mdy = MONTH_DAY_YEAR.exec(lower);
  if (numeric) [raw, y, m, d] = [numeric[0], Number(numeric[1]), Number(numeric[2]), Number(numeric[3])];
  else if (dmy) [raw, y, m, d] = [dmy[0], Number(dmy[3]), MONTHS.indexOf(dmy[2] as string) + 1, Number(dmy[1])];
  else if (mdy) [raw, y, m, d] = [mdy[0], Number(mdy[3]), MONTHS.indexOf(mdy[1] as string) + 1, Number(mdy[2])];
  else return { kind: 'none' };
  return isValidDate(y, m, d) ? { kind: 'date', date: toIso(y, m, d) } : { kind: 'invalid', text: raw.trim() };
}

/** Removes the date from the text so its digits are not read as option numbers or other answers. */
export function withoutDate(text: string): string {
  return text.replace(NUMERIC, ' ').replace(DAY_MONTH_YEAR, ' ').replace(MONTH_DAY_YEAR, ' ');
}
