import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { beijingDate } from '../src/dates/beijing.js';
import { addWorkingDays, CALENDAR_YEARS, isWorkingDay } from '../src/dates/working-days.js';
import { FIRST_OFFLINE, clock, outcomeFor, service } from './cases-helpers.js';

beforeAll(() => nock.disableNetConnect());

const run = promisify(execFile);

describe('the working-day calendar', () => {
  it('knows National Day, Spring Festival and their make-up working days', () => {
    for (const d of ['2026-10-01', '2026-10-05', '2026-10-07', '2026-02-16', '2026-02-23', '2025-01-28', '2026-01-01']) expect(isWorkingDay(d), d).toBe(false);
    // Make-up working days (调休) fall on weekends.
    for (const d of ['2026-09-20', '2026-10-10', '2026-02-14', '2026-02-28', '2026-01-04', '2025-09-28']) expect(isWorkingDay(d), d).toBe(true);
    expect(isWorkingDay('2026-11-23')).toBe(true);
    expect(isWorkingDay('2026-11-22')).toBe(false);
  });

  it("counts the handbook's working days across National Day", () => {
    // Submitted Tue 29 Sep 2026: Wed 30 Sep, then 1-7 Oct off, Thu 8 Oct.
    expect(addWorkingDays('2026-09-29', 2)).toEqual({ date: '2026-10-08', holidaysCounted: true });
    // Then five: Fri 9, Sat 10 (make-up day), Mon 12, Tue 13, Wed 14 Oct.
    expect(addWorkingDays('2026-10-08', 5)).toEqual({ date: '2026-10-14', holidaysCounted: true });
  });

  it('counts across the Spring Festival, with its Saturday make-up days', () => {
    // Thu 12 Feb 2026: Fri 13, Sat 14 (make-up).
    expect(addWorkingDays('2026-02-12', 2).date).toBe('2026-02-14');
    // Then 15-23 Feb off: Tue 24, 25, 26, 27, Sat 28 (make-up).
    expect(addWorkingDays('2026-02-14', 5).date).toBe('2026-02-28');
  });

  it('counts across a year boundary, New Year included', () => {
    // Tue 30 Dec 2025: Wed 31 Dec, 1-3 Jan 2026 off, Sun 4 Jan (make-up day).
    expect(addWorkingDays('2025-12-30', 2)).toEqual({ date: '2026-01-04', holidaysCounted: true });
  });

  it('says when the dates run past the years the official calendar covers', () => {
    expect(CALENDAR_YEARS.first).toBeLessThanOrEqual(2025);
    const beyond = CALENDAR_YEARS.last + 1;
    const r = addWorkingDays(`${CALENDAR_YEARS.last}-12-30`, 5);
    expect(r.holidaysCounted).toBe(false);
    expect(r.date.startsWith(String(beyond))).toBe(true);
    expect(addWorkingDays(`${CALENDAR_YEARS.last}-06-01`, 5).holidaysCounted).toBe(true);
  });

  it('gives Beijing dates near midnight UTC', () => {
    expect(beijingDate(new Date('2026-11-22T15:59:59Z'))).toBe('2026-11-22');
    expect(beijingDate(new Date('2026-11-22T16:00:00Z'))).toBe('2026-11-23');
  });

  it('gives the same answers on a server in another time zone', { timeout: 30_000 }, async () => {
    const script = [
      "import { addWorkingDays, isWorkingDay } from './src/dates/working-days.ts';",
      "import { beijingDate } from './src/dates/beijing.ts';",
      'const out = {',
      '  tz: Intl.DateTimeFormat().resolvedOptions().timeZone,',
      "  national: addWorkingDays('2026-09-29', 2).date,",
      "  spring: addWorkingDays('2026-02-12', 2).date,",
      "  newYear: addWorkingDays('2025-12-30', 2).date,",
      "  oct1: isWorkingDay('2026-10-01'),",
      "  makeUp: isWorkingDay('2026-10-10'),",
      "  lateUtc: beijingDate(new Date('2026-11-22T16:30:00Z')),",
      "  earlyUtc: beijingDate(new Date('2026-11-22T15:30:00Z')),",
      '};',
      'console.log(JSON.stringify(out));',
    ].join('\n');
    const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
    for (const tz of ['America/Los_Angeles', 'Pacific/Kiritimati', 'UTC']) {
      const { stdout } = await run(tsx, ['--eval', script], { cwd: process.cwd(), env: { ...process.env, TZ: tz } });
      expect(JSON.parse(stdout.trim().split('\n').at(-1) as string), tz).toEqual({
        tz,
        national: '2026-10-08',
        spring: '2026-02-14',
        newYear: '2026-01-04',
        oct1: false,
        makeUp: true,
        lateUtc: '2026-11-23',
        earlyUtc: '2026-11-22',
      });
    }
  });
});

