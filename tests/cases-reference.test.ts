import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { findReference, newReference, parseReference, REFERENCE_ALPHABET, REFERENCE_PATTERN, referenceDate } from '../src/cases/reference.js';
import { FIRST_OFFLINE, outcomeFor, service } from './cases-helpers.js';

beforeAll(() => nock.disableNetConnect());

describe('case references', () => {
  it('are EK-YYYYMMDD-XXXXXX with the Beijing date and six characters of the unambiguous alphabet', () => {
    expect(REFERENCE_ALPHABET).toBe('23456789ABCDEFGHJKLMNPQRSTUVWXYZ');
    for (let i = 0; i < 2_000; i += 1) {
      const ref = newReference(() => false, '2026-11-23');
      expect(ref).toMatch(/^EK-20261123-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6}$/);
      expect(referenceDate(ref)).toBe('2026-11-23');
    }
  });

  it('draw every character of the alphabet, none other (no 0, 1, I, O)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i += 1) for (const ch of newReference(() => false, '2026-01-01').slice(12)) seen.add(ch);
    expect([...seen].sort().join('')).toBe([...REFERENCE_ALPHABET].sort().join(''));
  });

  it('take the creation date in Beijing time: 23:30 UTC is already the next day', async () => {
    const { cases } = await service(undefined, () => new Date('2026-11-22T23:30:00Z'));
    const c = await cases.open({ outcome: await outcomeFor(FIRST_OFFLINE), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' });
    expect(c.reference).toMatch(/^EK-20261123-/);
  });

  it('are never drawn twice in 100,000 on one day: a taken one is drawn again', () => {
    const taken = new Set<string>();
    let redraws = 0;
    for (let i = 0; i < 100_000; i += 1) {
      const ref = newReference((r) => {
        const hit = taken.has(r);
        if (hit) redraws += 1;
        return hit;
      }, '2026-11-23');
      taken.add(ref);
    }
    expect(taken.size).toBe(100_000);
    // 32^6 ≈ 1.07e9 codes: about 100000²/(2·32^6) ≈ 4.7 chance collisions are expected, and each was redrawn.
    expect(redraws).toBeLessThan(40);
  });

  it('redraw when the random source repeats itself', () => {
    const bytes = [Buffer.alloc(6, 0), Buffer.alloc(6, 0), Buffer.alloc(6, 1)];
    const random = () => bytes.shift() ?? Buffer.alloc(6, 2);
    const first = newReference(() => false, '2026-11-23', random);
    const second = newReference((r) => r === first, '2026-11-23', random);
    expect(first).toBe('EK-20261123-222222');
    expect(second).toBe('EK-20261123-333333');
  });

  it('stay unique when many cases are opened at once', async () => {
    const { cases, store } = await service();
    const outcome = await outcomeFor(FIRST_OFFLINE);
    const made = await Promise.all(Array.from({ length: 300 }, () => cases.open({ outcome, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' })));
    expect(new Set(made.map((c) => c.reference)).size).toBe(300);
    expect((await store.list({ offset: 0, limit: 1_000 })).total).toBe(300);
  });

  it('are read back as people type them, and anything else is refused', () => {
    expect(parseReference('ek-20261123-abcdef')).toBe('EK-20261123-ABCDEF');
    expect(parseReference('ＥＫ－２０２６１１２３－ＡＢＣＤＥＦ')).toBe('EK-20261123-ABCDEF');
    expect(parseReference(' EK 20261123 ABCDEF ')).toBe('EK-20261123-ABCDEF');
    expect(findReference('查询进度 EK—20261123—ABCDEF，谢谢')).toBe('EK-20261123-ABCDEF');
    for (const bad of ['EK-20261123-ABCDE0', 'EK-20261123-ABCDEI', 'EK-2026112-ABCDEF', 'EK-20261123-ABCDEFG', '../EK-20261123-ABCDEF', 'EK-20261123-ABC/EF', ''])
      expect(parseReference(bad), bad).toBeUndefined();
    expect(REFERENCE_PATTERN.test('EK-20261123-ABCDEF')).toBe(true);
  });
});
