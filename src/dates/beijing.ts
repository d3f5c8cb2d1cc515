/** Calendar dates as "YYYY-MM-DD" strings in Beijing time, whatever the server's time zone. */
export type IsoDate = string;

const beijing = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

let cached = { minute: Number.NaN, date: '' };

/**
 * Asked on every turn: the date is the same for a whole minute (Beijing's offset is whole hours, so
 * midnight falls on a minute), and the time zone database is asked once a minute rather than each time.
 */
export function beijingDate(at: Date = new Date()): IsoDate {
  const minute = Math.floor(at.getTime() / 60_000);
  if (minute !== cached.minute) cached = { minute, date: beijing.format(at) };
  return cached.date;
}

export function isValidDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

export function toIso(year: number, month: number, day: number): IsoDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function utcDay(date: IsoDate): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / 86_400_000;
}

export function daysBetween(from: IsoDate, to: IsoDate): number {
  return utcDay(to) - utcDay(from);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const d = new Date((utcDay(date) + days) * 86_400_000);
  return toIso(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

const beijingTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** An instant (ISO timestamp) as Beijing date and time, "YYYY-MM-DD HH:mm", for agents reading records. */
export function beijingDateTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${beijing.format(at)} ${beijingTime.format(at)}`;
}
