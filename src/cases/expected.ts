import type { IsoDate } from '../dates/beijing.js';
import { PACKAGE_CALENDAR, type WorkingDayCalendar } from '../dates/working-days.js';
import type { Stage } from '../knowledge/schema.js';
import type { ExpectedStage } from './case-schema.js';

/** Chains the stages from `start`: each begins the day the one before it ends. */
function chain(stages: readonly Stage[], start: IsoDate, calendar: WorkingDayCalendar): ExpectedStage[] {
  const out: ExpectedStage[] = [];
  let from = start;
  for (const s of stages) {
    if (s.actor === 'enterprise') continue;
    const end = calendar.addWorkingDays(from, s.workingDays);
    out.push({ stage: s.id, actor: s.actor, workingDays: s.workingDays, start: from, end: end.date, holidaysCounted: end.holidaysCounted });
    from = end.date;
  }
  return out;
}

/** Expected dates at the outcome: what they would be if the enterprise submitted today. */
export function initialExpected(stages: readonly Stage[], today: IsoDate, calendar: WorkingDayCalendar = PACKAGE_CALENDAR): ExpectedStage[] {
  return chain(stages, today, calendar);
}

/**
 * Expected dates once a stage has begun on `on` (the status says whose stage runs): that stage and the
 * ones after it are counted again from that day; the ones before keep what they were.
 */
export function restartExpected(
  stages: readonly Stage[],
  previous: readonly ExpectedStage[],
  actor: 'authority' | 'provider',
  on: IsoDate,
  calendar: WorkingDayCalendar = PACKAGE_CALENDAR,
): ExpectedStage[] {
  const at = stages.findIndex((s) => s.actor === actor);
  if (at < 0) return [...previous];
  const before = previous.filter((e) => stages.findIndex((s) => s.id === e.stage) < at);
  return [...before, ...chain(stages.slice(at), on, calendar)];
}
