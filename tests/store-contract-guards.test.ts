import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DigitChecks, DigitGuard, type DigitGuardOptions } from '../src/cases/digit-guard.js';
import { PgDigitGuard } from '../src/cases/pg-digit-guard.js';
import { databasePlace, folderPlace } from './store-places.js';

/**
 * One contract for the case guards, run on both backends: the digit check locks a reference after five
 * wrong answers within the hour, for an hour, whatever the opening that counted them; failures older
 * than the window do not count (the daily case allowance is the case store's: store-contract-cases). PostgreSQL
 * alone: wrong answers on two instances at once add up to one lock.
 */
interface Backend {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  guard(options: DigitGuardOptions): Promise<DigitChecks>;
}

const folder = folderPlace('ekey-guards-contract-');
const files: Backend = {
  name: 'embedded files',
  setup: () => folder.setup(),
  teardown: () => folder.teardown(),
  guard: async (options) => DigitGuard.open(folder.dir, options),
};
const database = databasePlace();
const postgres: Backend = {
  name: 'PostgreSQL',
  setup: () => database.setup(),
  teardown: () => database.teardown(),
  guard: async (options) => new PgDigitGuard(await database.open(), options),
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
});

describe('the case guards on PostgreSQL, two instances', () => {
  beforeAll(() => database.setup());
  afterAll(() => database.teardown());

  it('wrong answers on two instances at once add up to one lock', async () => {
    const clock = { now: 1_900_000_000_000 };
    const a = await postgres.guard({ now: () => clock.now });
    const b = await postgres.guard({ now: () => clock.now });
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => (i % 2 ? a : b).fail('EK-20261124-CCCCC4', i % 2 ? 'wechat' : 'webchat')));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.locked('EK-20261124-CCCCC4')).toBe(true);
  });
});