describe('expected dates of a case', () => {
  it('are counted from the outcome day for each stage of the procedure', async () => {
    const { cases } = await service(undefined, () => new Date('2026-09-29T02:00:00Z'));
    const c = await cases.open({ outcome: await outcomeFor(FIRST_OFFLINE), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' });
    expect(c.expected).toEqual([
      { stage: 'verification', actor: 'authority', workingDays: 2, start: '2026-09-29', end: '2026-10-08', holidaysCounted: true },
      { stage: 'review-production', actor: 'provider', workingDays: 5, start: '2026-10-08', end: '2026-10-14', holidaysCounted: true },
    ]);
  });

  it('use 2 + 2 for revocation and one 5-day check for the online update', async () => {
    const { cases } = await service(undefined, () => new Date('2026-11-23T02:00:00Z'));
    const revoke = await cases.open({ outcome: await outcomeFor({ need: 'revoke' }), answers: { need: 'revoke' }, lang: 'zh-CN', channel: 't' });
    expect(revoke.expected.map((e) => [e.stage, e.workingDays, e.end])).toEqual([
      ['verification', 2, '2026-11-25'],
      ['revocation', 2, '2026-11-27'],
    ]);
    const online = { need: 'update', expiry: 'within-60-days', keyColour: 'silver', hasCode: 'yes', onlineFailed: 'no' };
    const o = await cases.open({ outcome: await outcomeFor(online), answers: online, lang: 'zh-CN', channel: 't' });
    expect(o.procedures).toEqual(['update-online']);
    expect(o.expected.map((e) => [e.stage, e.actor, e.workingDays, e.end])).toEqual([['check', 'provider', 5, '2026-11-30']]);
  });

  it('are counted again when a stage actually begins, and not again within it', async () => {
    const time = clock('2026-09-29T02:00:00Z');
    const { cases } = await service(undefined, time.now);
    const c = await cases.open({ outcome: await outcomeFor(FIRST_OFFLINE), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' });
    time.set('2026-10-09T02:00:00Z');
    const submitted = await cases.transition(c.reference, { to: 'submitted', agent: 'A' });
    expect(submitted.expected.map((e) => e.end)).toEqual(['2026-10-12', '2026-10-19']);
    time.set('2026-10-12T02:00:00Z');
    const verified = await cases.transition(c.reference, { to: 'verified', agent: 'A' });
    expect(verified.expected.map((e) => [e.start, e.end])).toEqual([
      ['2026-10-09', '2026-10-12'],
      ['2026-10-12', '2026-10-19'],
    ]);
    time.set('2026-10-14T02:00:00Z');
    const reviewed = await cases.transition(c.reference, { to: 'reviewed', agent: 'A' });
    expect(reviewed.expected).toEqual(verified.expected);
  });

  it('say so when they run into a year the calendar does not cover', async () => {
    const last = CALENDAR_YEARS.last;
    const { cases } = await service(undefined, () => new Date(`${last}-12-28T02:00:00Z`));
    const c = await cases.open({ outcome: await outcomeFor(FIRST_OFFLINE), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' });
    expect(c.expected.some((e) => !e.holidaysCounted)).toBe(true);
  });
});
