import { createRequire } from 'node:module';
import { addDays, type IsoDate } from './beijing.js';

/** A year's official arrangement: its days off and its make-up working days (调休), by ISO date. */
export interface CalendarTable {
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
const PACKAGE_TABLE = createRequire(import.meta.url)('chinese-days/dist/chinese-days.json') as CalendarTable;

const yearOf = (date: IsoDate) => Number(date.slice(0, 4));

export function weekday(date: IsoDate): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

export interface WorkingDayResult {
  date: IsoDate;
  /** False when a day counted lies outside the calendar data: the estimate then skips weekends only. */
  holidaysCounted: boolean;
}

/** Far more than the sums a day of cases asks; past it the memo starts again. */
const SUM_LIMIT = 10_000;

/**
 * The bureau's working days: the package's years, and the years a content owner added under
 * rules/calendar/ (a year given there replaces the package's data for that year).
 */
export class WorkingDayCalendar {
  private readonly holidays: Set<string>;
  private readonly workdays: Set<string>;
  private readonly covered: Set<number>;
  /** The first year covered and the last of the years that follow it without a gap. */
  readonly years: { first: number; last: number };
  /** Where each year's data came from: "chinese-days" or the file that gave it. */
  readonly sources: Map<number, string>;
  private readonly sums = new Map<string, Readonly<WorkingDayResult>>();

  /**
   * The package's table, then each added year: a year given in rules/calendar/ replaces the package's
   * days of that year, and brings its own days in the neighbouring years (a New Year holiday that
   * begins on 30 December belongs to the next year's arrangement).
   */
  constructor(base: CalendarTable, added: { year: number; table: CalendarTable; source: string }[] = []) {
    const replaced = new Set(added.map((a) => a.year));
    const keep = (dates: Record<string, string>) => Object.keys(dates).filter((d) => !replaced.has(yearOf(d)));
    this.holidays = new Set(keep(base.holidays));
    this.workdays = new Set(keep(base.workdays));
    this.sources = new Map([...Object.keys(base.holidays), ...Object.keys(base.workdays)].map((d) => [yearOf(d), 'chinese-days']));
    for (const a of added) {
      for (const d of Object.keys(a.table.holidays)) {
        this.holidays.add(d);
        this.workdays.delete(d);
      }
      for (const d of Object.keys(a.table.workdays)) {
        this.workdays.add(d);
        this.holidays.delete(d);
      }
      this.sources.set(a.year, a.source);
    }
    this.covered = new Set(this.sources.keys());
    const first = Math.min(...this.covered);
    let last = first;
    while (this.covered.has(last + 1)) last += 1;
    this.years = { first, last };
  }

  /** The package's calendar with the given years added (or replaced). */
  static withYears(years: { year: number; table: CalendarTable; source: string }[]): WorkingDayCalendar {
    return new WorkingDayCalendar(PACKAGE_TABLE, years);
  }

  covers(date: IsoDate): boolean {
    return this.covered.has(yearOf(date));
  }

  /** Whether the bureau works that day: a make-up Saturday is a working day, a holiday Monday is not. */
  isWorkingDay(date: IsoDate): boolean {
    if (this.workdays.has(date)) return true;
    if (this.holidays.has(date)) return false;
    const day = weekday(date);
    return day >= 1 && day <= 5;
  }

  /**
   * The date on which `count` working days after `start` have passed: the handbook's "2个工作日" from a
   * submission on Monday ends on Wednesday. The start day itself is not counted.
   */
  addWorkingDays(start: IsoDate, count: number): WorkingDayResult {
    // Every case opened on a day asks the same few sums: each is counted once.
    const key = `${start}+${count}`;
    let result = this.sums.get(key);
    if (!result) {
      if (this.sums.size >= SUM_LIMIT) this.sums.clear();
      this.sums.set(key, (result = Object.freeze(this.count(start, count))));
    }
    return result;
  }

  private count(start: IsoDate, count: number): WorkingDayResult {
    let date = start;
    let left = count;
    let holidaysCounted = true;
    while (left > 0) {
      date = addDays(date, 1);
      if (!this.covers(date)) holidaysCounted = false;
      if (this.isWorkingDay(date)) left -= 1;
    }
    return { date, holidaysCounted };
  }
}

/** The package's calendar alone, for code that has no knowledge at hand. */
export const PACKAGE_CALENDAR = WorkingDayCalendar.withYears([]);

/** The years the package's calendar data covers; outside them only weekends are known. */
export const CALENDAR_YEARS = PACKAGE_CALENDAR.years;

export function calendarCovers(date: IsoDate): boolean {
  return PACKAGE_CALENDAR.covers(date);
}

export function isWorkingDay(date: IsoDate): boolean {
  return PACKAGE_CALENDAR.isWorkingDay(date);
}

export function addWorkingDays(start: IsoDate, count: number): WorkingDayResult {
  return PACKAGE_CALENDAR.addWorkingDays(start, count);
}
