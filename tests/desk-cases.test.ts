import { describe, expect, it } from 'vitest';
import { caseVersion } from '../src/cases/service.js';
import { CaseConflictError } from '../src/cases/errors.js';
import { appendTranscript } from '../src/conversation/transcript.js';
import { clock, FIRST_OFFLINE, outcomeFor, service, tempDir } from './cases-helpers.js';

const SAID = '我们公司在天津，钥匙丢了';

describe('a case for the desk', () => {
  it('counts its changes, and refuses one asked against an older count', async () => {
    const { cases, store } = await service(tempDir());
    const c = await cases.open({ outcome: await outcomeFor(FIRST_OFFLINE), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' });
    expect(caseVersion(c)).toBe(0);
    const to = cases.allowed(c).find((id) => !cases.lifecycle(c).statuses.find((s) => s.id === id)?.rejection)!;
    const moved = await cases.transition(c.reference, { to, agent: 'anna', remark: 'r', version: 0 });
    expect(caseVersion(moved)).toBe(1);
    expect(caseVersion(await cases.setContact(c.reference, { mobile: '13700001111' }))).toBe(2);
    await expect(cases.transition(c.reference, { to: cases.allowed(moved)[0]!, agent: 'bo', remark: 'r', version: 1 })).rejects.toBeInstanceOf(CaseConflictError);
    expect((await cases.require(c.reference)).status).toBe(to);
    await store.close();
  });

  it('drops its transcript with the contact retention, even without contact details', async () => {
    const time = clock('2026-01-05T02:00:00Z');
    const { cases, store } = await service(tempDir(), time.now);
    const transcript = appendTranscript([], [{ from: 'user', text: SAID, at: time.now().toISOString() }]);
    const c = await cases.open({ outcome: await outcomeFor(FIRST_OFFLINE), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test', transcript });
    const lc = cases.lifecycle(c);
    const final = lc.statuses.find((s) => s.final)!.id;
    for (let x = await cases.require(c.reference); x.status !== final; x = await cases.require(c.reference)) {
      const next = cases.allowed(x);
      const to = next.includes(final) ? final : next.find((id) => !lc.statuses.find((s) => s.id === id)?.rejection)!;
      await cases.transition(c.reference, { to, agent: 'anna', remark: 'r' });
    }
    expect((await cases.require(c.reference)).transcript?.[0]?.text).toBe(SAID);
    time.set('2026-07-05T02:00:00Z');
    expect(await cases.eraseContactsClosedBefore(180)).toEqual([c.reference]);
    expect((await cases.require(c.reference)).transcript).toBeUndefined();
    await store.close();
  });

  it('keeps a transcript within 40 lines and 20 KB, the newest kept', () => {
    const lines = Array.from({ length: 100 }, (_, i) => ({ from: 'user' as const, text: `line ${i}`, at: '2026-01-01T00:00:00Z' }));
    const kept = appendTranscript([], lines);
    expect(kept).toHaveLength(40);
    expect(kept.at(-1)?.text).toBe('line 99');
    const big = appendTranscript(
      [],
      Array.from({ length: 10 }, () => ({ from: 'bot' as const, text: 'x'.repeat(3000), at: '2026-01-01T00:00:00Z' })),
    );
    expect(big.reduce((n, l) => n + l.text.length, 0)).toBeLessThanOrEqual(20_000);
  });
});
