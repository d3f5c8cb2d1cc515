import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaseAllowance, CaseQuota } from '../src/cases/case-quota.js';
import { type DigitChecks, DigitGuard, type DigitGuardOptions } from '../src/cases/digit-guard.js';
import { CaseLimitError } from '../src/cases/errors.js';
import { PgCaseQuota } from '../src/cases/pg-case-quota.js';
import { PgDigitGuard } from '../src/cases/pg-digit-guard.js';
import { databasePlace, folderPlace } from './store-places.js';

/**
 * One contract for the case guards, run on both backends: the digit check locks a reference after five
 * wrong answers within the hour, for an hour, whatever the opening that counted them; failures older
 * than the window do not count; the daily case allowance refuses past its limit, gives back, and is new
 * the next Beijing day. PostgreSQL alone: two instances taking the last cases at once get one between them.
 */
interface Backend {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  guard(options: DigitGuardOptions): Promise<DigitChecks>;
  quota(limit: number, now: () => Date): Promise<CaseAllowance>;
}

const folder = folderPlace('ekey-guards-contract-');
const files: Backend = {
  name: 'embedded files',
  setup: () => folder.setup(),
  teardown: () => folder.teardown(),
  guard: async (options) => DigitGuard.open(folder.dir, options),
  quota: async (limit, now) => new CaseQuota(limit, now),
};
const database = databasePlace();
const postgres: Backend = {
  name: 'PostgreSQL',
  setup: () => database.setup(),
  teardown: () => database.teardown(),
  guard: async (options) => new PgDigitGuard(await database.open(), options),
  quota: async (limit, now) => new PgCaseQuota(await database.open(), limit, now),
};

const MINUTE = 60_000;

describe.each([files, postgres])('the case guards on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it('locks a reference after five wrong answers within the hour, for an hour, as another opening sees too', async () => {
    const clock = { now: 1_800_000_000_000 };
    const events: string[] = [];
    const options: DigitGuardOptions = { now: () => clock.now, onEvent: (event, f) => events.push(`${event}:${f.reference}:${f.channel}:${f.failures}`) };
    const a = await backend.guard(options);
    // Two failures long ago fall out of the window.
    expect(await a.fail('EK-20261123-AAAAA2', 'wechat')).toBe(false);
    expect(await a.fail('EK-20261123-AAAAA2', 'wechat')).toBe(false);
    clock.now += 61 * MINUTE;
    for (let i = 0; i < 4; i += 1) expect(await a.fail('EK-20261123-AAAAA2', 'webchat')).toBe(false);
    expect(await a.locked('EK-20261123-AAAAA2')).toBe(false);
    expect(await a.fail('EK-20261123-AAAAA2', 'webchat')).toBe(true);
    expect(events.slice(-2)).toEqual(['failed:EK-20261123-AAAAA2:webchat:5', 'locked:EK-20261123-AAAAA2:webchat:5']);
    const b = await backend.guard(options);
    expect(await b.locked('EK-20261123-AAAAA2')).toBe(true);
    expect(await b.locked('EK-20261123-BBBBB3')).toBe(false);
    clock.now += 59 * MINUTE;
    expect(await b.locked('EK-20261123-AAAAA2')).toBe(true);
    clock.now += 2 * MINUTE;
    expect(await b.locked('EK-20261123-AAAAA2')).toBe(false);
    // Counting starts again after the lock.
    expect(await b.fail('EK-20261123-AAAAA2', 'wechat')).toBe(false);
  });

  it('allows so many new cases per client and Beijing day, gives back one not stored, and starts again the next day', async () => {
    let now = new Date('2026-11-23T02:00:00Z');
    const q = await backend.quota(3, () => now);
    for (let i = 0; i < 3; i += 1) await q.take('wechat:o-busy');
    await expect(q.take('wechat:o-busy')).rejects.toBeInstanceOf(CaseLimitError);
    await q.take('wechat:o-other');
    await q.giveBack('wechat:o-busy');
    await q.take('wechat:o-busy');
    await expect(q.take('wechat:o-busy')).rejects.toBeInstanceOf(CaseLimitError);
    // 16:30 UTC is past midnight in Beijing.
    now = new Date('2026-11-23T16:30:00Z');
    await q.take('wechat:o-busy');
    const unlimited = await backend.quota(0, () => now);
    for (let i = 0; i < 10; i += 1) await unlimited.take('wechat:o-busy');
  });
});

describe('the case guards on PostgreSQL, two instances', () => {
  beforeAll(() => database.setup());
  afterAll(() => database.teardown());

  it('the allowance is one for the client across instances, and taking at once never goes past it', async () => {
    const now = () => new Date('2026-11-24T02:00:00Z');
    const a = await postgres.quota(5, now);
    const b = await postgres.quota(5, now);
    const tries = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).take('wechat:o-spread')));
    expect(tries.filter((t) => t.status === 'fulfilled')).toHaveLength(5);
    expect(tries.filter((t) => t.status === 'rejected').every((t) => (t as PromiseRejectedResult).reason instanceof CaseLimitError)).toBe(true);
  });

  it('wrong answers on two instances at once add up to one lock', async () => {
    const clock = { now: 1_900_000_000_000 };
    const a = await postgres.guard({ now: () => clock.now });
    const b = await postgres.guard({ now: () => clock.now });
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => (i % 2 ? a : b).fail('EK-20261124-CCCCC4', i % 2 ? 'wechat' : 'webchat')));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.locked('EK-20261124-CCCCC4')).toBe(true);
  });
});
