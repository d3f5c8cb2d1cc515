import { createRequire } from 'node:module';
import { addDays, type IsoDate } from './beijing.js';

interface CalendarTable {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

/*
 * China's official calendar (public holidays and make-up working days, 调休) from the chinese-days
 * package. Its published table is read rather than its isWorkday(): those functions parse dates in
 * UTC and format them in the server's zone, so west of UTC they answer for the day before (checked:
 * with TZ=America/Los_Angeles 369 days of 2004-2027 come out wrong). Dates here are ISO strings and
 * weekdays come from UTC arithmetic, which makes the answer the same in every time zone.
 */
const table = createRequire(import.meta.url)('chinese-days/dist/chinese-days.json') as CalendarTable;

const years = [...Object.keys(table.holidays), ...Object.keys(table.workdays)].map((d) => Number(d.slice(0, 4)));
/** The years the official calendar data covers; outside them only weekends are known. */
export const CALENDAR_YEARS = { first: Math.min(...years), last: Math.max(...years) } as const;

export function calendarCovers(date: IsoDate): boolean {
  const year = Number(date.slice(0, 4));
  return year >= CALENDAR_YEARS.first && year <= CALENDAR_YEARS.last;
}

function weekday(date: IsoDate): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** Whether the bureau works that day: a make-up Saturday is a working day, a holiday Monday is not. */
export function isWorkingDay(date: IsoDate): boolean {
  if (table.workdays[date]) return true;
  if (table.holidays[date]) return false;
  const day = weekday(date);
  return day >= 1 && day <= 5;
}

export interface WorkingDayResult {
  date: IsoDate;
  /** False when a day counted lies outside the calendar data: the estimate then skips weekends only. */
  holidaysCounted: boolean;
}

/**
 * The date on which `count` working days after `start` have passed: the handbook's "2个工作日" from a
 * submission on Monday ends on Wednesday. The start day itself is not counted.
 */
export function addWorkingDays(start: IsoDate, count: number): WorkingDayResult {
  // Every case opened on a day asks the same few sums: each is counted once.
  const key = `${start}+${count}`;
  let result = sums.get(key);
  if (!result) {
    if (sums.size >= SUM_LIMIT) sums.clear();
    sums.set(key, (result = Object.freeze(countWorkingDays(start, count))));
  }
  return result;
}

const sums = new Map<string, Readonly<WorkingDayResult>>();
const SUM_LIMIT = 10_000;

function countWorkingDays(start: IsoDate, count: number): WorkingDayResult {
  let date = start;
  let left = count;
  let holidaysCounted = true;
  while (left > 0) {
    date = addDays(date, 1);
    if (!calendarCovers(date)) holidaysCounted = false;
    if (isWorkingDay(date)) left -= 1;
  }
  return { date, holidaysCounted };
}
